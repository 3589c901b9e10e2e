/**
 * The remote-write target goes away, and comes back: the real collector
 * (scripts/bench/native-stack.ts) remote-writes through a proxy in front of
 * Prometheus that the test turns off (connections refused) for the outage
 * the collector is sized for (OUTAGE_SECONDS, 5 minutes), and then answers
 * 429 for a minute (the RetryOn429 feature gate). Afterwards every series the
 * collector scraped has every sample of the whole window: no gap longer than
 * the scrape interval, counted per series. Meanwhile the collector's resident
 * memory and its remote-write queue are sampled; the figures are printed for
 * docs/collector.md ("Riding out a 5-minute AMP outage", measured).
 *
 * OUTAGE_TEST_SECONDS shortens the outage for a quick local run (CI runs the full 300 s).
 */
import * as fs from 'fs';
import * as path from 'path';
import { sendHttp } from '../../lib/http/http-client';
import { OUTAGE_SECONDS } from '../../lib/render/collector-sizing';
import { NativeStack, SERVICES } from '../../scripts/bench/native-stack';
import { RemoteWriteProxy, scrapedSamples } from './remote-write-target';

const SCRAPE_SECONDS = 5;
const OUTAGE = Number(process.env.OUTAGE_TEST_SECONDS ?? OUTAGE_SECONDS);
const THROTTLED = 60;

const proxy: RemoteWriteProxy = new RemoteWriteProxy((): number => stack.ports.prometheus);
const stack: NativeStack = new NativeStack({
  repo: path.resolve(__dirname, '../..'),
  environment: { scrapeIntervalSeconds: SCRAPE_SECONDS },
  failures: 'never',
  remoteWriteUrl: (): string => `http://127.0.0.1:${proxy.port}/api/v1/write`,
});
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** Resident memory of a process, MiB (VmRSS of /proc/<pid>/status). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const REMOTE_WRITE = ['scraped', 'pushed', 'self'].map((e) => `prometheus_remote_write/${e}`);

/**
 * Each remote-write exporter's queue (batches) and the scraped one's capacity, read from the collector's own
 * metrics endpoint. The size counts a batch until its export ends, retries included (one consumer:
 * contrib@v0.156.0 exporter/prometheusremotewriteexporter/factory.go; the size drops in onDone:
 * core exporterhelper@v0.156.0 internal/queue/memory_queue.go), so 0 means nothing is waiting to be retried.
 */
