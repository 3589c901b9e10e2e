import { parseAnalytics } from '../../lib/model/analytics';
import { checkInsights, INSIGHTS_COMMANDS } from '../../lib/model/logs-insights';
import { parseLogql } from '../../lib/model/logql';
import { parseLogQueries } from '../../lib/model/log-queries';
import { analyticsQueries } from '../../lib/render/log-dashboards';
import { baseFiles, inputErrorOf, modelOf } from '../helpers';

const QUERIES = 'logs/queries.yaml';
const ANALYTICS = 'logs/analytics.yaml';
const repo = () => parseLogQueries(QUERIES, baseFiles[QUERIES]);
/** logs/queries.yaml with one query's form replaced. */
const withQuery = (name: string, key: 'insights' | 'logql', text: string) => {
  const lines = baseFiles[QUERIES].split('\n');
  const at = lines.findIndex((l) => l === `  - name: ${name}`);
  const k = lines.findIndex((l, i) => i > at && l === `    ${key}: |`);
  let end = k + 1;
  while (end < lines.length && lines[end].startsWith('      ')) end++;
  return [...lines.slice(0, k + 1), ...text.split('\n').map((l) => `      ${l}`), ...lines.slice(end)].join('\n');
};

describe('logs/queries.yaml: every saved query in Logs Insights and LogQL', () => {
  test('the repository has both forms of every query, each checked', () => {
    const { queries, fields } = repo();
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const q of queries) {
      expect(checkInsights(q.insights, fields)).toMatchObject({ ok: true });
      expect(parseLogql(q.logql)).toMatchObject({ ok: true });
    }
  });

  test('the LogQL parser reads what a query selects, filters on and whether it is a metric query', () => {
    expect(
      parseLogql('sum by (service_name, event) (count_over_time({service_name=~"$service"} | json | level=~"error|critical" [$__range]))'),
    ).toEqual({
      ok: true,
      streamMatchers: [{ name: 'service_name', op: '=~', value: '$service' }],
      labels: expect.arrayContaining(['service_name', 'event', 'level']),
      parsesLine: true,
      metric: true,
    });
    expect(parseLogql('{service_name=~"$service"} | json | pipeline_id="P"')).toMatchObject({
      ok: true,
      metric: false,
      labels: ['pipeline_id'],
    });
  });

  test.each([
    [
      'the LogQL does not parse',
      withQuery('by-event', 'logql', '{service_name=~"$service"} | json | event="x" ['),
      /query "by-event"\.logql: is not valid LogQL near/,
    ],
    [
      'the LogQL does not select by the service variable',
      withQuery('by-event', 'logql', '{job="backend"} | json | event="x"'),
      /does not select its streams with \{service_name=~"\$service"\}/,
    ],
    [
      'the LogQL filters on a field the services do not log',
      withQuery('by-event', 'logql', '{service_name=~"$service"} | json | evnt="x"'),
      /filters or groups on "evnt", which the services do not log/,
    ],
    [
      'the LogQL reads a field without parsing the line',
      withQuery('by-event', 'logql', '{service_name=~"$service"} | event="x"'),
      /reads fields of the log line without parsing it.*Fix: add `\| json`/,
    ],
    [
      'the Logs Insights query has an unknown command',
      withQuery('stream', 'insights', 'fields @timestamp\n| sortt @timestamp desc'),
      /query "stream"\.insights: has the command "sortt", which Logs Insights does not know/,
    ],
    [
      'the Logs Insights query reads an unknown field',
      withQuery('stream', 'insights', 'fields @timestamp, pipline_id'),
      /reads the field "pipline_id", which the services do not log/,
    ],
    [
      'the Logs Insights query has an unclosed parenthesis',
      withQuery('errors-by-service', 'insights', 'stats count(* as errors by @log'),
      /has an unclosed \(/,
    ],
    [
      'a query keeps the old single `query` key',
      baseFiles[QUERIES].replace('    insights: |\n      fields @timestamp, level', '    query: |\n      fields @timestamp, level'),
      /logs\/queries\.yaml: queries\[0\]/,
    ],
  ])('fails when %s', (_what, text, error) => {
    expect(inputErrorOf(() => parseLogQueries(QUERIES, text))).toMatch(error);
  });

  test('aliases, @ fields, functions, strings and regexes are not fields', () => {
    const fields = new Set(['event', 'level', 'user_id']);
    expect(
      checkInsights(
        'filter level in ["error"] and @message like /fail(ed)?/\n| stats count_distinct(user_id) as users by bin(1d)\n| sort users desc # the busiest first',
        fields,
      ),
    ).toMatchObject({ ok: true });
    expect(checkInsights('parse @message "* *" as a, b\n| filter a = "x" and b = "y"', fields)).toMatchObject({ ok: true });
    expect(INSIGHTS_COMMANDS).toEqual(expect.arrayContaining(['fields', 'filter', 'stats', 'sort', 'limit', 'parse', 'dedup', 'display']));
  });
});

