/**
 * What a scale-in (or any task stop) does to the remote-write queue (issue #32: "without losing queued samples on
 * scale-in (drain: stop timeout and the queue's flush, measured)"). ECS sends SIGTERM, waits the container's
 * stopTimeout (STOP_TIMEOUT_SECONDS, Fargate's maximum) and then sends SIGKILL. The real collector
 * (scripts/bench/native-stack.ts: the local bundle's configuration with the task's flags, the same exporter queue
 * and retry settings as AMP's) remote-writes to a real Prometheus through a proxy the test turns off.
 *
 *  1. Reachable: the proxy refuses for OUTAGE s, so the queues hold batches; it comes back and SIGTERM follows at
 *     once. The collector exits once every queue is empty, well within the stop timeout, and no sample scraped
 *     before SIGTERM is missing in Prometheus.
 *  2. Unreachable: SIGTERM while the proxy still refuses. The collector does not exit within the stop timeout (a
 *     queued batch retries until its own deadline, every batch behind it gets a new one), so ECS's SIGKILL at
 *     STOP_TIMEOUT_SECONDS takes every queued sample with it: they are counted here.
 *
 * Why (core exporterhelper@v0.156.0, contrib prometheusremotewriteexporter@v0.156.0, in the Go module cache):
 *  - SIGTERM: otelcol collector.go (Run) breaks its loop and calls shutdown(ctx), no deadline of its own; the
 *    service (service.go Shutdown) shuts the components down one at a time in a topological order
 *    (internal/graph/graph.go ShutdownAll): each before the components it feeds, so a pipeline's receiver stops,
 *    then its batch processor hands its partial batch on, then its exporter drains. Between pipelines the order is
 *    not fixed (gonum@v0.17.0 graph/topo/tarjan.go Sort walks graph/simple/directed.go's node map), and one
 *    exporter's blocked Shutdown holds up the rest: a receiver later in that start's order keeps running. Measured
 *    in case 2: in one run the scraped queue, in another the self queue, grew to 26 batches during the 120 s.
 *  - An exporter: internal/base_exporter.go Shutdown shuts the retry sender (none here), then the queue sender, and
 *    only then the exporter itself (prwExporter.Shutdown, which refuses new pushes: exporter.go).
 *  - The queue: internal/queue/memory_queue.go Shutdown only marks it stopped; Read keeps returning elements until
 *    the queue is empty, and async_queue.go Shutdown waits (stopWG.Wait, the ctx unused) for the consumers to finish.
 *    Each element is consumed with a context that has no cancel (memory_queue.go add: context.WithoutCancel).
 *  - The exporter's one consumer (factory.go: numConsumers 1 without the EnableMultipleWorkers gate) retries one
 *    batch inside PushMetrics (exporter.go execute: backoff.Retry, MaxElapsedTime = retry_on_failure.max_elapsed_time)
 *    under the timeout sender's deadline (internal/timeout_sender.go, `timeout`), both exportTimeoutSeconds
 *    (lib/render/collector-sizing.ts): each dequeued batch gets its own full deadline. So the drain ends when every
 *    batch is delivered or has used its deadline; with N batches queued and the target down that is up to
 *    N x exportTimeoutSeconds, far beyond any stop timeout.
 *
 * DRAIN_OUTAGE_SECONDS shortens the first outage for a quick run (default 60).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { sendHttp } from '../../lib/http/http-client';
import { STOP_TIMEOUT_SECONDS } from '../../lib/constructs/collector-service';
import { NativeStack, SERVICES } from '../../scripts/bench/native-stack';
import { RemoteWriteProxy, scrapedSamples } from './remote-write-target';

const SCRAPE_SECONDS = 5;
const OUTAGE = Number(process.env.DRAIN_OUTAGE_SECONDS ?? 60);
/** The second case: how long the target refuses before SIGTERM (the queue then holds a few batches). */
const SHORT_OUTAGE = 10;
const REMOTE_WRITE = ['scraped', 'pushed', 'self'].map((e) => `prometheus_remote_write/${e}`);

const proxy: RemoteWriteProxy = new RemoteWriteProxy((): number => stack.ports.prometheus);
const stack: NativeStack = new NativeStack({
  repo: path.resolve(__dirname, '../..'),
  environment: { scrapeIntervalSeconds: SCRAPE_SECONDS },
  failures: 'never',
  remoteWriteUrl: (): string => `http://127.0.0.1:${proxy.port}/api/v1/write`,
});
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const now = () => Date.now() / 1000;

