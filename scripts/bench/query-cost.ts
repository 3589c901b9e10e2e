/**
 * `npm run bench -- --query-cost [--fraction 0.05]`: the samples AMP would
 * bill, measured with the real Prometheus and promtool 3.14.0, the version the
 * local stack's image pins (built by `bash tools/build.sh`: scripts/real-tools.ts).
 *
 * 1. The catalog's series at a stated fraction of its declared label
 *    cardinalities (scripts/demo-emitter.ts labelValues: never fewer than the
 *    plausible values queries filter on), one instance per service, every
 *    scrape interval over the dashboards' default range plus the longest rule
 *    window before it, written as OpenMetrics and backfilled with
 *    `promtool tsdb create-blocks-from openmetrics`; the recording rules
 *    backfilled over the same range with `promtool tsdb create-blocks-from rules`.
 * 2. Every query of every dashboard as Grafana sends it on a refresh: a range
 *    query over the dashboard's default range, with `stats=all`; its
 *    `data.stats.samples.totalQueryableSamples` and the wall time.
 *    (Prometheus returns the stats when the `stats` parameter is not empty:
 *    prometheus/prometheus@v3.14.0:web/api/v1/api.go lines 584-589; the field:
 *    prometheus/prometheus@v3.14.0:util/stats/query_stats.go line 107,
 *    `TotalQueryableSamples int64 json:"totalQueryableSamples"`.)
 * 3. Every rule as the ruler evaluates it: an instant query, with `stats=all`;
 *    summed by group, times the group's evaluations in a month.
 *
 * Results are written to config/query-samples.yaml, which `npm run cost` reads.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { MeasuredQuerySamples } from '../cost/estimate';
import { compile } from '../../lib/compile/compile';
import { readProject } from '../../lib/io/read-project';
import { bucketBoundaries, labelSets, sample } from '../demo-emitter';
import { durationSeconds } from './alert-latency';
import { RealTool, realTool } from '../real-tools';

/** Grafana's step for a range: range / max data points (a panel ~1,000 px wide), never below the data source's timeInterval (the scrape interval). UNCONFIRMED panel width. */
export function grafanaStep(rangeSeconds: number, scrapeSeconds: number, maxDataPoints = 1000): number {
  return Math.max(scrapeSeconds, Math.ceil(rangeSeconds / maxDataPoints / 5) * 5);
}

/** Grafana's variables as it fills them for a range query (`$__rate_interval` = max($__interval + scrape, 4 x scrape), Grafana docs "Variables: $__rate_interval"). */
export function grafanaExpr(expr: string, stepSeconds: number, rangeSeconds: number, scrapeSeconds: number): string {
  const rate = Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds);
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, `${rate}s`)
    .replace(/\$__interval|\$\{__interval\}/g, `${stepSeconds}s`)
    .replace(/\$__range|\$\{__range\}/g, `${rangeSeconds}s`);
}

