import { MetricCatalog, MetricDefinition } from '../model/metric-catalog';
import { parsePromql } from '../model/promql';
import type { RuleFile } from '../model/rule-files';
import { toYaml } from '../yaml-text';

/** Where the generated input rules sit among alerts/ (not a file in the repository; their tests are generated too). */
export const INPUTS_FILE = 'alerts/inputs.yaml';
/** The "can't see" alerts, by the highest severity of the alerts that read the input (alert names are unique). */
export const INPUT_ALERTS = { critical: 'PagingInputMissing', warning: 'AlertInputMissing' } as const;

/**
 * How far back an input counts as "was there": long enough that an alert
 * blinded overnight still says so in the morning; it resolves that long
 * after the input went (said in its runbook).
 */
const SEEN_WITHIN = '6h';
const RUNBOOKS = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md';

/** One input of the alerts: a catalog metric every alert reading it cannot see without. */
export interface AlertInput {
  readonly metric: MetricDefinition;
  /** The alerts that read it (directly or through recording rules), sorted. */
  readonly alerts: readonly string[];
  /** critical when one of them pages: a blind page is itself worth a page. */
  readonly severity: 'critical' | 'warning';
}

/**
 * The inputs of the alerts that are there whenever their service is up: catalog
 * metrics with `presence: always` and no labels (a labelled series exists only
 * once its first event since the process started, prometheus/client_python and
 * the OpenTelemetry SDK alike, so after a restart its absence is normal and says
 * nothing). Read through recording rules to the metrics they read.
 */
export function alertInputs(ruleFiles: readonly RuleFile[], catalog: MetricCatalog): AlertInput[] {
  const records = new Map<string, string[]>();
  for (const f of ruleFiles)
    for (const g of f.groups) for (const r of g.rules) if (r.record) records.set(r.record, [...(records.get(r.record) ?? []), r.expr]);
  const recorded = new Set(records.keys());
  const metricsOf = (expr: string, seen: Set<string> = new Set()): MetricDefinition[] => {
    const parsed = parsePromql(expr);
    if (!parsed.ok) return [];
    return parsed.selectors.flatMap((s) => {
      if (!s.name) return [];
      const kind = catalog.resolve(s.name, recorded);
      if (kind?.kind === 'metric') return [kind.metric];
      if (kind?.kind !== 'recording' || seen.has(s.name)) return [];
      seen.add(s.name);
      return (records.get(s.name) ?? []).flatMap((e) => metricsOf(e, seen));
    });
  };
  const byMetric = new Map<string, { metric: MetricDefinition; alerts: Set<string>; critical: boolean }>();
  for (const f of ruleFiles)
    for (const g of f.groups)
      for (const r of g.rules) {
        if (!r.alert || Object.values<string>(INPUT_ALERTS).includes(r.alert)) continue;
        for (const m of metricsOf(r.expr)) {
          if (m.presence !== 'always' || Object.keys(m.labels).length > 0) continue;
          const entry = byMetric.get(m.name) ?? { metric: m, alerts: new Set<string>(), critical: false };
          entry.alerts.add(r.alert);
          entry.critical ||= r.labels?.severity === 'critical';
          byMetric.set(m.name, entry);
        }
      }
  return [...byMetric.values()]
    .sort((a, b) => a.metric.name.localeCompare(b.metric.name))
    .map((e) => ({ metric: e.metric, alerts: [...e.alerts].sort(), severity: e.critical ? 'critical' : 'warning' }));
}

/** The clause of one input: a task had it within SEEN_WITHIN, has it no more, and is up. */
export function inputClause(input: AlertInput): string {
  // A histogram has no series of its own name: its _count is there whenever it is.
  const series = input.metric.type === 'histogram' ? `${input.metric.name}_count` : input.metric.name;
  const jobs = input.metric.services.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const selector = `${series}{job=~"${jobs}"}`;
  // Per task (instance): a task that had the input and, still up, has it no more. A new task (a deploy, a
  // replacement) never had it, so it says nothing until its first export: OpenTelemetry SDK instruments appear only
  // at their first measurement.
  const gone = `max by (job, instance) (max_over_time(${selector}[${SEEN_WITHIN}])) unless max by (job, instance) (${selector})`;
  return `label_replace(${gone}, "metric", "${series}", "", "") and on (job, instance) (up == 1)`;
}