/**
 * From the collector's own metrics endpoint: each remote-write exporter's queue, in batches
 * (otelcol_exporter_queue_size: a batch counts until its export ends), and the points the scrape receiver has
 * accepted (otelcol_receiver_accepted_metric_points, receiver="prometheus": it grows while the receiver scrapes).
 */
async function selfMetrics(): Promise<{ queues: Record<string, number>; scrapedPoints: number }> {
  const text = (
    await sendHttp({ method: 'GET', url: `http://127.0.0.1:${stack.ports.collectorSelf}/metrics`, timeoutMs: 5000, retry: { attempts: 1 } })
  ).text;
  const value = (name: string, label: string) => Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    queues: Object.fromEntries(REMOTE_WRITE.map((e) => [e, value('otelcol_exporter_queue_size', `exporter="${e}"`)])),
    scrapedPoints: value('otelcol_receiver_accepted_metric_points(?:_total)?', 'receiver="prometheus"'),
  };
}

/** Every scraped series over [from, to]: its samples' times. */
const samples = (from: number, to: number) => scrapedSamples(stack.ports.prometheus, Math.ceil(to - from), to);

/**
 * Scrapes missing up to `to` from the series that existed before the test's window: between two samples k scrape
 * intervals apart, k - 1 are missing; after a series' last sample, every interval that ended by `to` is one more.
 * `series` must reach back before the window (each series of `before` has a sample there).
 */
function lost(before: ReadonlySet<string>, series: Map<string, number[]>, to: number): { samples: number; where: string[] } {
  let count = 0;
  const where: string[] = [];
  for (const name of before) {
    const ts = (series.get(name) ?? []).filter((t) => t <= to);
    const gaps = ts.slice(1).map((t, i) => Math.round((t - ts[i]) / SCRAPE_SECONDS) - 1);
    const tail = ts.length > 0 ? Math.max(0, Math.floor((to - ts[ts.length - 1]) / SCRAPE_SECONDS)) : NaN;
    const missing = gaps.reduce((n, g) => n + Math.max(0, g), 0) + tail;
    if (missing > 0 || Number.isNaN(missing)) {
      count += missing;
      if (where.length < 5) where.push(`${name}: ${missing} missing`);
    }
  }
  return { samples: count, where };
}

/** Sends `signal` to the running collector; resolves with the seconds until it exits (or undefined after `limit` s) and its code. */
async function stopCollector(signal: NodeJS.Signals, limit: number): Promise<{ seconds?: number; code?: number | null }> {
  const p = stack.procs.get('collector')!;
  const t0 = Date.now();
  const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  p.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exited,
    new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), limit * 1000))),
  ]);
  clearTimeout(timer);
  return code === 'running' ? {} : { seconds: (Date.now() - t0) / 1000, code };
}

/** The collector's shutdown log lines (their text after the level). */
const shutdownLines = () =>
  stack.logs.collector
    .split('\n')
    .filter((l) => /Received signal|Starting shutdown|Shutdown complete|Exporting failed|[Dd]ropp/.test(l))
    .map((l) => l.split('\t').slice(0, 4).join(' '))
    .slice(0, 8);

/**
 * Waits until every service's scrapes made after `since` are in Prometheus, then an interval more; returns the
 * scraped series that have a sample in the last two intervals.
 */
async function writing(what: string, since: number): Promise<Set<string>> {
  await stack.until(
    what,
    async () => {
      const newest = await stack.promQuery(`max by (job) (timestamp(up{job=~"${SERVICES.join('|')}"}))`);
      return newest.length === SERVICES.length && newest.every((r) => Number(r.value[1]) > since) ? newest : undefined;
    },
    60_000,
  );
  await sleep(SCRAPE_SECONDS);
  const at = now();
  return new Set((await samples(at - 2 * SCRAPE_SECONDS, at)).keys());
}

beforeAll(async () => {
  await proxy.up();
  await stack.start();
}, 60_000);

afterAll(async () => {
  await stack.stop();
  await proxy.down();
});