describe('logs/analytics.yaml: user behaviour, pseudonymous', () => {
  test('each panel has both forms, and they parse', () => {
    const a = parseAnalytics(ANALYTICS, baseFiles[ANALYTICS], repo().fields);
    const qs = analyticsQueries(a);
    expect(qs.map((q) => q.title)).toEqual([
      'Daily active users',
      'Weekly active users',
      'Executions per user (top 20)',
      'Executions by mode',
      'Funnel: created → started → succeeded (distinct pipeline_id)',
      'Top 10 events',
    ]);
    for (const q of qs) expect(parseLogql(q.logql)).toMatchObject({ ok: true, metric: true });
  });

  test.each([
    [
      'the user field identifies a person',
      baseFiles[ANALYTICS].replace('user: user_id', 'user: user_email'),
      /user: names a field that identifies a person \(got "user_email"\)/,
    ],
    [
      'a dimension is not logged',
      baseFiles[ANALYTICS].replace('dimensions: [mode]', 'dimensions: [mode, plan]'),
      /dimensions\[1\]: is not a field the services log \(got "plan"\)/,
    ],
    [
      'the funnel has one step',
      baseFiles[ANALYTICS].replace(/\n {4}- \{ step: started[^\n]*\n {4}- \{ step: succeeded[^\n]*/, ''),
      /funnel\.steps: is invalid .*Fix: must have at least two steps/,
    ],
  ])('fails when %s', (_what, text, error) => {
    expect(inputErrorOf(() => parseAnalytics(ANALYTICS, text, repo().fields))).toMatch(error);
  });
});

describe('the log dashboards, one definition on both targets', () => {
  const dashboard = (env: string, uid: string) =>
    JSON.parse(modelOf(env).publishedDashboards.find((d) => d.uid === uid)!.text) as {
      panels: { title: string; datasource: { uid: string }; targets: Record<string, unknown>[]; repeat?: string }[];
    };

  test.each(['log-queries', 'user-behaviour'])('%s: Logs Insights over the service log groups on AWS, LogQL on Loki locally', (uid) => {
    const aws = dashboard('prod', uid);
    const local = dashboard('local', uid);
    expect(aws.panels.map((p) => p.title)).toEqual(local.panels.map((p) => p.title));
    const groups = modelOf('prod').environment.services.map((s) => `/trading-observability/prod/${s.name}`);
    for (const p of aws.panels) {
      expect(p.datasource.uid).toBe('cloudwatch');
      expect(p.targets[0]).toMatchObject({ queryMode: 'Logs', expression: expect.any(String) });
      expect(p.targets[0].logGroupNames).toEqual(p.repeat ? ['/trading-observability/prod/$service'] : groups);
    }
    for (const p of local.panels) {
      expect(p.datasource.uid).toBe('loki');
      expect(parseLogql(String(p.targets[0].expr))).toMatchObject({ ok: true });
    }
  });
});
