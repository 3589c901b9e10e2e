import { parser } from '@prometheus-io/lezer-promql';
import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';

export const SLO_FILE = 'alerts/slos.yaml';

const labelSet = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string());
const sloSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a lowercase name like "backend-availability"' }),
  service: z.string().min(1),
  objective: z
    .number()
    .gt(0.5, { error: 'must be a fraction like 0.999' })
    .lt(1, { error: 'leaves no error budget: use an objective below 1, like 0.999' }),
  description: z.string().min(1),
  /**
   * Pages need at least this many events in their long window (SRE workbook,
   * "Alerting on SLOs", "Low-Traffic Services and Error Budget Alerting"):
   * below it two failures among a dozen events read as a fast burn.
   */
  minEvents: z.number().int().positive().default(100),
  sli: z.union([
    z.strictObject({
      bad: z.string().min(1),
      total: z.string().min(1),
      /**
       * The labels of one series counting bad events and of one counting good
       * ones (besides `job`): the generated failure-mode tests feed them.
       */
      examples: z.strictObject({ bad: labelSet, good: labelSet }),
    }),
    z.strictObject({ histogram: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/), thresholdSeconds: z.number().positive() }),
  ]),
});
const fileSchema = z.strictObject({
  window: z.string().regex(/^\d+d$/, { error: 'must be a number of days like "30d"' }),
  slos: z.array(sloSchema),
});
export type Slo = z.infer<typeof sloSchema>;
export interface SloSet {
  readonly window: string;
  readonly slos: readonly Slo[];
}

/**
 * The SRE workbook's multiwindow, multi-burn-rate pairs, as the share of the
 * error budget each pair spends; the burn factor follows from the SLO window
 * (2 % of a 30-day budget in 1 h is 14.4x).
 * @see docs/alerts.md#where-the-slo-rules-come-from
 */
export const BURN_WINDOWS = [
  { severity: 'critical', kind: 'page', long: '1h', short: '5m', budgetPercent: 2 },
  { severity: 'critical', kind: 'page', long: '6h', short: '30m', budgetPercent: 5 },
  { severity: 'warning', kind: 'ticket', long: '1d', short: '2h', budgetPercent: 10 },
  { severity: 'warning', kind: 'ticket', long: '3d', short: '6h', budgetPercent: 10 },
] as const;

const HOURS: Record<string, number> = { m: 1 / 60, h: 1, d: 24 };
const hours = (d: string) => Number(d.slice(0, -1)) * HOURS[d.slice(-1)];

/**
 * The budget shares per pair for each SLO window we have a table for (7, 28
 * and 30 days, as Sloth); other windows are refused: the shares assume a month.
 * @see docs/alerts.md#where-the-slo-rules-come-from
 */
const BUDGET_PERCENT_BY_WINDOW: Readonly<Record<string, readonly number[]>> = {
  '7d': [8, 12.5, 20, 42],
  '28d': BURN_WINDOWS.map((b) => b.budgetPercent),
  '30d': BURN_WINDOWS.map((b) => b.budgetPercent),
};

/** The burn rate at which a pair spends its share of the budget within its long window (Sloth's getBurnRateFactor). */
export const burnFactor = (window: string, b: (typeof BURN_WINDOWS)[number]) => {
  const percent = BUDGET_PERCENT_BY_WINDOW[window][BURN_WINDOWS.indexOf(b)];
  return +(((percent / 100) * hours(window)) / hours(b.long)).toFixed(4);
};

/** No SLO file: no SLOs (and no SLO rules or dashboard). */
export const NO_SLOS: SloSet = { window: '30d', slos: [] };

