/**
 * `npm run bench -- --alert-latency`: time to page. On the native stack of
 * the end-to-end test (scripts/bench/native-stack.ts: Prometheus and
 * Alertmanager on loopback, the bundled demo emitters and alert sink, the
 * local bundle rendered with loopback endpoints, the local environment's own
 * scrape interval), faults are injected and the time from the fault to the
 * notification reaching the loopback receiver is measured, beside the floor
 * the configuration implies: scrape interval + the evaluation interval of the
 * alert's group (+ that of the recording group it reads, if any) + `for` +
 * `group_wait` of the route the alert takes.
 *
 *   BENCH_RUNS=5 npm run bench -- --alert-latency [--concurrency N]
 */
import { spawnSync } from 'child_process';
import { ObservabilityModel } from '../../lib/model/model';
import { Routing } from '../../lib/model/routing';
import { route } from '../alert-probes';
import { EXTRA_RESTARTS, STALE_AFTER_SECONDS } from '../../lib/render/target-rules';
import { NativeStack } from './native-stack';
import { realTool } from '../real-tools';

/** Prometheus durations as rule files and Alertmanager write them (`90s`, `1m`, `1h30m`), in seconds. */
export function durationSeconds(d: string | undefined): number {
  if (!d) return 0;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  let rest = d;
  for (const m of d.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * units[m[2]];
    rest = rest.replace(m[0], '');
  }
  if (rest !== '') throw new Error(`not a Prometheus duration: "${d}"`);
  return total;
}

export interface Floor {
  readonly scrape: number;
  readonly evaluation: number;
  readonly recording: number;
  readonly for: number;
  /** For `absent(...)`: a series vanishes only after Prometheus' lookback delta (`--query.lookback-delta`, default 5m) without samples. */
  readonly lookback: number;
  readonly groupWait: number;
  /** For an alert on a sample's age (`time() - timestamp(...)`): the age it waits for. */
  readonly staleAfter: number;
  /** What the fault itself must accumulate first (a crash loop's restarts), from the case. */
  readonly accumulate: number;
  readonly receiver: string;
  readonly total: number;
}

/**
 * The shortest time the configuration allows from a fault to a notification:
 * the scrape that sees it, the evaluation of the recording group whose series
 * the alert reads (if it reads one), the evaluation of the alert's group,
 * `for`, and `group_wait` of the route `amtool config routes test` picks.
 */
