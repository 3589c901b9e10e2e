import { toYaml } from '../yaml-text';
import { pascalCase } from './pascal-case';
import { absentFor, BURN_WINDOWS, burnFactor, showSelector, Slo, SloSet, sliSelectors, SliSplit, sliSplit } from '../model/slos';

const RATE_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
/** Windows computed from the raw counters; the longer ones are summed from the recorded 5-minute counts. */
const RAW_WINDOWS: readonly string[] = ['5m'];
const SLO_INTERVAL_SECONDS = 30;
const PAGE_FOR = '2m';
const TICKET_FOR = '15m';

/** The alert names an SLO renders into. */
export const sloAlertNames = (slo: Pick<Slo, 'name'>) => ({
  page: `${pascalCase(slo.name)}BudgetBurnFast`,
  ticket: `${pascalCase(slo.name)}BudgetBurnSlow`,
  absent: `${pascalCase(slo.name)}SliAbsent`,
  unmeasurable: `${pascalCase(slo.name)}SliUnmeasurable`,
});

/** sum(fn(bad[w])): for events SLIs the bad selector, for latency SLIs the requests above the threshold. */
function badAggregate(slo: Slo, fn: 'rate' | 'increase', w: string): string {
  const s = sliSelectors(slo);
  // No bad event since the process started means no bad series yet: count 0,
  // not "no data" (Pyrra's and Sloth's ratios have the same gap; this is the
  // `or` fallback of kubernetes-mixin's absent-tolerant rules).
  if ('bad' in slo.sli) return `(sum(${fn}(${s.bad}[${w}])) or 0 * sum(${fn}(${s.total}[${w}])))`;
  // Per series (count minus its own bucket at the threshold): a series without that bucket
  // (a task with other boundaries, or only +Inf) matches nothing and counts neither way,
  // instead of counting all its requests as slow in sum(count) - sum(bucket).
  return `sum(${fn}(${s.total}[${w}]) - ignoring (le) ${fn}(${s.bad}[${w}]))`;
}
/** sum(fn(total[w])); for latency SLIs only the series that have the bucket at the threshold (see badAggregate). */
function totalAggregate(slo: Slo, fn: 'rate' | 'increase', w: string): string {
  const s = sliSelectors(slo);
  if ('bad' in slo.sli) return `sum(${fn}(${s.total}[${w}]))`;
  return `sum(${fn}(${s.total}[${w}]) and ignoring (le) ${fn}(${s.bad}[${w}]))`;
}

/**
 * The "can't measure" condition, per target (instance): a latency SLI's
 * `_count` series without the bucket at the threshold (their requests are
 * neither good nor bad); an events SLI's counter with series of which none
 * carries the labels the bad selector matches on (a renamed label: its errors
 * would read as successes). A healthy service without errors still exports
 * its good series with those labels, so "no error yet" stays quiet.
 */
function unmeasurableExpr(split: SliSplit): string {
  if (split.kind === 'bucket')
    return `count by (instance) (${showSelector(split.count)} unless ignoring (le) ${showSelector(split.bucket)})`;
  const labelled = {
    ...split.series,
    matchers: [...split.series.matchers, ...split.labels.map((l) => ({ label: l, op: '!=' as const, value: '' }))],
  };
  return `count by (instance) (${showSelector(split.series)}) unless on (instance) count by (instance) (${showSelector(labelled)})`;
}
function unmeasurableDescription(slo: Slo, split: SliSplit): string {
  const at = '{{ with $labels.instance }} at {{ . }}{{ end }}';
  if (split.kind === 'bucket')
    return `${slo.name} cannot tell slow requests from fast: {{ $value }} ${split.count.name} series of job ${slo.service}${at} have no le="${split.le}" bucket (other bucket boundaries, or only +Inf): their requests are left out of the SLI.`;
  return `${slo.name} cannot tell bad events from good: ${split.series.name} of job ${slo.service}${at} has series but none with ${split.labels.join(', ')}, which sli.bad matches on (a renamed label?): their errors count as successes.`;
}

/**
 * The rule file of the SLOs (Prometheus format, as text). Per SLO:
 * - its error ratio over every window the alerts use;
 * - its events per 5 minutes (bad and total) and per page window;
 * - its objective and the budget left over the SLO window, counted from
 *   events, so a quiet five minutes weighs nothing and cannot make it NaN;
 * - a page and a ticket (multiwindow, multi-burn-rate; factors from `window`),
 *   pages only with enough events; an alert when the SLI has no series.
 * It goes through the same validation as hand-written rule files.
 * @see docs/alerts.md#where-the-slo-rules-come-from
 */