export function parseSlos(file: string, text: string): SloSet {
  const data = parseYamlFile(file, text, fileSchema, 'the header of alerts/slos.yaml');
  if (!BUDGET_PERCENT_BY_WINDOW[data.window]) {
    throw UserInputError.of({
      file,
      where: 'window',
      problem: 'has no burn-rate table (the share of the budget each page and ticket pair may spend)',
      value: data.window,
      fix: `use one of ${Object.keys(BUDGET_PERCENT_BY_WINDOW).join(', ')}, or add its table to BUDGET_PERCENT_BY_WINDOW in lib/model/slos.ts`,
    });
  }
  const names = new Set<string>();
  data.slos.forEach((s, i) => {
    if (names.has(s.name))
      throw UserInputError.of({ file, where: `slo "${s.name}"`, problem: 'is defined twice', fix: 'give each SLO its own name' });
    names.add(s.name);
    if ('bad' in s.sli) {
      const sli = s.sli;
      for (const field of ['bad', 'total'] as const) {
        const sel = parseSelector(sli[field]);
        if (!sel) {
          throw UserInputError.of({
            file,
            where: `slos[${i}].sli.${field}`,
            problem: 'is not a series selector',
            value: sli[field],
            fix: 'write one selector like metric_total{label="value"} (the renderer adds job="<service>")',
          });
        }
      }
      // The examples must be series the selectors pick, or the generated tests would prove nothing.
      const bad = parseSelector(sli.bad)!;
      const total = parseSelector(sli.total)!;
      const check = (example: 'bad' | 'good', sel: Selector, field: 'bad' | 'total', want: boolean) => {
        if (matches(sel, sli.examples[example]) !== want) {
          throw UserInputError.of({
            file,
            where: `slos[${i}].sli.examples.${example}`,
            problem: `is ${want ? 'not ' : ''}matched by sli.${field}`,
            value: sli.examples[example],
            fix: `give labels of a series that counts ${example} events: matched by sli.total${example === 'bad' ? ' and sli.bad' : ', not by sli.bad'}`,
          });
        }
      };
      check('bad', bad, 'bad', true);
      if (bad.name === total.name) check('bad', total, 'total', true);
      check('good', total, 'total', true);
      if (bad.name === total.name) check('good', bad, 'bad', false);
      // The "can't measure" alert tells a renamed label from "no error yet" by the good series
      // carrying the label the bad selector matches on: an SLI whose good series lack it cannot.
      const missing = bad.name === total.name ? splitLabelsOf(bad).filter((l) => !(l in sli.examples.good)) : [];
      if (missing.length > 0) {
        throw UserInputError.of({
          file,
          where: `slos[${i}].sli.examples.good`,
          problem: `lacks ${missing.join(', ')}, which sli.bad matches on: a renamed label could not be told from "no error yet"`,
          value: sli.examples.good,
          fix: `match sli.bad on a label every series of ${bad.name} carries (like status="failed" beside status="completed"), and give its good value here`,
        });
      }
    }
  });
  return data;
}

export interface Selector {
  readonly name: string;
  readonly matchers: readonly { label: string; op: '=' | '!=' | '=~' | '!~'; value: string }[];
}

/** A single series selector `name{label op "value", ...}`, parsed with Prometheus' own grammar; undefined if it is anything else. */
export function parseSelector(text: string): Selector | undefined {
  const tree = parser.parse(text.trim());
  const top = tree.topNode.firstChild;
  let bad = false;
  tree.iterate({
    enter(n) {
      if (n.type.isError) bad = true;
    },
  });
  if (bad || !top || top.name !== 'VectorSelector' || top.nextSibling) return undefined;
  const src = text.trim();
  const ident = top.getChild('Identifier');
  if (!ident) return undefined;
  const matchers: Selector['matchers'][number][] = [];
  for (const m of top.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
    const label = m.getChild('LabelName');
    const op = m.getChild('MatchOp');
    const value = m.getChild('StringLiteral');
    if (!label || !op || !value) return undefined;
    matchers.push({
      label: src.slice(label.from, label.to),
      op: src.slice(op.from, op.to) as Selector['matchers'][number]['op'],
      value: JSON.parse(src.slice(value.from, value.to).replace(/^'(.*)'$/, '"$1"')) as string,
    });
  }
  return { name: src.slice(ident.from, ident.to), matchers };
}

/** The labels a bad selector tells bad events by: those its matchers name, `job` aside. */
const splitLabelsOf = (bad: Selector) => [...new Set(bad.matchers.map((m) => m.label).filter((l) => l !== 'job'))];