function writeOpenMetrics(file: string, repo: string, fraction: number, startS: number, endS: number, scrapeS: number): number {
  const model = compile(readProject(repo), 'local');
  const services = model.environment.services.map((s) => s.name);
  type Series = { name: string; labels: string; next: (t: number) => number };
  const series: Series[] = [];
  const fmt = (attrs: Record<string, unknown>) =>
    Object.entries(attrs)
      .map(([k, v]) => `${k}="${String(v)}"`)
      .join(',');
  for (const service of services) {
    const base = { job: service, instance: `${service}:8001` };
    series.push({ name: 'up', labels: fmt(base), next: () => 1 });
    for (const m of model.catalog.metrics.filter((x) => x.services.includes(service))) {
      for (const attrs of labelSets(m, fraction)) {
        const labels = { ...base, ...attrs };
        const failing = /failed|failure|refused/.test(m.name) || attrs.status === 'failed' || attrs.http_response_status_code === '500';
        const perScrape = failing ? 0.05 * scrapeS : (1 + Math.random() * 2) * scrapeS;
        if (m.type === 'gauge') series.push({ name: m.name, labels: fmt(labels), next: (t) => sample(m, t) });
        else if (m.type === 'counter') {
          let v = 0;
          series.push({ name: m.name, labels: fmt(labels), next: () => (v += Math.round(perScrape * Math.random() * 2)) });
        } else {
          const bounds = bucketBoundaries(m);
          const counts = [...bounds, Infinity].map(() => 0);
          let sum = 0;
          let count = 0;
          let lastT = -1;
          const observe = (t: number) => {
            if (t === lastT) return;
            lastT = t;
            const n = Math.max(1, Math.round(perScrape / 4));
            for (let i = 0; i < n; i++) {
              const x = sample(m, t);
              sum += x;
              count++;
              for (let b = 0; b < counts.length; b++) if (x <= [...bounds, Infinity][b]) counts[b]++;
            }
          };
          [...bounds, Infinity].forEach((le, b) =>
            series.push({
              name: `${m.name}_bucket`,
              labels: fmt({ ...labels, le: le === Infinity ? '+Inf' : String(le) }),
              next: (t) => (observe(t), counts[b]),
            }),
          );
          series.push({ name: `${m.name}_sum`, labels: fmt(labels), next: (t) => (observe(t), sum) });
          series.push({ name: `${m.name}_count`, labels: fmt(labels), next: (t) => (observe(t), count) });
        }
      }
    }
  }
  const fd = fs.openSync(file, 'w');
  let buf = '';
  for (let t = startS; t <= endS; t += scrapeS) {
    for (const s of series) {
      buf += `${s.name}{${s.labels}} ${s.next(t - startS)} ${t}\n`;
      if (buf.length > 1 << 20) {
        fs.writeSync(fd, buf);
        buf = '';
      }
    }
  }
  fs.writeSync(fd, buf + '# EOF\n');
  fs.closeSync(fd);
  return series.length;
}

