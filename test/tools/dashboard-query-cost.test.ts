/**
 * The cheap overview dashboard shows what the expensive one showed, on the
 * catalog's series backfilled into a real Prometheus (scripts/bench/query-cost.ts),
 * its recording rules backfilled with `promtool tsdb create-blocks-from rules`:
 * - every panel that reads a recorded series returns, at each evaluation of
 *   that series' rule group over the whole range, what the raw query it
 *   stands for returns (the recorded names inlined by their rules' expressions);
 * - every instant target (a stat panel's "total over the range") returns the
 *   value its panel displayed as a range query (the last point, the stat
 *   panels' `lastNotNull`), within float tolerance;
 * - one refresh processes at least 10x fewer samples than one of the overview
 *   before issue 20 (test/fixtures/dashboard-baselines), on the same data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { inlineRecordingRules } from '../generators/inline-recording';
import { modelOf } from '../helpers';
import { durationSeconds } from '../../scripts/bench/alert-latency';
import {
  BASELINE_OVERVIEW_FILE,
  backfill,
  Backfilled,
  grafanaExpr,
  grafanaStep,
  panelTargets,
  query,
  refreshCost,
  withPrometheus,
} from '../../scripts/bench/query-cost';

const repo = path.resolve(__dirname, '../..');
const model = modelOf('local');
let data: Backfilled;
beforeAll(async () => {
  data = await backfill(repo, 0.01);
}, 240_000);
afterAll(() => fs.rmSync(data.dir, { recursive: true, force: true }));

type Vector = { metric: Record<string, string>; value: [number, string] }[];
type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

test('every instant target of the overview returns the last point of the range query it replaced', async () => {
  const overview = model.dashboards.find((d) => d.file === 'dashboards/trading-platform-overview.json')!;
  const instants = panelTargets(overview.text).flatMap((p) =>
    p.targets.filter((t) => t.instant).map((t) => ({ title: p.title, expr: t.expr })),
  );
  expect(instants.map((t) => t.title).sort()).toEqual(['Total Execution Cost', 'Total Signals Generated']);
  const scrape = model.environment.scrapeIntervalSeconds;
  const step = grafanaStep(data.rangeSeconds, scrape);
  const compared = await withPrometheus(data.data, data.config, async (base) => {
    const out: { title: string; instant: number; rangeLast: number }[] = [];
    for (const t of instants) {
      const expr = grafanaExpr(t.expr, step, data.rangeSeconds, scrape);
      const instant = (await query(base, `/api/v1/query?query=${encodeURIComponent(expr)}&time=${data.end}`)).result as Vector;
      const range = (
        await query(
          base,
          `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${data.end - data.rangeSeconds}&end=${data.end}&step=${step}`,
        )
      ).result as Matrix;
      expect(instant).toHaveLength(1);
      expect(range).toHaveLength(1);
      const last = range[0].values[range[0].values.length - 1];
      expect(last[0]).toBe(data.end);
      out.push({ title: t.title, instant: Number(instant[0].value[1]), rangeLast: Number(last[1]) });
    }
    return out;
  });
  for (const c of compared) {
    expect(c.instant).toBeGreaterThan(0);
    expect(c.instant).toBeCloseTo(c.rangeLast, 6);
  }
}, 240_000);

const OVERVIEW = 'dashboards/trading-platform-overview.json';
/** promtool's backfill block: `create-blocks-from rules` writes 2 h blocks (tsdb.DefaultBlockDuration, unless --max-block-duration asks more). */
const BLOCK_SECONDS = 2 * 3600;
/** Each recorded series: its rule's expression and its group's evaluation interval. */
const recorded = new Map(
  model.ruleFiles.flatMap((f) =>
    f.groups.flatMap((g) =>
      g.rules.flatMap((r) => (r.record ? [[r.record, { expr: r.expr, group: g.name, interval: g.interval }] as const] : [])),
    ),
  ),
);
const rules = new Map([...recorded].map(([name, r]) => [name, r.expr]));