/**
 * What splits an SLI's events into good and bad, for its "can't measure"
 * alert (lib/render/slo-rules.ts):
 * - a latency SLI: the histogram's bucket at the threshold, which every
 *   `_count` series needs beside it;
 * - an events SLI: the labels its bad selector matches on, which the series
 *   of the counter must carry (on the good series too when bad and total are
 *   one counter, enforced by loadSlos; on the bad counter's own series when
 *   it is another metric, which exists only after a first failure).
 * Undefined for an events SLI whose bad selector matches on no label: only
 * its metric name tells bad from good, and a renamed metric looks like "no
 * error yet".
 */
export type SliSplit =
  { kind: 'bucket'; count: Selector; bucket: Selector; le: string } | { kind: 'labels'; series: Selector; labels: readonly string[] };
export function sliSplit(slo: Slo): SliSplit | undefined {
  const job = { label: 'job', op: '=' as const, value: slo.service };
  if (!('bad' in slo.sli)) {
    const le = String(slo.sli.thresholdSeconds);
    const count: Selector = { name: `${slo.sli.histogram}_count`, matchers: [job] };
    return {
      kind: 'bucket',
      count,
      bucket: { name: `${slo.sli.histogram}_bucket`, matchers: [job, { label: 'le', op: '=', value: le }] },
      le,
    };
  }
  const bad = parseSelector(slo.sli.bad)!;
  const sameCounter = bad.name === parseSelector(slo.sli.total)!.name;
  const carrier = sameCounter ? slo.sli.examples.good : slo.sli.examples.bad;
  const labels = splitLabelsOf(bad).filter((l) => l in carrier);
  return labels.length > 0 ? { kind: 'labels', series: { name: bad.name, matchers: [job] }, labels } : undefined;
}

/** Whether a series with these labels is picked by the selector (Prometheus anchors regexes). */
export function matches(sel: Selector, labels: Readonly<Record<string, string>>): boolean {
  return sel.matchers.every((m) => {
    const v = labels[m.label] ?? '';
    if (m.op === '=') return v === m.value;
    if (m.op === '!=') return v !== m.value;
    const hit = new RegExp(`^(?:${m.value})$`).test(v);
    return m.op === '=~' ? hit : !hit;
  });
}

export const showSelector = (s: Selector) =>
  `${s.name}{${s.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(', ')}}`;

/**
 * The SLI's selectors, scoped to the SLO's service (its scrape job): without
 * `job`, another service exporting the same metric name would count too.
 */
export function sliSelectors(slo: Slo): { bad: string; total: string; totalSelector: Selector } {
  const withJob = (s: Selector): Selector => ({
    name: s.name,
    matchers: [{ label: 'job', op: '=', value: slo.service }, ...s.matchers.filter((m) => m.label !== 'job')],
  });
  if ('bad' in slo.sli) {
    const total = withJob(parseSelector(slo.sli.total)!);
    return { bad: showSelector(withJob(parseSelector(slo.sli.bad)!)), total: showSelector(total), totalSelector: total };
  }
  const h = slo.sli.histogram;
  const count: Selector = { name: `${h}_count`, matchers: [{ label: 'job', op: '=', value: slo.service }] };
  const le = {
    name: `${h}_bucket`,
    matchers: [...count.matchers, { label: 'le', op: '=' as const, value: String(slo.sli.thresholdSeconds) }],
  };
  // "bad" of a latency SLI is count minus the bucket at the threshold; callers use badIncrease/errorRatio.
  return { bad: showSelector(le), total: showSelector(count), totalSelector: count };
}

/**
 * How long the SLI may be absent before its absent alert fires: the time the
 * fastest page would need to fire at its threshold, rounded up to minutes.
 * @see docs/alerts.md#where-the-slo-rules-come-from
 */
export function absentFor(set: SloSet, slo: Slo): string {
  const fast = BURN_WINDOWS[0];
  const seconds = burnFactor(set.window, fast) * (1 - slo.objective) * hours(fast.long) * 3600 + 120;
  return `${Math.ceil(seconds / 60)}m`;
}

/** Days of history the SLO rules read: the budget window (local Prometheus must keep at least that). */
export const sloWindowDays = (set: SloSet) => Number(set.window.slice(0, -1));