async function queue(): Promise<{ size: number; capacity: number; sizes: Record<string, number> }> {
  const text = (
    await sendHttp({ method: 'GET', url: `http://127.0.0.1:${stack.ports.collectorSelf}/metrics`, timeoutMs: 5000, retry: { attempts: 1 } })
  ).text;
  const value = (name: string, exporter: string) =>
    Number(new RegExp(`^${name}\\{[^}]*exporter="${exporter}"[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  const sizes = Object.fromEntries(REMOTE_WRITE.map((e) => [e, value('otelcol_exporter_queue_size', e)]));
  return {
    size: sizes['prometheus_remote_write/scraped'],
    capacity: value('otelcol_exporter_queue_capacity', 'prometheus_remote_write/scraped'),
    sizes,
  };
}

interface Sampled {
  rssMaxMiB: number;
  queueMax: number;
  capacity: number;
}

async function sampleWhile(seconds: number): Promise<Sampled> {
  const pid = stack.pid('collector')!;
  const out: Sampled = { rssMaxMiB: 0, queueMax: 0, capacity: 0 };
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    out.rssMaxMiB = Math.max(out.rssMaxMiB, rssMiB(pid));
    const q = await queue().catch(() => ({ size: 0, capacity: 0 }));
    out.queueMax = Math.max(out.queueMax, q.size);
    out.capacity = q.capacity || out.capacity;
    await sleep(SCRAPE_SECONDS);
  }
  return out;
}

/** Every series of the scraped services over [from, to]: its samples' timestamps (seconds). */
const samples = (from: number, to: number) => scrapedSamples(stack.ports.prometheus, Math.round(to - from), to);

/**
 * What is missing in [from, to]: a series that existed at `from` and has no sample in the window, or a gap
 * longer than 1.5 scrape intervals anywhere (a lost sample leaves two intervals), or a series that stops before
 * `to`. A series first seen during the window (a new label value) is judged from its first sample.
 */
function gaps(before: ReadonlySet<string>, series: Map<string, number[]>, from: number, to: number): string[] {
  const bad = [...before].filter((name) => !series.has(name)).map((name) => `${name}: no sample in the window`);
  for (const [name, ts] of series) {
    const edges = [...(before.has(name) ? [from] : []), ...ts, to];
    const worst = Math.max(...edges.slice(1).map((t, i) => t - edges[i]));
    const at = edges.findIndex((t, i) => i > 0 && t - edges[i - 1] === worst);
    if (worst > 1.5 * SCRAPE_SECONDS)
      bad.push(`${name}: a gap of ${worst.toFixed(1)} s ending ${(edges[at] - from).toFixed(0)} s into the window, ${ts.length} samples`);
  }
  return bad;
}

/** The scraped series that exist at `at` (their last sample within two intervals). */
async function seriesAt(at: number): Promise<Set<string>> {
  const m = await samples(at - 2 * SCRAPE_SECONDS, at);
  return new Set(m.keys());
}

beforeAll(async () => {
  await proxy.up();
  await stack.start();
}, 60_000);

afterAll(async () => {
  await stack.stop();
  await proxy.down();
});

describe(`the collector rides out a ${OUTAGE} s remote-write outage and ${THROTTLED} s of 429`, () => {
  let from = 0;
  let before = new Set<string>();
  let series = new Map<string, number[]>();
  const figures: Record<string, unknown> = {};

  test('every service is scraped and written before the outage', async () => {
    await stack.until(
      'all jobs up',
      async () => {
        const u = await stack.upByJob();
        return SERVICES.every((s) => u[s] === '1') ? u : undefined;
      },
      60_000,
    );
    await sleep(3 * SCRAPE_SECONDS);
    from = Date.now() / 1000;
    before = await seriesAt(from);
    figures.rssBeforeMiB = rssMiB(stack.pid('collector')!);
  }, 90_000);

  test(
    'a 5-minute outage, then (drained) a minute of 429: no sample of any scraped series is lost',
    async () => {
      const phases: Record<string, number> = {};
      const mark = (p: string) => (phases[p] = Math.round(Date.now() / 1000 - from));
      const drain = (what: string) =>
        stack.until(
          what,
          async () => {
            // Every remote-write exporter, not only the scraped one: a batch of the collector's own series still
            // backing off when the 429s begin would pass its deadline (first attempt at the outage's start).
            const q = await queue();
            return Object.values(q.sizes).every((n) => n === 0) ? q : undefined;
          },
          300_000,
          SCRAPE_SECONDS * 1000,
        );
      mark('down');
      await proxy.down();
      Object.assign(figures, { outage: await sampleWhile(OUTAGE) });
      mark('up');
      await proxy.up('pass');
      await drain('queue drained after the outage');
      mark('429');
      proxy.mode = '429';
      Object.assign(figures, { throttled: await sampleWhile(THROTTLED) });
      mark('pass');
      proxy.mode = 'pass';
      await drain('queue drained after the 429s');
      mark('drained');
      // The window ends two intervals back: nothing scraped before it can still be in flight.
      await sleep(4 * SCRAPE_SECONDS);
      const to = Date.now() / 1000 - 2 * SCRAPE_SECONDS;
      series = await samples(from, to);
      figures.series = series.size;
      figures.samples = [...series.values()].reduce((n, ts) => n + ts.length, 0);
      figures.window = Math.round(to - from);
      figures.phases = phases;
      figures.answered429 = proxy.answered['429'];
      figures.rssAfterMiB = rssMiB(stack.pid('collector')!);
      console.log(`collector outage figures: ${JSON.stringify(figures)}`);
      expect(series.size).toBeGreaterThan(100);
      expect(proxy.answered['429']).toBeGreaterThan(0);
      const problems = gaps(before, series, from, to);
      const logged = stack.logs.collector.split('\n').filter((l) => /\t(warn|error)\t/.test(l) && /[Dd]rop/.test(l));
      expect({ gaps: problems.slice(0, 5), gapCount: problems.length, phases, dropped: logged.slice(0, 5) }).toEqual({
        gaps: [],
        gapCount: 0,
        phases,
        dropped: [],
      });
    },
    (OUTAGE + THROTTLED + 720) * 1000,
  );
});
