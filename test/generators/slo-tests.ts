import { toYaml } from '../../lib/yaml-text';
import { absentFor, BURN_WINDOWS, burnFactor, matches, parseSelector, Slo, SloSet, sliSelectors, sliSplit } from '../../lib/model/slos';
import { sloAlertNames } from '../../lib/render/slo-rules';

/**
 * Failure modes a promtool test group can cover, named in its `name:` as
 * "failure-mode <kind>: ...". test/tools/promtool.test.ts demands them:
 * - denominator-absent: a ratio alert whose denominator (or its "good" part) has no series yet;
 * - counter-absent: an alert on a counter that has no series yet (the process never incremented it);
 * - numerator-absent: an SLO with no bad event since the start reads 0, not "no data";
 * - gap: a rule over a recorded value sees missing samples or NaN;
 * - low-traffic: an SLO with a handful of events does not page;
 * - crash: the service's targets are gone (series stale), not `up == 0`;
 * - split-absent: the SLI's good/bad split cannot be computed (a histogram
 *   without the threshold's bucket, only +Inf, a renamed label the bad
 *   selector matches on): a "can't measure" warning, no page, no silence.
 */
const FAILURE_MODES = ['denominator-absent', 'counter-absent', 'numerator-absent', 'gap', 'low-traffic', 'crash', 'split-absent'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];
export const failureModeOf = (groupName: string | undefined): FailureMode | undefined =>
  FAILURE_MODES.find((m) => groupName?.startsWith(`failure-mode ${m}:`));

type Sample = number | '_' | 'stale';
/** Per minute: events added to the good and the bad counter; `gap` = no scrape; `stale` = the target is gone. */
type Step = { good: number; bad: number } | 'gap' | 'stale';

const round = (n: number) => +n.toFixed(6);
/** promtool's expanding notation ("0+5x10 _x3 stale") for a list of samples. */
export function encodeSamples(samples: readonly Sample[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < samples.length) {
    const s = samples[i];
    if (typeof s !== 'number') {
      let n = 1;
      while (samples[i + n] === s) n++;
      out.push(s === '_' ? `_x${n}` : Array(n).fill('stale').join(' '));
      i += n;
      continue;
    }
    const next = samples[i + 1];
    if (typeof next !== 'number') {
      out.push(String(s));
      i += 1;
      continue;
    }
    const inc = round(next - s);
    let n = 1;
    while (typeof samples[i + n + 1] === 'number' && round((samples[i + n + 1] as number) - (samples[i + n] as number)) === inc) n++;
    out.push(inc === 0 ? `${s}x${n}` : `${s}+${inc}x${n}`);
    i += n + 1;
  }
  return out.join(' ');
}

function counters(steps: readonly Step[]): { good: Sample[]; bad: Sample[] } {
  let good = 0;
  let bad = 0;
  const g: Sample[] = [0];
  const b: Sample[] = [0];
  for (const s of steps) {
    if (s === 'gap' || s === 'stale') {
      g.push(s === 'gap' ? '_' : 'stale');
      b.push(s === 'gap' ? '_' : 'stale');
      continue;
    }
    good = round(good + s.good);
    bad = round(bad + s.bad);
    g.push(good);
    b.push(bad);
  }
  return { good: g, bad: b };
}

const lbl = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/**
 * The input series that produce these steps for the SLO's SLI; `only` drops one side (its series never exists);
 * `examples` replaces the labels of an events SLI's example series.
 */
