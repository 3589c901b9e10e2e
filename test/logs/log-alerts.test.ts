import * as fs from 'fs';
import * as path from 'path';
import * as logs from 'aws-cdk-lib/aws-logs';
import { parse } from 'yaml';
import { FILTER_PATTERN_MAX_LENGTH, logAlertFilterPattern, logAlertLogql, parseLogAlerts } from '../../lib/model/log-alerts';
import { parseLogQueries } from '../../lib/model/log-queries';
import { parseLogql } from '../../lib/model/logql';
import { LOKI_RULES_FILE } from '../../lib/render/loki-rules';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { FILTER_PATTERN_SYNTAX } from '../contracts/cloudwatch-logs';
import { baseFiles, inputErrorOf, modelOf, REPO, resourcesOf, synth } from '../helpers';

const FILE = 'alerts/logs.yaml';
const fields = parseLogQueries('logs/queries.yaml', baseFiles['logs/queries.yaml']).fields;
const SERVICES = ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher'];
const parseWith = (text: string, services = SERVICES) => parseLogAlerts(FILE, text, fields, services);

describe('alerts/logs.yaml: log alerts declared once', () => {
  const alerts = parseWith(baseFiles[FILE]);

  test('the repository declares the seed-obvious alerts, each with its runbook section', () => {
    expect(alerts.map((a) => [a.name, a.severity, a.services.length])).toEqual([
      ['PipelineExecutionFailures', 'warning', 1],
      ['CriticalLogEvent', 'critical', 4],
      ['UserVisibleErrors', 'warning', 1],
    ]);
    const runbooks = fs.readFileSync(path.join(REPO, 'docs/runbooks.md'), 'utf8');
    for (const a of alerts) {
      expect(a.runbookUrl).toMatch(new RegExp(`docs/runbooks\\.md#${a.name.toLowerCase()}$`));
      expect(runbooks).toContain(`\n## ${a.name}\n`);
    }
  });

  test('the CloudWatch filter pattern is what aws-cdk-lib renders for the same match', () => {
    const L = logs.FilterPattern;
    expect(logAlertFilterPattern({ match: { event: ['pipeline_execution_failed'] } })).toBe(
      L.stringValue('$.event', '=', 'pipeline_execution_failed').logPatternString,
    );
    expect(logAlertFilterPattern({ match: { event: ['request_failed'], level: ['error', 'critical'] } })).toBe(
      L.all(
        L.stringValue('$.event', '=', 'request_failed'),
        L.any(L.stringValue('$.level', '=', 'error'), L.stringValue('$.level', '=', 'critical')),
      ).logPatternString,
    );
    expect(FILTER_PATTERN_MAX_LENGTH).toBe(FILTER_PATTERN_SYNTAX.maxLength);
  });

  test('the LogQL counts matching lines per service over the window', () => {
    const q = logAlertLogql(alerts[2]);
    expect(q).toBe(
      'sum by (service_name) (count_over_time({service_name=~"backend"} | json | event="request_failed" | level="error" [5m])) >= 10',
    );
    expect(parseLogql(q)).toMatchObject({ ok: true, metric: true });
    expect(logAlertLogql({ ...alerts[1], match: { level: ['error', 'critical'] } })).toContain('level=~"error|critical"');
  });

  test.each([
    [
      'a field is not logged',
      baseFiles[FILE].replace('match: { level: critical }', 'match: { severity: critical }'),
      /alert "CriticalLogEvent"\.match: matches the field "severity", which the services do not log/,
    ],
    [
      'a service is not a platform service',
      baseFiles[FILE].replace('services: [backend]', 'services: [frontend]'),
      /alert "UserVisibleErrors"\.services: names a service the platform does not have \(got "frontend"\)/,
    ],
    [
      'the window is not whole minutes',
      baseFiles[FILE].replace('window: 1m', 'window: 90s'),
      /alerts\[1\]\.window: is invalid \(got "90s"\)\. Fix: set it to whole minutes/,
    ],
    [
      'the severity is unknown',
      baseFiles[FILE].replace('severity: critical', 'severity: page'),
      /alerts\[1\]\.severity: is invalid \(got "page"\)\. Fix: set it to critical, warning or info/,
    ],
    [
      'an alert is declared twice',
      baseFiles[FILE].replace('name: UserVisibleErrors', 'name: CriticalLogEvent'),
      /alert "CriticalLogEvent": is defined twice/,
    ],
    [
      "the filter pattern would pass CloudWatch's limit",
      baseFiles[FILE].replace(
        'match: { level: critical }',
        `match: { level: [${Array.from({ length: 60 }, (_, i) => `value_number_${i}`).join(', ')}] }`,
      ),
      /makes a CloudWatch filter pattern of \d+ characters, over its limit of 1024/,
    ],
  ])('fails when %s', (_what, text, error) => {
    expect(inputErrorOf(() => parseWith(text))).toMatch(error);
  });
});