describe(`a stopped collector drains its remote-write queues within the stop timeout (${STOP_TIMEOUT_SECONDS} s)`, () => {
  const figures: Record<string, unknown> = {};
  afterAll(() => console.log(`collector drain figures: ${JSON.stringify(figures)}`));

  test(`reachable: ${OUTAGE} s refused, then the target is back and SIGTERM follows at once: every queued sample arrives`, async () => {
    const before = await writing('all jobs written before the outage', 0);
    const downAt = now();
    await proxy.down();
    await sleep(OUTAGE);
    const { queues: queued } = await selfMetrics();
    await proxy.up();
    const sigtermAt = now();
    const stopped = await stopCollector('SIGTERM', STOP_TIMEOUT_SECONDS);
    // Prometheus has appended what it was sent by the time it answered the push.
    await sleep(2);
    const series = await samples(downAt - 3 * SCRAPE_SECONDS, sigtermAt);
    const window = [...series.values()].reduce((n, ts) => n + ts.filter((t) => t >= downAt && t <= sigtermAt).length, 0);
    // Up to the last scrape surely completed before SIGTERM (one interval earlier).
    const missing = lost(before, series, sigtermAt - SCRAPE_SECONDS);
    Object.assign(figures, {
      reachable: {
        outageSeconds: OUTAGE,
        queuedBatchesAtRestore: queued,
        exitSeconds: stopped.seconds,
        exitCode: stopped.code,
        series: before.size,
        samplesScrapedInOutageArrived: window,
        samplesLost: missing.samples,
        log: shutdownLines(),
      },
    });
    expect(before.size).toBeGreaterThan(100);
    // The queues held batches: this measured a drain, not an idle stop.
    expect(queued['prometheus_remote_write/scraped']).toBeGreaterThan(1);
    expect(stopped.code).toBe(0);
    expect(stopped.seconds).toBeLessThan(STOP_TIMEOUT_SECONDS);
    expect(window).toBeGreaterThanOrEqual(before.size * Math.floor(OUTAGE / SCRAPE_SECONDS));
    expect(missing).toEqual({ samples: 0, where: [] });
  }, 240_000);

  test(`unreachable: SIGTERM while the target still refuses: still running at ${STOP_TIMEOUT_SECONDS} s, so ECS's SIGKILL loses the queue`, async () => {
    const restartAt = now();
    stack.startCollector();
    const before = await writing('all jobs written by the restarted collector', restartAt);
    const downAt = now();
    await proxy.down();
    await sleep(SHORT_OUTAGE);
    const atSigterm = await selfMetrics();
    const sigtermAt = now();
    const stopped = await stopCollector('SIGTERM', STOP_TIMEOUT_SECONDS);
    // Read while it drains: its own metrics endpoint stays up until the pipelines are shut down (service.go Shutdown).
    const atStopTimeout = await selfMetrics();
    // ECS's SIGKILL after the stop timeout.
    const killed = stopped.seconds === undefined ? await stopCollector('SIGKILL', 10) : undefined;
    await proxy.up();
    await sleep(2);
    const series = await samples(downAt - 3 * SCRAPE_SECONDS, sigtermAt);
    const arrived = [...series.values()].reduce((n, ts) => n + ts.filter((t) => t > downAt && t <= sigtermAt).length, 0);
    const missing = lost(before, series, sigtermAt - SCRAPE_SECONDS);
    // The deadline the running configuration gives each batch (`timeout`, equal to retry_on_failure.max_elapsed_time).
    const scraped = parse(fs.readFileSync(stack.collectorConfig, 'utf8')).exporters['prometheus_remote_write/scraped'];
    const exportTimeoutSeconds = parseInt(scraped.timeout, 10);
    expect(scraped.retry_on_failure.max_elapsed_time).toBe(scraped.timeout);
    Object.assign(figures, {
      unreachable: {
        refusedBeforeSigtermSeconds: SHORT_OUTAGE,
        series: before.size,
        queuedBatchesAtSigterm: atSigterm.queues,
        queuedBatchesAtStopTimeout: atStopTimeout.queues,
        scrapeReceiverPointsAtSigterm: atSigterm.scrapedPoints,
        scrapeReceiverPointsAtStopTimeout: atStopTimeout.scrapedPoints,
        exitedWithinStopTimeout: stopped.seconds !== undefined,
        killedAfterStopTimeout: killed !== undefined,
        perBatchDeadlineSeconds: exportTimeoutSeconds,
        samplesScrapedBeforeSigtermArrived: arrived,
        samplesLost: missing.samples,
        log: shutdownLines(),
      },
    });
    expect(before.size).toBeGreaterThan(100);
    expect(atSigterm.queues['prometheus_remote_write/scraped']).toBeGreaterThan(0);
    // Still draining at the stop timeout: the batch being retried has its own deadline of exportTimeoutSeconds.
    expect(stopped.seconds).toBeUndefined();
    expect(exportTimeoutSeconds).toBeGreaterThan(STOP_TIMEOUT_SECONDS);
    // Every sample scraped while the target refused was in the queue, and went with the SIGKILL.
    expect(arrived).toBe(0);
    expect(missing.samples).toBeGreaterThanOrEqual(before.size * (Math.floor(SHORT_OUTAGE / SCRAPE_SECONDS) - 1));
  }, 240_000);
});