/**
 * One alert for every input of the alerts that can vanish while its service is
 * up (a renamed metric, an exporter that stopped exporting it): without it, an
 * alert reading the input resolves as if healthy and the others go quietly
 * blind. Its severity is the highest of the alerts that read the input.
 * Undefined when no alert reads such an input.
 */
export function renderInputRules(inputs: readonly AlertInput[]): string | undefined {
  if (inputs.length === 0) return undefined;
  const groups = [
    {
      name: 'alert_inputs',
      interval: '1m',
      // One rule per severity (a rule's labels are fixed).
      rules: (['critical', 'warning'] as const)
        .map((severity) => inputs.filter((i) => i.severity === severity))
        .filter((some) => some.length > 0)
        .map((some) => ({
          alert: INPUT_ALERTS[some[0].severity],
          expr: some.map(inputClause).join(' or '),
          for: '5m',
          labels: { severity: some[0].severity, service: '{{ $labels.job }}' },
          annotations: {
            summary: 'Alerts cannot see {{ $labels.metric }} of {{ $labels.job }}',
            description: `{{ $labels.job }} at {{ $labels.instance }} is up but has stopped exporting {{ $labels.metric }}, which it exported in the last ${SEEN_WITHIN}: the alerts that read it see nothing and cannot fire (see the runbook for which).`,
            runbook_url: `${RUNBOOKS}#${INPUT_ALERTS[some[0].severity].toLowerCase()}`,
            dashboard_url: '/d/observability-stack/observability-stack',
          },
        })),
    },
  ];
  return toYaml({ groups });
}

/**
 * promtool tests for the input rules, one set per input (generated like the
 * SLO tests, so no input escapes them): the input stops while its service is
 * up (fires, named), is never exported (quiet: nothing to miss), and stops
 * with its whole service (quiet: ServiceDown's case).
 */
export function renderInputTests(inputs: readonly AlertInput[], ruleFile: string): string {
  const tests = inputs.flatMap((input) => {
    const series = input.metric.type === 'histogram' ? `${input.metric.name}_count` : input.metric.name;
    const job = input.metric.services[0];
    const up = `up{job="${job}", instance="${job}:8001"}`;
    const metric = `${series}{job="${job}", instance="${job}:8001"}`;
    const alertname = INPUT_ALERTS[input.severity];
    return [
      {
        name: `failure-mode input-missing: ${series} stops while ${job} is up`,
        interval: '15s',
        input_series: [
          { series: up, values: '1x80' },
          { series: metric, values: '1x19 stale' },
        ],
        alert_rule_test: [
          { eval_time: '8m', alertname, exp_alerts: [] },
          {
            eval_time: '12m',
            alertname,
            exp_alerts: [
              {
                exp_labels: { severity: input.severity, service: job, job, instance: `${job}:8001`, metric: series },
                exp_annotations: {
                  summary: `Alerts cannot see ${series} of ${job}`,
                  description: `${job} at ${job}:8001 is up but has stopped exporting ${series}, which it exported in the last ${SEEN_WITHIN}: the alerts that read it see nothing and cannot fire (see the runbook for which).`,
                  runbook_url: `${RUNBOOKS}#${alertname.toLowerCase()}`,
                  dashboard_url: '/d/observability-stack/observability-stack',
                },
              },
            ],
          },
        ],
      },
      {
        name: `input-missing quiet: ${series} never exported by ${job}`,
        interval: '15s',
        input_series: [{ series: up, values: '1x80' }],
        alert_rule_test: [{ eval_time: '12m', alertname, exp_alerts: [] }],
      },
      {
        // A deploy: the task that exported it is replaced by one that has not yet (an SDK instrument's first measurement).
        name: `input-missing quiet: ${series} not yet exported by ${job}'s new task`,
        interval: '15s',
        input_series: [
          { series: up, values: '1x19 stale' },
          { series: metric, values: '1x19 stale' },
          { series: `up{job="${job}", instance="${job}-new:8001"}`, values: '_x19 1x60' },
        ],
        alert_rule_test: [{ eval_time: '12m', alertname, exp_alerts: [] }],
      },
      {
        name: `input-missing quiet: ${series} stops with all of ${job}`,
        interval: '15s',
        input_series: [
          { series: up, values: '1x19 0x60' },
          { series: metric, values: '1x19 stale' },
        ],
        alert_rule_test: [{ eval_time: '12m', alertname, exp_alerts: [] }],
      },
    ];
  });
  return toYaml({ rule_files: [ruleFile], evaluation_interval: '1m', tests });
}