test('an environment without a service an alert names watches the others, and leaves out an alert with none', () => {
  const alerts = parseLogAlerts(FILE, baseFiles[FILE], fields, ['backend', 'signal-generator'], new Set(SERVICES));
  expect(alerts.map((a) => [a.name, a.services])).toEqual([
    ['CriticalLogEvent', ['backend', 'signal-generator']],
    ['UserVisibleErrors', ['backend']],
  ]);
});

describe('on AWS: a metric filter and an alarm per alert and service, routed like a metric alert', () => {
  const { json } = synth('prod');
  const model = modelOf('prod');

  test('each alert watches each of its services, notifying its routed topic when it fires and when it clears', () => {
    const filters = resourcesOf(json, 'AWS::Logs::MetricFilter').map(([, p]) => p);
    const alarms = resourcesOf(json, 'AWS::CloudWatch::Alarm').map(([, p]) => p);
    let n = 0;
    for (const a of model.logAlerts) {
      for (const service of a.services) {
        n++;
        const metricName = `prod-${service}-${a.name}`;
        const filter = filters.find((f) => f.MetricTransformations[0].MetricName === metricName);
        expect(filter).toMatchObject({ FilterPattern: logAlertFilterPattern(a) });
        expect(filter.MetricTransformations[0]).toMatchObject({ MetricValue: '1', DefaultValue: 0 });
        const alarm = alarms.find((x) => x.MetricName === metricName);
        const topic = new RegExp(`^AlertRoutingTopic${a.severity}`);
        expect(alarm).toMatchObject({
          AlarmName: `trading-observability-prod-${service}-${a.name}`,
          Threshold: a.threshold,
          Period: a.windowMinutes * 60,
          Statistic: 'Sum',
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        });
        expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(topic) }]);
        expect(alarm.OKActions).toEqual([{ Ref: expect.stringMatching(topic) }]);
        expect(alarm.AlarmDescription).toContain(a.runbookUrl);
      }
    }
    expect(n).toBe(6);
  });
});

describe('locally: a Loki ruler rule per alert, sent to the same Alertmanager', () => {
  test('the rule file has every alert, its LogQL, severity, service label and annotations', () => {
    const model = modelOf('local');
    const bundle = renderLocalBundle(model, {});
    const rules = parse(bundle[LOKI_RULES_FILE]) as { groups: { name: string; rules: Record<string, any>[] }[] };
    expect(rules.groups).toHaveLength(1);
    expect(rules.groups[0].rules).toEqual(
      model.logAlerts.map((a) => ({
        alert: a.name,
        expr: logAlertLogql(a),
        labels: { severity: a.severity, service: '{{ $labels.service_name }}', source: 'logs' },
        annotations: expect.objectContaining({ summary: a.summary, description: a.description, runbook_url: a.runbookUrl }),
      })),
    );
  });
});