export function alertFloor(
  model: ObservabilityModel,
  routing: Routing,
  alertmanagerConfig: string,
  alertname: string,
  labels: Record<string, string>,
  accumulate = 0,
): Floor {
  const groups = model.ruleFiles.flatMap((f) => f.groups);
  const group = groups.find((g) => g.rules.some((r) => r.alert === alertname));
  const rule = group?.rules.find((r) => r.alert === alertname);
  if (!group || !rule) throw new Error(`no alert rule named ${alertname} in the model`);
  const defaultInterval = `${model.environment.scrapeIntervalSeconds}s`; // the local prometheus.yml's evaluation_interval
  const recordingGroup = groups.find((g) =>
    g.rules.some((r) => r.record && new RegExp(`(^|[^a-zA-Z0-9_:])${escapeRegExp(r.record)}([^a-zA-Z0-9_:]|$)`).test(rule.expr)),
  );
  const severity = rule.labels?.severity ?? '';
  const args = ['config', 'routes', 'test', `--config.file=${alertmanagerConfig}`, `alertname=${alertname}`, `severity=${severity}`];
  for (const [k, v] of Object.entries(labels)) args.push(`${k}=${v}`);
  const routed = spawnSync(realTool('amtool'), args, { encoding: 'utf8' });
  if (routed.status !== 0) throw new Error(`amtool config routes test failed: ${routed.stderr}`);
  const receiver = routed.stdout.trim();
  const routes = route(routing, { alertname, severity, ...labels });
  if (routes.length !== 1 || routes[0].receiver !== receiver)
    throw new Error(`amtool routes ${alertname} to ${receiver}, scripts/alert-probes.ts to ${JSON.stringify(routes)}`);
  const scrape = model.environment.scrapeIntervalSeconds;
  const evaluation = durationSeconds(group.interval ?? defaultInterval);
  const recording = recordingGroup ? durationSeconds(recordingGroup.interval ?? defaultInterval) : 0;
  const forS = durationSeconds(rule.for);
  // An alert on a sample's age fires before its absent() backstop (which waits for the lookback): the age counts.
  const staleAfter = /time\(\) - .*timestamp\(/.test(rule.expr) ? STALE_AFTER_SECONDS : 0;
  const lookback = /(^|[^a-z_])absent\(/.test(rule.expr) && staleAfter === 0 ? 300 : 0;
  const groupWait = durationSeconds(routes[0].groupWait ?? '30s'); // Alertmanager's default group_wait is 30s
  return {
    scrape,
    evaluation,
    recording,
    for: forS,
    lookback,
    groupWait,
    staleAfter,
    accumulate,
    receiver,
    total: scrape + evaluation + recording + lookback + staleAfter + accumulate + forS + groupWait,
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Case {
  readonly alertname: string;
  readonly labels: Record<string, string>;
  readonly fault: string;
  readonly inject: (s: NativeStack) => void;
  /** Seconds the fault must run before the alert's condition can hold (see Floor.accumulate). */
  readonly accumulate?: number;
}

/** The crash loop's period: the emitter is killed, and started again 20 s later, every this many seconds. */
const LOOP_SECONDS = 60;
/**
 * A crash loop: signal-generator is killed and started again on the same port every LOOP_SECONDS (its `up`
 * flips); the loop runs until stopped. ServiceCrashLooping needs one restart more than the tasks plus
 * EXTRA_RESTARTS before its `for` starts.
 */
function crashLoop(stack: NativeStack): () => void {
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const once = () => {
    if (stopped) return;
    stack.kill('signal-generator');
    timers.push(setTimeout(() => !stopped && stack.startService('signal-generator'), 20_000));
    timers.push(setTimeout(once, LOOP_SECONDS * 1000));
  };
  once();
  return () => {
    stopped = true;
    timers.forEach(clearTimeout);
  };
}

/** The faults, injected together (they touch different services and alerts) except the scraper's, which hides every other. */
const SERVICE_CASES: Case[] = [
  { alertname: 'ServiceDown', labels: { service: 'backend' }, fault: 'backend process killed', inject: (s) => s.kill('backend') },
  {
    alertname: 'HighExecutionFailureRate',
    labels: { service: 'celery-worker' },
    fault: 'worker fails every execution',
    inject: (s) => s.signal('celery-worker', 'SIGUSR1'),
  },
];
/** The collector-loss alert: the age of its newest sample (issue 28), else the missing-target alert (issue 18). */
const SCRAPER_ALERTS = ['CollectorMetricsStale', 'CollectorMetricsMissing', 'ServiceNotScraped'];

function waitFor(stack: NativeStack, c: Case, since: number, timeoutMs: number): Promise<number> {
  const re = new RegExp(`\\[FIRING\\] ${c.alertname} \\([a-z]+, ${c.labels.service ?? '[^)]*'}\\)`);
  return stack.until(
    `${c.alertname} at the alert sink`,
    async () => {
      const line = stack.sinkLines.find((l) => l.at >= since && re.test(l.text));
      return line ? line.at - since : undefined;
    },
    timeoutMs,
    200,
  );
}

export interface Measurement {
  readonly alertname: string;
  readonly fault: string;
  readonly seconds: number;
  readonly floor: Floor;
}

/** One run: a fresh stack, every fault, every time to page. */
export async function runOnce(repo: string, log: (s: string) => void = () => undefined): Promise<Measurement[]> {
  const stack = new NativeStack({ repo, failures: 'never', tickMs: 1000 });
  try {
    await stack.start();
    // Ready: the pipeline delivers (the Watchdog arrived) and the worker's failure rate is recorded (at 0).
    await stack.until(
      'Watchdog',
      async () => (stack.sinkLines.some((l) => /\[FIRING\] Watchdog/.test(l.text)) ? true : undefined),
      240_000,
    );
    await stack.until(
      'failure rate recorded',
      async () => ((await stack.promQuery('job:pipeline_executions_failed:rate5m')).length ? true : undefined),
      240_000,
    );
    log('  stack ready; injecting faults');
    const alertNames = new Set(stack.model.ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules.map((r) => r.alert))));
    const t0 = Date.now();
    SERVICE_CASES.forEach((c) => c.inject(stack));
    const out: Measurement[] = [];
    const times = await Promise.all(SERVICE_CASES.map((c) => waitFor(stack, c, t0, 900_000)));
    SERVICE_CASES.forEach((c, i) =>
      out.push({
        alertname: c.alertname,
        fault: c.fault,
        seconds: times[i] / 1000,
        floor: alertFloor(stack.model, stack.model.routing, stack.alertmanagerConfig, c.alertname, c.labels),
      }),
    );
    if (alertNames.has('ServiceCrashLooping')) {
      const c: Case = {
        alertname: 'ServiceCrashLooping',
        labels: { service: 'signal-generator' },
        fault: `signal-generator killed and restarted every ${LOOP_SECONDS} s (down 20 s each time)`,
        inject: () => undefined,
        // One task: the 4th restart (more than 1 + EXTRA_RESTARTS) comes (1 + EXTRA_RESTARTS) periods after the first.
        accumulate: (1 + EXTRA_RESTARTS) * LOOP_SECONDS,
      };
      const t = Date.now();
      const stop = crashLoop(stack);
      try {
        const ms = await waitFor(stack, c, t, 1_500_000);
        out.push({
          alertname: c.alertname,
          fault: c.fault,
          seconds: ms / 1000,
          floor: alertFloor(stack.model, stack.model.routing, stack.alertmanagerConfig, c.alertname, c.labels, c.accumulate),
        });
      } finally {
        stop();
        stack.startService('signal-generator');
      }
    }
    const scraperAlert = SCRAPER_ALERTS.find((a) => alertNames.has(a));
    if (scraperAlert) {
      const c: Case = { alertname: scraperAlert, labels: {}, fault: 'collector killed', inject: (s) => s.kill('collector') };
      const t1 = Date.now();
      c.inject(stack);
      const ms = await waitFor(stack, c, t1, 900_000);
      out.push({
        alertname: c.alertname,
        fault: c.fault,
        seconds: ms / 1000,
        floor: alertFloor(stack.model, stack.model.routing, stack.alertmanagerConfig, c.alertname, c.labels),
      });
    } else log(`  no missing-target alert (${SCRAPER_ALERTS.join(' or ')}) in the model: the scraper case is not run`);
    return out;
  } finally {
    await stack.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function alertLatencyBench(repo: string, runs: number, concurrency: number): Promise<void> {
  const results: Measurement[][] = [];
  let next = 0;
  const worker = async () => {
    while (next < runs) {
      const i = next++;
      console.log(`run ${i + 1}/${runs} started`);
      results.push(await runOnce(repo, console.log));
      console.log(`run ${i + 1}/${runs} done`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runs) }, worker));
  const names = [...new Set(results.flat().map((m) => m.alertname))];
  console.log(`\ntime to page: fault -> notification at the loopback receiver, ${runs} runs (${concurrency} at a time)`);
  console.log(
    `  ${'alert'.padEnd(26)} ${'median'.padStart(7)} ${'max'.padStart(7)}   floor = scrape + eval (+ recording eval) + for + group_wait   median/floor`,
  );
  for (const n of names) {
    const ms = results.flat().filter((m) => m.alertname === n);
    const f = ms[0].floor;
    const s = ms.map((m) => m.seconds);
    const med = median(s);
    console.log(
      `  ${n.padEnd(26)} ${med.toFixed(1).padStart(6)}s ${Math.max(...s)
        .toFixed(1)
        .padStart(
          6,
        )}s   ${String(f.total).padStart(4)}s = ${f.scrape} + ${f.evaluation}${f.recording ? ` (+ ${f.recording})` : ''}${f.lookback ? ` + ${f.lookback} lookback` : ''}${f.staleAfter ? ` + ${f.staleAfter} stale` : ''}${f.accumulate ? ` + ${f.accumulate} restarts` : ''} + ${f.for} + ${f.groupWait} (${f.receiver})   ${(med / f.total).toFixed(2)}x ${med <= f.total + 15 ? 'within floor + 15 s' : 'ABOVE floor + 15 s'}`,
    );
    console.log(`    fault: ${ms[0].fault}; runs: ${s.map((x) => x.toFixed(1)).join(', ')} s`);
  }
}