function inputSeries(
  slo: Slo,
  steps: readonly Step[],
  only?: 'bad' | 'good',
  examples?: { bad: Record<string, string>; good: Record<string, string> },
): { series: string; values: string }[] {
  const { good, bad } = counters(steps);
  const job = { job: slo.service };
  if ('bad' in slo.sli) {
    const badName = parseSelector(slo.sli.bad)!.name;
    const goodName = parseSelector(slo.sli.total)!.name;
    const ex = examples ?? slo.sli.examples;
    return [
      ...(only === 'good' ? [] : [{ series: `${badName}${lbl({ ...ex.bad, ...job })}`, values: encodeSamples(bad) }]),
      ...(only === 'bad' ? [] : [{ series: `${goodName}${lbl({ ...ex.good, ...job })}`, values: encodeSamples(good) }]),
    ];
  }
  // A latency SLI: every event is counted, the good ones also in the bucket at the threshold.
  const total = good.map((g, i) => (typeof g === 'number' ? round(g + (bad[i] as number)) : g));
  const h = slo.sli.histogram;
  return [
    { series: `${h}_count${lbl(job)}`, values: encodeSamples(total) },
    { series: `${h}_bucket${lbl({ ...job, le: String(slo.sli.thresholdSeconds) })}`, values: encodeSamples(good) },
  ];
}

const steps = (n: number, perMinute: number, errorRatio: number): Step[] =>
  Array.from({ length: n }, () => ({ good: perMinute * (1 - errorRatio), bad: perMinute * errorRatio }));
