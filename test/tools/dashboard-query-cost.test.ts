/**
 * The cheap overview dashboard shows what the expensive one showed: on the
 * catalog's series backfilled into a real Prometheus (scripts/bench/query-cost.ts),
 * every instant target (a stat panel's "total over the range") returns the
 * value its panel displayed as a range query (the last point, the stat
 * panels' `lastNotNull`), within float tolerance. The samples saved are
 * measured by `npm run bench -- --query-cost`, not here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel } from '../../lib/model/model';
import { backfill, Backfilled, grafanaExpr, grafanaStep, panelTargets, query, withPrometheus } from '../../scripts/bench/query-cost';

const repo = path.resolve(__dirname, '../..');
const model = loadModel(repo, loadEnvironment('local'));
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