export function renderSloRules(set: SloSet): string {
  const RUNBOOK = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md';
  const groups = set.slos.map((slo) => {
    const labels = { slo: slo.name, service: slo.service };
    const budget = +(1 - slo.objective).toFixed(6);
    const names = sloAlertNames(slo);
    const sel = `{slo="${slo.name}"}`;
    const ratio = (w: string) => `slo:sli_error:ratio_rate${w}${sel}`;
    const pageLongs = [...new Set(BURN_WINDOWS.filter((b) => b.kind === 'page').map((b) => b.long))];
    const alert = (kind: 'page' | 'ticket') => {
      const pairs = BURN_WINDOWS.filter((b) => b.kind === kind);
      return {
        alert: names[kind],
        expr: pairs
          .map((b) => {
            const f = burnFactor(set.window, b);
            const guard = kind === 'page' ? ` and slo:sli_total:increase${b.long}${sel} >= ${slo.minEvents}` : '';
            return `(${ratio(b.long)} > (${f} * ${budget}) and ${ratio(b.short)} > (${f} * ${budget})${guard})`;
          })
          .join(' or '),
        for: kind === 'page' ? PAGE_FOR : TICKET_FOR,
        labels: { severity: pairs[0].severity, service: slo.service, slo: slo.name },
        annotations: {
          summary: `${slo.description}: error budget burning ${kind === 'page' ? 'fast' : 'steadily'}`,
          description: `${slo.name} errors at {{ $value | humanizePercentage }} against a ${(slo.objective * 100).toFixed(3).replace(/\.?0+$/, '')} % objective (${pairs.map((b) => `${burnFactor(set.window, b)}x over ${b.long}/${b.short}`).join(', ')}${kind === 'page' ? `; at least ${slo.minEvents} events` : ''}).`,
          runbook_url: `${RUNBOOK}#sloerrorbudgetburn`,
          dashboard_url: `/d/slos/slos?var-slo=${slo.name}`,
        },
      };
    };
    return {
      name: `slo_${slo.name.replace(/-/g, '_')}`,
      interval: `${SLO_INTERVAL_SECONDS}s`,
      rules: [
        // The 5-minute event counts first: the long windows below are summed from them (same group, evaluated in order).
        { record: 'slo:sli_error:increase5m', expr: badAggregate(slo, 'increase', '5m'), labels },
        { record: 'slo:sli_total:increase5m', expr: totalAggregate(slo, 'increase', '5m'), labels },
        ...RATE_WINDOWS.map((w) => ({
          record: `slo:sli_error:ratio_rate${w}`,
          expr: RAW_WINDOWS.includes(w)
            ? `${badAggregate(slo, 'rate', w)} / ${totalAggregate(slo, 'rate', w)}`
            : // Pyrra's performance-over-accuracy: a long window from the recorded short-window sums, one series
              // per SLO instead of every raw series; every 30 s sample of a 5-minute count weighs each event alike.
              `sum_over_time(slo:sli_error:increase5m${sel}[${w}]) / sum_over_time(slo:sli_total:increase5m${sel}[${w}])`,
          labels,
        })),
        ...pageLongs.map((w) => ({
          record: `slo:sli_total:increase${w}`,
          // Events in the window from the recorded 5-minute counts: each is counted once per evaluation
          // while it stays inside their 5 minutes, 300 s / interval times.
          expr: `sum_over_time(slo:sli_total:increase5m${sel}[${w}]) / ${300 / SLO_INTERVAL_SECONDS}`,
          labels,
        })),
        { record: 'slo:objective:ratio', expr: `vector(${slo.objective})`, labels },
        {
          record: 'slo:error_budget_remaining:ratio',
          // Every 30 s sample of a 5-minute increase counts each event about ten times, in both
          // sums alike: the ratio is that of the events. (Pyrra's subquery [window:5m] counts each
          // once but has no point until a 5-minute boundary passes after the first sample.)
          // No event in the whole window spends nothing: clamp_min keeps 0/0 from reading NaN.
          expr: `1 - (sum_over_time(slo:sli_error:increase5m${sel}[${set.window}]) / clamp_min(sum_over_time(slo:sli_total:increase5m${sel}[${set.window}]), 1)) / ${budget}`,
          labels,
        },
        alert('page'),
        alert('ticket'),
        ...unmeasurableAlert(slo, names.unmeasurable, absentFor(set, slo), RUNBOOK),
        {
          // Pyrra's absent alert: a crashed service takes its series away and with them every
          // burn-rate alert above: this one says the SLO is blind.
          alert: names.absent,
          expr: `absent(${sliSelectors(slo).total}) == 1`,
          for: absentFor(set, slo),
          labels: { severity: 'warning', service: slo.service, slo: slo.name },
          annotations: {
            summary: `${slo.description}: no data`,
            description: `${slo.name} cannot be measured: no ${sliSelectors(slo).totalSelector.name} series from job ${slo.service}, so its burn-rate alerts cannot fire.`,
            runbook_url: `${RUNBOOK}#slosliabsent`,
            dashboard_url: `/d/slos/slos?var-slo=${slo.name}`,
          },
        },
      ],
    };
  });
  return toYaml({ groups });
}

/**
 * The SLI's "can't measure" warning, where its split can be checked
 * (sliSplit): the burn-rate alerts see only what the split classifies, so
 * what it cannot classify warns after the time the fastest page would need
 * to fire (as the absent alert), and never pages.
 */
function unmeasurableAlert(slo: Slo, alert: string, forDuration: string, runbook: string): Record<string, unknown>[] {
  const split = sliSplit(slo);
  if (!split) return [];
  return [
    {
      alert,
      expr: unmeasurableExpr(split),
      for: forDuration,
      labels: { severity: 'warning', service: slo.service, slo: slo.name },
      annotations: {
        summary: `${slo.description}: good and bad cannot be told apart`,
        description: unmeasurableDescription(slo, split),
        runbook_url: `${runbook}#slosliunmeasurable`,
        dashboard_url: `/d/slos/slos?var-slo=${slo.name}`,
      },
    },
  ];
}
