/**
 * The local stack, end to end, without Docker: the bundle rendered with
 * loopback endpoints, Debian's prometheus and prometheus-alertmanager, the
 * bundle's own demo emitter and alert sink run with plain `node` (as the node
 * image runs them: no tsx, no node_modules beside them), the emitter as the
 * four services and as the collector's own telemetry shaped by the contract
 * (test/contracts/otelcol.ts: names, labels, and the metrics a healthy
 * collector does not have), and a Prometheus in agent mode running the
 * collector's scrape configuration (the ADOT image needs Docker) and
 * remote-writing like the collector does.
 * Every process it starts is stopped, also on failure.
 *
 * Version gap: Debian ships Prometheus 2.42 and Alertmanager 0.25, the compose
 * file runs 3.x and 0.34 (README, "Run locally"); what differs for rule files
 * is kept out of them by test/model/prometheus-versions.test.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel } from '../../lib/load/load-model';
import { NativeStack, SERVICES } from '../../scripts/bench/native-stack';
import { grafanaToPromql } from '../../scripts/verify';
import { CONTRACT_LABEL_VALUES } from '../contracts/otelcol';

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
    for (const name of [...services, 'otel-collector-self', 'sink']) {
      const p = procs.get(name);
      expect({ name, args: p?.spawnargs.slice(1, 2) }).toEqual({ name, args: [name === 'sink' ? 'alert-sink.js' : 'demo-emitter.js'] });
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

  test("the collector series are shaped like the real collector's: contract labels, no failure-only metrics", async () => {
    const fill = await promQuery('otelcol_exporter_queue_size / otelcol_exporter_queue_capacity');
    expect(fill.length).toBe(CONTRACT_LABEL_VALUES.exporter.length); // one to one: same labels on both sides
    const size = await promQuery('otelcol_exporter_queue_size');
    for (const r of size)
      expect(
        Object.keys(r.metric)
          .filter((l) => !['__name__', 'job', 'instance'].includes(l) && !l.startsWith('otel_scope_'))
          .sort(),
      ).toEqual(['data_type', 'exporter']);
    expect(await promQuery('otelcol_exporter_enqueue_failed_metric_points_total')).toEqual([]);
    expect(await promQuery('otelcol_exporter_send_failed_metric_points_total')).toEqual([]);
  });

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