/** Same labels (the recorded side carries its rule's __name__), same timestamps, values within 1e-9 relative (NaN equals NaN). */
function differences(before: Matrix, after: Matrix): string[] {
  const key = (m: Record<string, string>) =>
    JSON.stringify(
      Object.entries(m)
        .filter(([k]) => k !== '__name__')
        .sort(),
    );
  const out: string[] = [];
  const a = new Map(after.map((s) => [key(s.metric), s.values]));
  if (before.length !== after.length) out.push(`${before.length} series before, ${after.length} after`);
  for (const s of before) {
    const other = a.get(key(s.metric));
    if (!other) {
      out.push(`no series ${key(s.metric)} after`);
      continue;
    }
    if (other.length !== s.values.length) out.push(`${key(s.metric)}: ${s.values.length} points before, ${other.length} after`);
    s.values.forEach(([t, v], i) => {
      const [t2, v2] = other[i] ?? [NaN, 'NaN'];
      const x = Number(v);
      const y = Number(v2);
      const same = (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
      if (t !== t2 || !same) out.push(`${key(s.metric)} at ${t}: ${v} before, ${v2} at ${t2} after`);
    });
  }
  return out.slice(0, 5);
}

test('every overview panel shows what it showed before issue 20 (its window now 5m), at every evaluation of its recording over the range', async () => {
  const overview = model.dashboards.find((d) => d.file === OVERVIEW)!;
  const scrape = model.environment.scrapeIntervalSeconds;
  const step = grafanaStep(data.rangeSeconds, scrape);
  const fill = (e: string) => grafanaExpr(e, step, data.rangeSeconds, scrape);
  // BEFORE: the panel's target in the overview as it was (every query raw), with $__rate_interval at the
  // 5m window the recordings use (the one declared change), any recorded series it read inlined by its rule.
  const baseline = new Map(
    panelTargets(fs.readFileSync(path.join(repo, BASELINE_OVERVIEW_FILE), 'utf8')).map((p) => [p.title, p.targets] as const),
  );
  const targets = panelTargets(overview.text).flatMap((p) =>
    p.targets
      .filter((t) => !t.instant)
      .map((t, i) => {
        const was = baseline.get(p.title)?.filter((b) => !b.instant)[i];
        expect({ title: p.title, found: was !== undefined }).toEqual({ title: p.title, found: true });
        return {
          title: p.title,
          expr: fill(t.expr),
          unchanged: fill(was!.expr) === fill(t.expr),
          before: inlineRecordingRules(fill(was!.expr.replace(/\$__rate_interval|\$\{__rate_interval\}/g, '5m')), rules),
        };
      }),
  );
  const compared = await withPrometheus(data.data, data.config, async (base) => {
    const out: { title: string; expr: string; evaluations: number; points: number; finite: number; differences: string[] }[] = [];
    for (const t of targets) {
      const before = t.before;
      // A panel that reads no recorded series is the same query as before: nothing to compare.
      if (inlineRecordingRules(t.expr, rules) === t.expr) {
        expect({ title: t.title, unchanged: t.unchanged }).toEqual({ title: t.title, unchanged: true });
        continue;
      }
      const names = [...rules.keys()].filter((n) => new RegExp(`(^|[^a-zA-Z0-9_:])${n}([^a-zA-Z0-9_:]|$)`).test(t.expr));
      const groups = new Set(names.map((n) => recorded.get(n)!.group));
      expect({ title: t.title, groups: groups.size }).toEqual({ title: t.title, groups: 1 });
      const interval = durationSeconds(recorded.get(names[0])!.interval ?? `${scrape}s`);
      // The group's evaluation instants (promtool aligns them like the ruler: rules.Group.EvalTimestamp,
      // prometheus/prometheus@v3.14.0:cmd/promtool/rules.go importRule): the last recorded sample's timestamp.
      const last = (await query(base, `/api/v1/query?query=${encodeURIComponent(`timestamp(${names[0]})`)}&time=${data.end}`))
        .result as Vector;
      expect(last.length).toBeGreaterThan(0);
      const end = Number(last[0].value[1]);
      const range = (e: string) =>
        query(base, `/api/v1/query_range?query=${encodeURIComponent(e)}&start=${end - data.rangeSeconds}&end=${end}&step=${interval}`);
      // promtool writes a block's evaluations up to the block's last whole second (`end` truncated to
      // seconds, prometheus/prometheus@v3.14.0:cmd/promtool/rules.go importRule), and the next block
      // starts at the first evaluation at or after its first second: an evaluation inside the last
      // second of a 2 h block is written by neither, and the panel then reads the previous one through
      // the lookback. Whether a group has such instants depends on its evaluation offset (a hash of
      // the rule file's path, a temporary folder): those instants are left out, and only those.
      const fresh = (await range(`timestamp(${names[0]})`)).result as Matrix;
      const skipped = new Set(fresh.flatMap((s) => s.values.filter(([at, v]) => Number(v) !== at).map(([at]) => at)));
      expect({ title: t.title, skipped: [...skipped].filter((at) => BLOCK_SECONDS - (at % BLOCK_SECONDS) > 1) }).toEqual({
        title: t.title,
        skipped: [],
      });
      const recordedAt = (m: Matrix): Matrix => m.map((s) => ({ ...s, values: s.values.filter(([at]) => !skipped.has(at)) }));
      const after = recordedAt((await range(t.expr)).result as Matrix);
      const raw = recordedAt((await range(before)).result as Matrix);
      out.push({
        title: t.title,
        expr: t.expr,
        // The group's evaluations over the range that a block holds.
        evaluations: Math.floor(data.rangeSeconds / interval) + 1 - skipped.size,
        points: raw.reduce((n, s) => n + s.values.length, 0),
        // NaN equals NaN in the comparison: a panel NaN on both sides would compare equal and prove nothing.
        finite: raw.reduce((n, s) => n + s.values.filter(([, v]) => Number.isFinite(Number(v))).length, 0),
        differences: differences(raw, after),
      });
    }
    return out;
  });
  // The panels issue 20 moved onto recorded series, and those that already read them.
  expect(new Set(compared.map((c) => c.title))).toEqual(
    new Set([
      'Signal Generation Rate',
      'Kafka Publish Latency',
      'Kafka Publish Success Rate',
      'Kafka Failures',
      'Signals Consumed',
      'Pipelines Matched',
      'Pipelines Enqueued',
      'Pipelines Skipped (already running)',
      'Batch Processing Latency',
      'Pipeline Executions (by status)',
      'Execution Duration (p50, p95, p99)',
      'Execution Success Rate',
    ]),
  );
  for (const c of compared) {
    expect({ title: c.title, expr: c.expr, differences: c.differences }).toEqual({ title: c.title, expr: c.expr, differences: [] });
    // Over the whole 6 h range at the group's interval: an empty comparison proves nothing. 90 % of
    // the evaluations a block holds (a rate's first window has no value yet); the instants no block
    // holds (above) do not count against it.
    const enough = 0.9 * c.evaluations;
    expect({ title: c.title, expr: c.expr, enough: c.points >= enough && c.finite >= enough }).toEqual({
      title: c.title,
      expr: c.expr,
      enough: true,
    });
  }
}, 240_000);

test('one refresh of the overview processes at least 10x fewer samples than the overview before issue 20', async () => {
  const overview = model.dashboards.find((d) => d.file === OVERVIEW)!;
  const scrape = model.environment.scrapeIntervalSeconds;
  const { before, after } = await withPrometheus(data.data, data.config, async (base) => ({
    before: await refreshCost(base, fs.readFileSync(path.join(repo, BASELINE_OVERVIEW_FILE), 'utf8'), data.end, scrape),
    after: await refreshCost(base, overview.text, data.end, scrape),
  }));
  expect(after.samplesPerRefresh).toBeGreaterThan(0);
  expect(before.samplesPerRefresh / after.samplesPerRefresh).toBeGreaterThanOrEqual(10);
  // No panel went missing: the same panels, by title, in the same order.
  expect((after.panels ?? []).map((p) => p.title)).toEqual((before.panels ?? []).map((p) => p.title));
}, 240_000);