/** Prometheus' humanizePercentage for the values used here (%.4g of the percentage). */
const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(4))}%`;
const minutes = (d: string) => Number(d.slice(0, -1)) * ({ m: 1, h: 60, d: 1440 } as Record<string, number>)[d.slice(-1)];

/**
 * promtool unit tests for the rule file rendered from alerts/slos.yaml,
 * generated from the same model: per SLO the firing and quiet cases of the
 * burn-rate alerts, and the failure modes (a side of the ratio with no series,
 * low traffic, a scrape gap, a crash that takes the targets away).
 */
export function renderSloTests(set: SloSet, ruleFile: string): string {
  const tests = set.slos.flatMap((slo) => [...sloCases(set, slo), ...splitCases(set, slo)]);
  return toYaml({ rule_files: [ruleFile], evaluation_interval: '30s', tests });
}

function sloCases(set: SloSet, slo: Slo): Record<string, unknown>[] {
  const budget = +(1 - slo.objective).toFixed(6);
  const names = sloAlertNames(slo);
  const sel = `{slo="${slo.name}"}`;
  const recorded = `{service="${slo.service}", slo="${slo.name}"}`;
  const objective = (slo.objective * 100).toFixed(3).replace(/\.?0+$/, '');
  const pairs = (kind: 'page' | 'ticket') =>
    BURN_WINDOWS.filter((b) => b.kind === kind)
      .map((b) => `${burnFactor(set.window, b)}x over ${b.long}/${b.short}`)
      .join(', ');
  const RUNBOOK = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md';
  const burning = (kind: 'page' | 'ticket', ratio: number) => [
    {
      exp_labels: { severity: kind === 'page' ? 'critical' : 'warning', service: slo.service, slo: slo.name },
      exp_annotations: {
        summary: `${slo.description}: error budget burning ${kind === 'page' ? 'fast' : 'steadily'}`,
        description: `${slo.name} errors at ${percent(ratio)} against a ${objective} % objective (${pairs(kind)}${kind === 'page' ? `; at least ${slo.minEvents} events` : ''}).`,
        runbook_url: `${RUNBOOK}#sloerrorbudgetburn`,
        dashboard_url: `/d/slos/slos?var-slo=${slo.name}`,
      },
    },
  ];
  const quiet = (at: string, ...alerts: (string | undefined)[]) =>
    alerts.flatMap((alertname) => (alertname ? [{ eval_time: at, alertname, exp_alerts: [] }] : []));
  // The "can't measure" alert, where the SLI's split can be checked (sliSplit).
  const unmeasurable = sliSplit(slo) ? names.unmeasurable : undefined;
  const finite = (at: string, record: string) => ({
    expr: `count(${record}${sel} > -Inf)`,
    eval_time: at,
    exp_samples: [{ labels: '{}', value: 1 }],
  });
  const HIGH = 1000; // events per minute: far above any minEvents
  const fast = Math.min(20 * budget, 0.5);
  const absentLabels = {
    severity: 'warning',
    service: slo.service,
    slo: slo.name,
    ...Object.fromEntries(
      sliSelectors(slo)
        .totalSelector.matchers.filter((m) => m.op === '=')
        .map((m) => [m.label, m.value]),
    ),
  };
  const crashAfter = 60;
  const absentMinutes = minutes(absentFor(set, slo));
  // Low traffic: about a tenth of minEvents per hour (one event every `every` minutes), so even the
  // 6 h page window holds fewer than minEvents; then two failures at once.
  const every = Math.ceil(60 / Math.max(1, Math.floor(slo.minEvents / 10)));
  const perHour = Math.floor(60 / every);
  const low: Step[] = Array.from({ length: 360 }, (_, i) => ({ good: i % every === 0 ? 1 : 0, bad: i === 240 ? 2 : 0 }));

  return [
    {
      name: `${slo.name}: a fast burn (${percent(fast)} errors) pages; the ticket is not yet due`,
      interval: '1m',
      input_series: inputSeries(slo, steps(60, HIGH, fast)),
      alert_rule_test: [
        ...quiet('1m', names.page),
        { eval_time: '10m', alertname: names.page, exp_alerts: burning('page', fast) },
        ...quiet('10m', names.ticket, names.absent),
      ],
    },
    {
      name: `${slo.name}: a slow burn (${percent(2 * budget)} errors) raises a ticket and does not page`,
      interval: '1m',
      input_series: inputSeries(slo, steps(60, HIGH, 2 * budget)),
      alert_rule_test: [
        ...quiet('30m', names.page),
        { eval_time: '30m', alertname: names.ticket, exp_alerts: burning('ticket', 2 * budget) },
      ],
    },
    {
      name: `${slo.name}: errors within budget (${percent(budget / 2)}) stay quiet`,
      interval: '1m',
      input_series: inputSeries(slo, steps(150, HIGH, budget / 2)),
      alert_rule_test: quiet('2h', names.page, names.ticket, names.absent, unmeasurable),
    },
    {
      name: `failure-mode denominator-absent: ${slo.name}: every event bad since the start (no good series yet) pages`,
      interval: '1m',
      input_series: inputSeries(slo, steps(30, HIGH, 1), 'bad'),
      alert_rule_test: [{ eval_time: '10m', alertname: names.page, exp_alerts: burning('page', 1) }, ...quiet('10m', names.ticket)],
    },
    {
      name: `failure-mode numerator-absent: ${slo.name}: no bad event since the start reads 0 errors and a full budget, not "no data"`,
      interval: '1m',
      input_series: inputSeries(slo, steps(30, HIGH, 0), 'good'),
      // No error yet is not "can't measure": the good series carry the label the bad selector matches on.
      alert_rule_test: [...quiet('10m', names.page, names.ticket, names.absent), ...quiet('30m', unmeasurable)],
      promql_expr_test: [
        {
          expr: `slo:sli_error:ratio_rate5m${sel}`,
          eval_time: '10m',
          exp_samples: [{ labels: `slo:sli_error:ratio_rate5m${recorded}`, value: 0 }],
        },
        {
          expr: `slo:error_budget_remaining:ratio${sel}`,
          eval_time: '10m',
          exp_samples: [{ labels: `slo:error_budget_remaining:ratio${recorded}`, value: 1 }],
        },
      ],
    },
    {
      name: `failure-mode low-traffic: ${slo.name}: two failures among ${perHour} events an hour do not page (SRE workbook, Low-Traffic Services)`,
      interval: '1m',
      input_series: inputSeries(slo, low),
      alert_rule_test: ['4h3m', '4h10m', '4h30m', '5h'].flatMap((t) => quiet(t, names.page)),
    },
    {
      name: `failure-mode gap: ${slo.name}: ten minutes without scrapes, then ten without events (0/0 = NaN ratios), neither page nor poison the budget`,
      interval: '1m',
      input_series: inputSeries(slo, [
        ...steps(40, HIGH, budget / 2),
        ...Array<Step>(10).fill('gap'),
        ...steps(10, 0, 0),
        ...steps(40, HIGH, budget / 2),
      ]),
      alert_rule_test: ['45m', '58m', '68m', '95m'].flatMap((t) => quiet(t, names.page, names.ticket, names.absent, unmeasurable)),
      // The budget and the long windows summed from the recorded 5-minute counts stay finite across the gap.
      promql_expr_test: ['58m', '68m', '95m'].flatMap((t) =>
        [
          'slo:error_budget_remaining:ratio',
          ...['30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:sli_error:ratio_rate${w}`),
          'slo:sli_total:increase1h',
          'slo:sli_total:increase6h',
        ].map((r) => finite(t, r)),
      ),
    },
    {
      name: `failure-mode crash: ${slo.name}: the targets disappear (series stale, no up == 0): ${names.absent} fires, nothing pages for lack of data, the budget stays known`,
      interval: '1m',
      input_series: inputSeries(slo, [...steps(crashAfter, HIGH, budget / 2), 'stale']),
      alert_rule_test: [
        ...quiet(`${crashAfter + 2}m`, names.absent),
        {
          eval_time: `${crashAfter + absentMinutes + 3}m`,
          alertname: names.absent,
          exp_alerts: [{ exp_labels: absentLabels, exp_annotations: absentAnnotations(slo) }],
        },
        ...quiet(`${crashAfter + absentMinutes + 3}m`, names.page, names.ticket, unmeasurable),
      ],
      promql_expr_test: [finite(`${crashAfter + absentMinutes + 3}m`, 'slo:error_budget_remaining:ratio')],
    },
  ];
}

