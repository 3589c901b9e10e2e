import { Analytics, ANALYTICS_FILE } from '../model/analytics';
import { checkInsightsQuery, checkLogqlQuery, LOG_QUERIES_FILE, LogQueries, LogQuery } from '../model/log-queries';

/** The "Log queries" dashboard; a log alert links to it (loki-rules.ts). */
export const LOG_QUERIES_DASHBOARD_UID = 'log-queries';
export const USER_BEHAVIOUR_DASHBOARD_UID = 'user-behaviour';
export const LOG_QUERIES_DASHBOARD_FILE = 'dashboards/log-queries.json';
export const USER_BEHAVIOUR_DASHBOARD_FILE = 'dashboards/user-behaviour.json';

const CLOUDWATCH = { type: 'cloudwatch', uid: 'cloudwatch' };
/** The local Grafana's Loki data source (monitoring/grafana/provisioning/datasources). */
const LOKI = { type: 'loki', uid: 'loki' };
/** Every service's streams: the analytics read all of them. */
const ALL_SERVICES = '{service_name=~".+"}';

export interface LogDashboardsInput {
  readonly target: 'aws' | 'local';
  /** The environment's services, in order. */
  readonly services: readonly string[];
  /** The log group of each service (AWS). */
  readonly logGroupName: (service: string) => string;
  readonly logQueries: LogQueries;
  readonly analytics?: Analytics;
}

/** One query in both forms, and how a panel shows it. */
interface TwinQuery {
  readonly title: string;
  readonly description?: string;
  readonly insights: string;
  readonly logql: string;
  /** `logs`: lines; `table`, `timeseries`, `piechart`, `bargauge`: a metric query's result. */
  readonly panel: 'logs' | 'table' | 'timeseries' | 'piechart' | 'bargauge';
  /** The Logs Insights query runs over one service's group (`$service`, the panel repeated per service). */
  readonly perService?: boolean;
  /** LogQL step for a time series (e.g. 1d). */
  readonly step?: string;
}

/**
 * The "Log queries" dashboard: every saved query of logs/queries.yaml as a
 * panel, in its Logs Insights form on AWS (CloudWatch data source) and its
 * LogQL twin locally (Loki), so both forms are one click away in Grafana.
 */
export function renderLogQueriesDashboard(input: LogDashboardsInput): string {
  const queries: TwinQuery[] = input.logQueries.queries.map((q: LogQuery) => ({
    title: q.name,
    description: q.description,
    insights: q.insights,
    logql: q.logql,
    panel: /\|\s*stats\b/.test(q.insights) ? 'table' : 'logs',
    perService: q.scope === 'each',
  }));
  return dashboard(input, {
    uid: LOG_QUERIES_DASHBOARD_UID,
    title: 'Log queries',
    description: `The saved log queries of ${LOG_QUERIES_FILE}: Logs Insights on AWS, their LogQL twins locally`,
    tags: ['logs'],
    queries,
    serviceVariable: true,
    time: 'now-1h',
  });
}

/** The Logs Insights and LogQL twins of the user-behaviour panels, from logs/analytics.yaml. */
export function analyticsQueries(a: Analytics): TwinQuery[] {
  const user = a.user;
  const exec = JSON.stringify(a.execution);
  const steps = a.funnel.steps.map((s) => s.event);
  const active = (title: string, bin: string): TwinQuery => ({
    title,
    insights: `filter ispresent(${user})\n| stats count_distinct(${user}) as users by bin(${bin})`,
    logql: `count(sum by (${user}) (count_over_time(${ALL_SERVICES} | json | ${user}!="" [${bin}])))`,
    panel: 'timeseries',
    step: bin,
  });
  return [
    active('Daily active users', '1d'),
    active('Weekly active users', '7d'),
    {
      title: 'Executions per user (top 20)',
      insights: `filter event = ${exec} and ispresent(${user})\n| stats count(*) as executions by ${user}\n| sort executions desc\n| limit 20`,
      logql: `topk(20, sum by (${user}) (count_over_time(${ALL_SERVICES} | json | event=${exec} | ${user}!="" [$__range])))`,
      panel: 'table',
    },
    ...a.dimensions.map((d): TwinQuery => ({
      title: `Executions by ${d}`,
      insights: `filter event = ${exec} and ispresent(${d})\n| stats count(*) as executions by ${d}`,
      logql: `sum by (${d}) (count_over_time(${ALL_SERVICES} | json | event=${exec} | ${d}!="" [$__range]))`,
      panel: 'piechart',
    })),
    {
      title: `Funnel: ${a.funnel.steps.map((s) => s.step).join(' → ')} (distinct ${a.funnel.key})`,
      insights: `filter event in [${steps.map((e) => JSON.stringify(e)).join(', ')}] and ispresent(${a.funnel.key})\n| stats count_distinct(${a.funnel.key}) as count by event`,
      logql: `count by (event) (sum by (event, ${a.funnel.key}) (count_over_time(${ALL_SERVICES} | json | event=~${JSON.stringify(steps.join('|'))} | ${a.funnel.key}!="" [$__range])))`,
      panel: 'bargauge',
    },
    {
      title: `Top ${a.topEvents} events`,
      insights: `filter ispresent(event)\n| stats count(*) as events by event\n| sort events desc\n| limit ${a.topEvents}`,
      logql: `topk(${a.topEvents}, sum by (event) (count_over_time(${ALL_SERVICES} | json | event!="" [$__range])))`,
      panel: 'table',
    },
  ];
}

