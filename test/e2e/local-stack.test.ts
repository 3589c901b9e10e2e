/**
 * The local stack, end to end, without Docker (scripts/bench/native-stack.ts):
 * the bundle rendered with loopback endpoints and run by the real programs
 * built by `bash tools/build.sh`: the collector with ADOT's components on the
 * bundle's own collector configuration and flags, Prometheus 3.14.0,
 * Alertmanager 0.34.0 and Jaeger v2; the bundle's demo emitters (scraped) and
 * OTLP emitters (metrics and traces pushed as the platform's SDKs do), and
 * its alert sink. Every process it starts is stopped, also on failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel } from '../../lib/load/load-model';
import { NativeStack, SERVICES } from '../../scripts/bench/native-stack';
import { grafanaToPromql } from '../../scripts/verify';
import { sendHttp } from '../../lib/http/http-client';
import { PUSHED_COUNTER, SERVICE_NAMESPACE } from '../../scripts/otlp-emitter';
import { COLLECTOR_METRICS } from '../contracts/otelcol';

const repo = path.resolve(__dirname, '../..');
// The local environment, scraped every 5 s so the test stays short.
const stack = new NativeStack({ repo, environment: { scrapeIntervalSeconds: 5 } });
const { ports, procs, logs } = stack;
const until = stack.until.bind(stack);
const stop = stack.kill.bind(stack);

describe('local stack, end to end on loopback', () => {
  const services = SERVICES;
  let bundleDir = '';
  let nodeDir = '';
  const promQuery = stack.promQuery.bind(stack);
  const upByJob = stack.upByJob.bind(stack);

  beforeAll(async () => {
    await stack.start();
    bundleDir = stack.bundleDir;
    nodeDir = stack.nodeDir;
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
  });

  test('all four jobs are up', async () => {
    const up = await until(
      'all jobs up',
      async () => {
        const u = await upByJob();
        return services.every((s) => u[s] === '1') ? u : undefined;
      },
      60_000,
    );
    expect(Object.fromEntries(services.map((s) => [s, up[s]]))).toEqual(Object.fromEntries(services.map((s) => [s, '1'])));
  }, 70_000);

  test('rule files are loaded and recording rules produce series', async () => {
    const series = await until(
      'recording rules',
      async () => {
        const r = await promQuery('job:pipeline_executions:rate5m');
        return r.length > 0 ? r : undefined;
      },
      75_000,
    );
    expect(series.map((s) => s.metric.status).sort()).toEqual(['completed', 'failed', 'pending', 'running']);
  }, 80_000);

  test('the bundled emitter and sink run with plain node, away from the project and its node_modules', () => {
    expect(fs.existsSync(path.join(nodeDir, 'node_modules'))).toBe(false);
    expect(path.relative(repo, nodeDir).startsWith('..')).toBe(true);
    const script = (name: string) => (name === 'sink' ? 'alert-sink.js' : name.startsWith('otlp-') ? 'otlp-emitter.js' : 'demo-emitter.js');
    for (const name of [...services, ...services.map((s) => `otlp-${s}`), 'sink']) {
      const p = procs.get(name);
      expect({ name, args: p?.spawnargs.slice(1, 2) }).toEqual({ name, args: [script(name)] });
      expect(p?.spawnargs).not.toContain('tsx');
    }
  });

  test('the Watchdog reaches the local receiver of its route (the bundled alert sink prints it), as amtool routes it', async () => {
    const line = await until('Watchdog at the alert sink', async () => /^watchdog: \[FIRING\] Watchdog .*$/m.exec(logs.sink)?.[0], 120_000);
    expect(line).toContain('watchdog: [FIRING] Watchdog (info, observability)');
    const routed = spawnSync(
      'amtool',
      [
        'config',
        'routes',
        'test',
        `--config.file=${path.join(bundleDir, 'monitoring/alertmanager/alertmanager.yml')}`,
        'alertname=Watchdog',
        'severity=info',
        'service=observability',
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(routed.stdout.trim()).toBe('watchdog');
    expect(logs.sink).not.toMatch(/^info: .*Watchdog/m); // only its own receiver
  }, 130_000);

  test('the collector starts with no warning and no error: no deprecated component name, no refused key', () => {
    const lines = logs.collector.split('\n').filter((l) => /\t(warn|error)\t/i.test(l));
    expect(lines).toEqual([]);
  });

  test("the collector's own series, as it really writes them, are what test/contracts/otelcol.ts says", async () => {
    const job = 'otel-collector';
    for (const m of COLLECTOR_METRICS.filter((f) => f.presence === 'always')) {
      const got = await until(
        m.name,
        async () => {
          const r = await promQuery(`${m.name}{job="${job}"}`);
          return r.length > 0 ? r : undefined;
        },
        60_000,
      );
      const labels = new Set(got.flatMap((r) => Object.keys(r.metric)));
      for (const l of m.labels)
        expect({ metric: m.name, label: l, present: labels.has(l) }).toEqual({ metric: m.name, label: l, present: true });
    }
    // The remote-write queue's fill, as the dashboard divides it: one to one on both sides.
    const fill = await promQuery('otelcol_exporter_queue_size / otelcol_exporter_queue_capacity');
    expect(fill.map((r) => r.metric.exporter).sort()).toEqual([
      'otlp_grpc/jaeger',
      'prometheus_remote_write/pushed',
      'prometheus_remote_write/scraped',
      'prometheus_remote_write/self',
    ]);
    expect(await promQuery('otelcol_exporter_enqueue_failed_metric_points_total > 0')).toEqual([]);
  }, 70_000);

  test('OTLP-pushed series share job with the scraped ones and carry per-task identity', async () => {
    const pushed = await until(
      'pushed series of every service',
      async () => {
        const r = await promQuery(`${PUSHED_COUNTER}_total`);
        return services.every((s) => r.some((x) => x.metric.job === s)) && r.length > services.length ? r : undefined;
      },
      60_000,
    );
    const scrapedJobs = Object.keys(await upByJob());
    const ids = pushed
      .map((r) => ({ job: r.metric.job, instance: r.metric.instance }))
      .sort((x, y) => `${x.job}${x.instance}`.localeCompare(`${y.job}${y.instance}`));
    expect(ids).toEqual(
      [
        ...services.map((s) => ({ job: s, instance: `${s}-task-1` })),
        // The task that sets no service.instance.id: named by its address.
        { job: 'backend', instance: '127.0.0.1' },
      ].sort((x, y) => `${x.job}${x.instance}`.localeCompare(`${y.job}${y.instance}`)),
    );
    for (const r of pushed) expect(scrapedJobs).toContain(r.metric.job);
    expect(pushed.filter((r) => r.metric.job.includes(SERVICE_NAMESPACE))).toEqual([]);
  }, 70_000);

  test("every service's traces reach Jaeger through the collector (Jaeger's query API)", async () => {
    const base = `http://127.0.0.1:${ports.jaegerQuery}`;
    const get = async (p: string) =>
      JSON.parse((await sendHttp({ method: 'GET', url: base + p, timeoutMs: 5000, retry: { attempts: 1 } })).text) as { data: any[] };
    const found = await until(
      'traces of every service in Jaeger',
      async () => {
        const names = (await get('/api/services')).data as string[];
        if (!services.every((s) => names.includes(s))) return undefined;
        const traces = await Promise.all(services.map(async (s) => [s, (await get(`/api/traces?service=${s}&limit=20`)).data] as const));
        return traces.every(([, t]) => t.length > 0) ? traces : undefined;
      },
      60_000,
    );
    for (const [s, traces] of found) {
      // A trace is the server span and the span under it, from this service's process, tagged with the environment.
      const whole = traces.find((t) => (t.spans as unknown[]).length === 2);
      expect({ service: s, whole: whole !== undefined }).toEqual({ service: s, whole: true });
      const process = whole.processes[whole.spans[0].processID] as { serviceName: string; tags: { key: string; value: string }[] };
      expect(process.serviceName).toBe(s);
      expect(process.tags).toEqual(expect.arrayContaining([{ key: 'deployment.environment', type: 'string', value: 'local' }]));
    }
  }, 70_000);

  test('every panel of every dashboard returns data', async () => {
    const empty: string[] = [];
    for (const d of loadModel(repo, loadEnvironment('local')).dashboards)
      for (const p of d.panels)
        for (const q of p.queries) if ((await promQuery(grafanaToPromql(q))).length === 0) empty.push(`${d.file} "${p.title}": ${q}`);
    expect(empty).toEqual([]);
  }, 60_000);

  test('npm run verify passes: jobs up, every catalog metric, every dashboard query has data, rules loaded, Alertmanager answers', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/verify.ts',
        '--prometheus',
        `http://127.0.0.1:${ports.prometheus}`,
        '--alertmanager',
        `http://127.0.0.1:${ports.alertmanager}`,
        '--env',
        'local',
      ],
      { cwd: repo, encoding: 'utf8', timeout: 90_000 },
    );
    expect(r.stdout).toMatch(/verify: \d+ passed, 0 failed/);
    expect(r.status).toBe(0);
  }, 100_000);

  test('stopping one emitter turns its up to 0 and leaves the others at 1', async () => {
    stop('signal-generator');
    const up = await until(
      'signal-generator down',
      async () => {
        const u = await upByJob();
        return u['signal-generator'] === '0' ? u : undefined;
      },
      60_000,
    );
    expect(up).toMatchObject({ backend: '1', 'celery-worker': '1', 'trigger-dispatcher': '1', 'signal-generator': '0' });
  }, 70_000);

  // What `npm run bench -- --alert-latency` times, checked for correctness only: the page arrives.
  test('the stopped service pages: ServiceDown reaches the critical receiver at the alert sink', async () => {
    const line = await until(
      'ServiceDown at the alert sink',
      async () => stack.sinkLines.find((l) => /^critical: \[FIRING\] ServiceDown \(critical, signal-generator\)/.test(l.text))?.text,
      180_000,
    );
    expect(line).toContain('Service signal-generator is down');
  }, 190_000);
});