function run(tool: RealTool, args: string[]): void {
  const r = spawnSync(realTool(tool), args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`);
}

export async function withPrometheus<T>(dataDir: string, config: string, f: (base: string) => Promise<T>): Promise<T> {
  const port = 19000 + Math.floor(Math.random() * 1000);
  const p = spawn(
    realTool('prometheus'),
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
      '--query.max-samples=500000000',
    ],
    { stdio: 'ignore' },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/-/ready`)).ok) break;
      } catch {
        /* not yet */
      }
      if (i > 300) throw new Error('prometheus did not become ready');
      await new Promise((r) => setTimeout(r, 500));
    }
    return await f(base);
  } finally {
    p.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Stats {
  samples: number;
  ms: number;
  result: unknown;
}

export async function query(base: string, pathAndQuery: string): Promise<Stats> {
  const start = Date.now();
  const r = (await (await fetch(`${base}${pathAndQuery}&stats=all`)).json()) as {
    status: string;
    error?: string;
    data: { result: unknown; stats: { samples: { totalQueryableSamples: number } } };
  };
  if (r.status !== 'success') throw new Error(`${pathAndQuery}: ${r.error}`);
  return { samples: r.data.stats.samples.totalQueryableSamples, ms: Date.now() - start, result: r.data.result };
}

export type QueryCostResult = MeasuredQuerySamples;

export interface Backfilled {
  readonly dir: string;
  readonly data: string;
  readonly config: string;
  readonly end: number;
  readonly rangeSeconds: number;
  readonly historySeconds: number;
  readonly seriesMeasured: number;
}

/**
 * The data: the overview dashboards' default 6 h range and an hour before it (the longest window their
 * queries read), raw series and the recording rules over them. A dashboard with a longer default range
 * (the SLO dashboard: 7 days) and rule windows longer than that (SLO windows up to 3 days) read only what
 * there is: their samples are a lower bound.
 */
export async function backfill(repo: string, fraction: number, log: (s: string) => void = () => undefined): Promise<Backfilled> {
  const model = compile(readProject(repo), 'local');
  const scrape = model.environment.scrapeIntervalSeconds;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-query-cost-'));
  const rangeSeconds = 6 * 3600;
  const history = 3600;
  const end = Math.floor(Date.now() / 1000 / scrape) * scrape - 60;
  const start = end - rangeSeconds - history;
  const om = path.join(dir, 'data.om');
  const t0 = Date.now();
  const seriesMeasured = writeOpenMetrics(om, repo, fraction, start, end, scrape);
  log(`  generated ${seriesMeasured} series x ${(end - start) / scrape + 1} scrapes in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const data = path.join(dir, 'data');
  run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, data]);
  fs.rmSync(om);
  const rulesDir = path.join(dir, 'rules');
  fs.mkdirSync(rulesDir);
  const ruleFiles = model.ruleFiles.map((f) => {
    const p = path.join(rulesDir, `${f.name}.yaml`);
    fs.writeFileSync(p, f.text);
    return p;
  });
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, stringify({ global: { scrape_interval: `${scrape}s` } }));
  // Recording rules over the dashboards' range (promtool evaluates them against the raw data).
  await withPrometheus(data, config, async (base) =>
    run('promtool', [
      'tsdb',
      'create-blocks-from',
      'rules',
      `--start=${end - rangeSeconds - 600}`,
      `--end=${end}`,
      `--url=${base}`,
      `--output-dir=${path.join(dir, 'recorded')}`,
      '--eval-interval=30s',
      ...ruleFiles,
    ]),
  );
  for (const b of fs.readdirSync(path.join(dir, 'recorded'))) fs.renameSync(path.join(dir, 'recorded', b), path.join(data, b));
  return { dir, data, config, end, rangeSeconds, historySeconds: history + rangeSeconds, seriesMeasured };
}

/** A dashboard's queries as Grafana sends them: per panel, each target's expression and whether it is an instant query. */
export function panelTargets(dashboardText: string): { title: string; targets: { expr: string; instant: boolean }[] }[] {
  type Raw = { title?: string; panels?: Raw[]; targets?: { expr?: string; instant?: boolean; range?: boolean }[] };
  const walk = (ps: Raw[]): Raw[] => ps.flatMap((p) => [p, ...walk(p.panels ?? [])]);
  return walk((JSON.parse(dashboardText) as Raw).panels ?? [])
    .map((p) => ({
      title: p.title ?? '',
      // Grafana's Prometheus query types: range, instant, or both (a target with both flags sends both queries).
      targets: (p.targets ?? [])
        .filter((t) => typeof t.expr === 'string' && t.expr.trim() !== '')
        .flatMap((t) => [
          ...(t.instant ? [{ expr: t.expr!, instant: true }] : []),
          ...(t.range !== false || !t.instant ? [{ expr: t.expr!, instant: false }] : []),
        ]),
    }))
    .filter((p) => p.targets.length > 0);
}

/** The overview dashboard before issue 20 (commit b8495ef): the bench's and the test's "before". */
export const BASELINE_OVERVIEW_FILE = 'test/fixtures/dashboard-baselines/trading-platform-overview.b8495ef.json';

type DashboardCost = Omit<QueryCostResult['dashboards'][number], 'file'>;

/**
 * One refresh of a dashboard as Grafana sends it: every target over the
 * dashboard's default range (a range query, or an instant query at its end),
 * with the samples Prometheus processed and the summed wall time.
 */
export async function refreshCost(base: string, dashboardText: string, end: number, scrape: number): Promise<DashboardCost> {
  const json = JSON.parse(dashboardText) as { time?: { from?: string }; refresh?: string };
  const range = durationSeconds(json.time?.from?.replace(/^now-/, '') ?? '6h');
  const step = grafanaStep(range, scrape);
  let samples = 0;
  let ms = 0;
  const panels: { title: string; samples: number }[] = [];
  for (const p of panelTargets(dashboardText)) {
    let panelSamples = 0;
    for (const t of p.targets) {
      const expr = grafanaExpr(t.expr, step, range, scrape);
      const s = t.instant
        ? await query(base, `/api/v1/query?query=${encodeURIComponent(expr)}&time=${end}`)
        : await query(base, `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${end - range}&end=${end}&step=${step}`);
      panelSamples += s.samples;
      ms += s.ms;
    }
    samples += panelSamples;
    panels.push({ title: p.title, samples: panelSamples });
  }
  return {
    rangeSeconds: range,
    stepSeconds: step,
    refreshSeconds: durationSeconds(json.refresh || '30s'),
    samplesPerRefresh: samples,
    ms,
    panels,
  };
}

export async function queryCostBench(repo: string, fraction: number): Promise<QueryCostResult> {
  const model = compile(readProject(repo), 'local');
  const scrape = model.environment.scrapeIntervalSeconds;
  const b = await backfill(repo, fraction, console.log);
  const { data, config, end, rangeSeconds, seriesMeasured } = b;
  const history = b.historySeconds - rangeSeconds;
  try {
    return await withPrometheus(data, config, async (base) => {
      const result: { -readonly [K in keyof QueryCostResult]: QueryCostResult[K] } & {
        dashboards: QueryCostResult['dashboards'][number][];
        baselines: QueryCostResult['dashboards'][number][];
        ruleGroups: QueryCostResult['ruleGroups'][number][];
      } = {
        measured: new Date().toISOString(),
        fraction,
        seriesMeasured,
        seriesCatalog: model.catalog.estimateSeries() + model.environment.services.length,
        historySeconds: history + rangeSeconds,
        rangeSeconds,
        dashboards: [],
        baselines: [],
        ruleGroups: [],
      };
      for (const d of model.dashboards) result.dashboards.push({ file: d.file, ...(await refreshCost(base, d.text, end, scrape)) });
      // The "before" of issue 20: the overview as it was, every panel a raw range query (test/fixtures/dashboard-baselines/README.md).
      result.baselines = [
        {
          file: BASELINE_OVERVIEW_FILE,
          ...(await refreshCost(base, fs.readFileSync(path.join(repo, BASELINE_OVERVIEW_FILE), 'utf8'), end, scrape)),
        },
      ];
      const month = 30.4 * 86400;
      for (const f of model.ruleFiles)
        for (const g of f.groups) {
          const interval = durationSeconds(g.interval ?? `${scrape}s`);
          let samples = 0;
          for (const r of g.rules) samples += (await query(base, `/api/v1/query?query=${encodeURIComponent(r.expr)}&time=${end}`)).samples;
          result.ruleGroups.push({
            file: f.file,
            group: g.name,
            intervalSeconds: interval,
            samplesPerEvaluation: samples,
            samplesPerMonth: samples * (month / interval),
          });
        }
      return result;
    });
  } finally {
    fs.rmSync(b.dir, { recursive: true, force: true });
  }
}

export function formatQueryCost(r: QueryCostResult): string {
  const scale = r.seriesCatalog / r.seriesMeasured;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return [
    `query cost, measured ${r.measured} on ${r.seriesMeasured} series (cardinality fraction ${r.fraction}; the catalog declares ${n(r.seriesCatalog)} per instance: x${scale.toFixed(1)} to scale)`,
    ...r.dashboards.map(
      (d) =>
        `  ${d.file.padEnd(44)} ${n(d.samplesPerRefresh).padStart(14)} samples per refresh (${d.rangeSeconds / 3600} h, step ${d.stepSeconds} s)   ${d.ms} ms`,
    ),
    ...(r.baselines ?? []).flatMap((b) => {
      const now = r.dashboards.find((d) => path.basename(b.file).startsWith(path.basename(d.file, '.json')));
      return now
        ? [
            `  before: ${b.file}: ${n(b.samplesPerRefresh)} samples per refresh   ${b.ms} ms; now ${n(now.samplesPerRefresh)}   ${now.ms} ms: ${(b.samplesPerRefresh / now.samplesPerRefresh).toFixed(1)}x fewer samples`,
          ]
        : [];
    }),
    '  rule groups: samples per evaluation, per month',
    ...r.ruleGroups.map(
      (g) =>
        `  ${`${g.file} ${g.group}`.padEnd(58)} every ${String(g.intervalSeconds).padStart(3)} s ${n(g.samplesPerEvaluation).padStart(12)} ${n(g.samplesPerMonth).padStart(18)}`,
    ),
    `  all rule groups: ${n(r.ruleGroups.reduce((s, g) => s + g.samplesPerMonth, 0))} samples per month at this fraction (windows longer than the ${r.historySeconds / 3600} h of data before the range: a lower bound)`,
  ].join('\n');
}