/**
 * The "User behaviour" dashboard (seed 13): active users, executions per
 * user, the split by each dimension, the funnel and the top events, from
 * logs/analytics.yaml; Logs Insights on AWS, LogQL locally. Each query is
 * checked as the saved queries are.
 */
export function renderUserBehaviourDashboard(input: LogDashboardsInput & { analytics: Analytics }): string {
  const queries = analyticsQueries(input.analytics);
  for (const q of queries) {
    const where = `panel "${q.title}"`;
    checkInsightsQuery(ANALYTICS_FILE, `${where} (Logs Insights)`, q.insights, input.logQueries.fields);
    checkLogqlQuery(ANALYTICS_FILE, `${where} (LogQL)`, q.logql, input.logQueries.fields, { metric: true });
  }
  return dashboard(input, {
    uid: USER_BEHAVIOUR_DASHBOARD_UID,
    title: 'User behaviour',
    description: `What users do, from the services' structured logs (${ANALYTICS_FILE}); pseudonymous ids only`,
    tags: ['logs', 'analytics'],
    queries,
    serviceVariable: false,
    // Logs Insights is billed per GB scanned and each refresh runs every panel's query: no auto-refresh.
    time: 'now-7d',
  });
}

function dashboard(
  input: LogDashboardsInput,
  d: {
    uid: string;
    title: string;
    description: string;
    tags: string[];
    queries: readonly TwinQuery[];
    serviceVariable: boolean;
    time: string;
  },
): string {
  const aws = input.target === 'aws';
  const panels = d.queries.map((q, i) => {
    const logs = q.panel === 'logs';
    const target = aws
      ? {
          refId: 'A',
          datasource: CLOUDWATCH,
          queryMode: 'Logs',
          queryLanguage: 'CWLI',
          region: 'default',
          id: '',
          expression: q.insights.trim(),
          // The legacy field the query editor still reads (UNCONFIRMED that AMG 12.4 interpolates $service in it).
          logGroupNames: q.perService ? [input.logGroupName('$service')] : input.services.map((s) => input.logGroupName(s)),
          ...(q.panel === 'timeseries' && { statsGroups: [] }),
        }
      : {
          refId: 'A',
          datasource: LOKI,
          expr: q.logql.trim(),
          queryType: logs ? 'range' : q.panel === 'timeseries' ? 'range' : 'instant',
          ...(q.step && { step: q.step }),
          ...(!logs && q.panel !== 'timeseries' && { legendFormat: '' }),
        };
    return {
      id: i + 1,
      type: q.panel,
      title: q.title,
      ...(q.description && { description: q.description }),
      datasource: aws ? CLOUDWATCH : LOKI,
      gridPos: { h: logs ? 10 : 8, w: logs ? 24 : 12, x: logs ? 0 : (i % 2) * 12, y: i * 10 },
      // A per-service query on AWS runs once per selected service (its log group).
      ...(aws && q.perService && { repeat: 'service', repeatDirection: 'h' }),
      fieldConfig: { defaults: { unit: 'short' }, overrides: [] },
      options: logs ? { showTime: true, wrapLogMessage: true, sortOrder: 'Descending', enableLogDetails: true } : {},
      targets: [target],
    };
  });
  const service = {
    name: 'service',
    label: 'Service',
    type: 'custom',
    query: input.services.join(','),
    multi: true,
    includeAll: true,
    // LogQL reads the variable in =~: All is every stream.
    allValue: aws ? undefined : '.+',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
  };
  return `${JSON.stringify(
    {
      annotations: { list: [] },
      description: d.description,
      editable: true,
      graphTooltip: 1,
      links: [],
      panels,
      refresh: '',
      schemaVersion: 39,
      tags: d.tags,
      templating: { list: d.serviceVariable ? [service] : [] },
      time: { from: d.time, to: 'now' },
      timezone: 'browser',
      title: d.title,
      uid: d.uid,
      version: 1,
    },
    null,
    2,
  )}\n`;
}