function absentAnnotations(slo: Slo): Record<string, string> {
  return {
    summary: `${slo.description}: no data`,
    description: `${slo.name} cannot be measured: no ${sliSelectors(slo).totalSelector.name} series from job ${slo.service}, so its burn-rate alerts cannot fire.`,
    runbook_url: 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md#slosliabsent',
    dashboard_url: `/d/slos/slos?var-slo=${slo.name}`,
  };
}

const RUNBOOK_URL = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md';

/**
 * The split-absent cases: the SLI's good/bad split cannot be computed.
 * A latency SLI: (a) one task's histogram lacks the threshold's bucket (other
 * bucket boundaries) beside a task that has it: no page or ticket from the
 * task counted as all slow, a "can't measure" warning naming the task;
 * (b) a task with only the +Inf bucket: the warning, not silence.
 * An events SLI: (c) the label the bad selector matches on renamed while
 * requests fail: the warning, not 0 % errors in silence.
 */
function splitCases(set: SloSet, slo: Slo): Record<string, unknown>[] {
  const split = sliSplit(slo);
  if (!split) return [];
  const names = sloAlertNames(slo);
  const budget = +(1 - slo.objective).toFixed(6);
  const HIGH = 1000;
  const fast = Math.min(20 * budget, 0.5);
  const after = `${minutes(absentFor(set, slo)) + 5}m`;
  const quiet = (at: string, ...alerts: string[]) => alerts.map((alertname) => ({ eval_time: at, alertname, exp_alerts: [] }));
  const warning = (instance: string | undefined, description: string) => ({
    exp_labels: { severity: 'warning', service: slo.service, slo: slo.name, ...(instance ? { instance } : {}) },
    exp_annotations: {
      summary: `${slo.description}: good and bad cannot be told apart`,
      description,
      runbook_url: `${RUNBOOK_URL}#slosliunmeasurable`,
      dashboard_url: `/d/slos/slos?var-slo=${slo.name}`,
    },
  });
  if (split.kind === 'bucket') {
    const h = split.count.name.replace(/_count$/, '');
    const T = Number(split.le);
    const noBucket = (instance?: string) =>
      `${slo.name} cannot tell slow requests from fast: 1 ${split.count.name} series of job ${slo.service}${instance ? ` at ${instance}` : ''} have no le="${split.le}" bucket (other bucket boundaries, or only +Inf): their requests are left out of the SLI.`;
    const series = (instance: string | undefined, total: Sample[], buckets: Record<string, Sample[]>) => {
      const base = { job: slo.service, ...(instance ? { instance } : {}) };
      return [
        { series: `${split.count.name}${lbl(base)}`, values: encodeSamples(total) },
        ...Object.entries(buckets).map(([le, v]) => ({ series: `${h}_bucket${lbl({ ...base, le })}`, values: encodeSamples(v) })),
      ];
    };
    const { good, bad } = counters(steps(60, HIGH, budget / 2));
    const total = good.map((g, i) => round((g as number) + (bad[i] as number)));
    // Task b: every request well under the threshold, in buckets around it but not at it.
    const allFast = counters(steps(60, HIGH, 0)).good;
    return [
      {
        name: `failure-mode split-absent: ${slo.name}: a task whose histogram lacks the le="${split.le}" bucket (other boundaries) beside one that has it: no page or ticket, ${names.unmeasurable} names the task`,
        interval: '1m',
        input_series: [
          ...series('task-a', total, { [split.le]: good, '+Inf': total }),
          ...series('task-b', allFast, { [String(T / 2)]: allFast, [String(T * 2)]: allFast, '+Inf': allFast }),
        ],
        alert_rule_test: [
          ...quiet('1m', names.unmeasurable),
          { eval_time: after, alertname: names.unmeasurable, exp_alerts: [warning('task-b', noBucket('task-b'))] },
          ...[after, '45m'].flatMap((t) => quiet(t, names.page, names.ticket, names.absent)),
        ],
        // The SLI is the measured task's: its errors within budget.
        promql_expr_test: [
          {
            expr: `round(slo:sli_error:ratio_rate5m{slo="${slo.name}"}, 0.000001)`,
            eval_time: after,
            exp_samples: [{ labels: `{service="${slo.service}", slo="${slo.name}"}`, value: budget / 2 }],
          },
        ],
      },
      {
        name: `failure-mode split-absent: ${slo.name}: a task with only the +Inf bucket: ${names.unmeasurable}, not silence`,
        interval: '1m',
        input_series: series(undefined, total, { '+Inf': total }),
        alert_rule_test: [
          { eval_time: after, alertname: names.unmeasurable, exp_alerts: [warning(undefined, noBucket())] },
          ...quiet(after, names.page, names.ticket, names.absent),
        ],
      },
    ];
  }
  if (!('bad' in slo.sli)) return [];
  const sli = slo.sli;
  const rename = (labels: Record<string, string>) =>
    Object.fromEntries(Object.entries(labels).map(([k, v]) => [split.labels.includes(k) ? `renamed_${k}` : k, v]));
  const renamed = { bad: rename(sli.examples.bad), good: rename(sli.examples.good) };
  // Renaming the label may take the series out of the total too (a total selector that matches on it): then the SLI is absent as well.
  const total = sliSelectors(slo).totalSelector;
  const absent = !matches(total, { ...renamed.good, job: slo.service }) && !matches(total, { ...renamed.bad, job: slo.service });
  const absentLabels = Object.fromEntries(total.matchers.filter((m) => m.op === '=').map((m) => [m.label, m.value]));
  return [
    {
      name: `failure-mode split-absent: ${slo.name}: ${split.labels.join(', ')} renamed while ${percent(fast)} of events fail: ${names.unmeasurable}, not 0 % errors in silence`,
      interval: '1m',
      input_series: inputSeries(slo, steps(60, HIGH, fast), undefined, renamed),
      alert_rule_test: [
        ...quiet('1m', names.unmeasurable),
        {
          eval_time: after,
          alertname: names.unmeasurable,
          exp_alerts: [
            warning(
              undefined,
              `${slo.name} cannot tell bad events from good: ${split.series.name} of job ${slo.service} has series but none with ${split.labels.join(', ')}, which sli.bad matches on (a renamed label?): their errors count as successes.`,
            ),
          ],
        },
        ...quiet(after, names.page, names.ticket),
        absent
          ? {
              eval_time: after,
              alertname: names.absent,
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', service: slo.service, slo: slo.name, ...absentLabels },
                  exp_annotations: absentAnnotations(slo),
                },
              ],
            }
          : { eval_time: after, alertname: names.absent, exp_alerts: [] },
      ],
    },
  ];
}
