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
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel } from '../../lib/model/model';
import { loadRouting } from '../../lib/model/routing';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { writeBundle } from '../../lib/render/write-bundle';
import type { EmittedMetric } from '../../scripts/demo-emitter';
import { grafanaToPromql } from '../../scripts/verify';
import { COLLECTOR_METRICS, CONTRACT_LABEL_VALUES } from '../contracts/otelcol';

const repo = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-e2e-'));
const procs = new Map<string, ChildProcess>();
const logs: Record<string, string> = {};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = repo): void {
  const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  logs[name] = '';
  p.stdout?.on('data', (d) => (logs[name] = (logs[name] + d).slice(-4000)));
  p.stderr?.on('data', (d) => (logs[name] = (logs[name] + d).slice(-4000)));
  procs.set(name, p);
}

function stop(name: string): void {
  procs.get(name)?.kill('SIGKILL');
  procs.delete(name);
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(
    `timed out waiting for ${what} (${String(last ?? '')})\n${Object.entries(logs)
      .map(([k, v]) => `--- ${k}\n${v.slice(-800)}`)
      .join('\n')}`,
  );
}

describe('local stack, end to end on loopback', () => {
  const services = ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher'];
  const ports: Record<string, number> = {};
  let bundleDir = '';
  let nodeDir = '';

  const promQuery = async (q: string) => {
    const r = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(q)}`);
    return ((await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
  };
  const upByJob = async () => Object.fromEntries((await promQuery('up')).map((r) => [r.metric.job, r.value[1]]));

  beforeAll(async () => {
    for (const n of ['prometheus', 'agent', 'alertmanager', 'alertmanagerCluster', 'sink', 'collectorSelf', ...services])
      ports[n] = await freePort();
    // The local environment, scraped every 5 s so the test stays short.
    const environment = { ...loadEnvironment('local'), scrapeIntervalSeconds: 5 };
    const model = loadModel(repo, environment);
    bundleDir = path.join(dir, 'bundle');
    writeBundle(
      bundleDir,
      renderLocalBundle(model, loadRouting(repo), {
        prometheusRemoteWriteUrl: `http://127.0.0.1:${ports.prometheus}/api/v1/write`,
        alertmanager: `127.0.0.1:${ports.alertmanager}`,
        webhookBaseUrl: `http://127.0.0.1:${ports.sink}`,
        targets: Object.fromEntries(services.map((s) => [s, `127.0.0.1:${ports[s]}`])),
        collectorSelfTarget: `127.0.0.1:${ports.collectorSelf}`,
        templatesDir: path.join(dir, 'bundle/monitoring/alertmanager/templates'),
      }),
    );
    // The collector's scrape jobs, run by Prometheus in agent mode, remote-writing as the collector does.
    const collector = parse(fs.readFileSync(path.join(bundleDir, 'monitoring/otel-collector.yaml'), 'utf8'));
    fs.writeFileSync(
      path.join(dir, 'agent.yml'),
      stringify({
        global: collector.receivers.prometheus.config.global,
        scrape_configs: [
          ...collector.receivers.prometheus.config.scrape_configs,
          ...collector.receivers['prometheus/self'].config.scrape_configs,
        ],
        remote_write: [{ url: collector.exporters['prometheusremotewrite/scraped'].endpoint }],
      }),
    );

    // The bundle's programs, copied alone into a folder without node_modules, run with plain node as the node image runs them.
    nodeDir = path.join(dir, 'node-only');
    fs.cpSync(path.join(bundleDir, 'monitoring/node'), nodeDir, { recursive: true });
    // The collector's own telemetry as a healthy collector has it: the contract's names and labels, without the
    // metrics it records only after a failure; a queue capacity that is constant, as the collector's is.
    const collectorSelf: EmittedMetric[] = COLLECTOR_METRICS.filter((m) => m.presence === 'always').map((m) => ({
      name: m.name,
      type: m.type,
      unit: '1',
      description: m.source,
      services: ['otel-collector'],
      labels: Object.fromEntries(m.labels.map((l) => [l, CONTRACT_LABEL_VALUES[l].length])),
      labelValues: Object.fromEntries(m.labels.map((l) => [l, CONTRACT_LABEL_VALUES[l]])),
      ...(m.name === 'otelcol_exporter_queue_capacity' ? { value: 10_000 } : {}),
    }));
    fs.writeFileSync(path.join(nodeDir, 'otelcol-contract.json'), JSON.stringify(collectorSelf));

    const emitterEnv = { EMITTER_HOST: '127.0.0.1' };
    const node = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => start(name, process.execPath, args, env, nodeDir);
    for (const s of services)
      node(s, ['demo-emitter.js', '--catalog', 'metrics.json', '--service', s, '--port', String(ports[s]), '--tick-ms', '500'], emitterEnv);
    node(
      'otel-collector-self',
      [
        'demo-emitter.js',
        '--catalog',
        'otelcol-contract.json',
        '--service',
        'otel-collector',
        '--port',
        String(ports.collectorSelf),
        '--tick-ms',
        '500',
      ],
      emitterEnv,
    );
    node('sink', ['alert-sink.js', '--host', '127.0.0.1', '--port', String(ports.sink)]);
    start('alertmanager', 'prometheus-alertmanager', [
      `--config.file=${path.join(bundleDir, 'monitoring/alertmanager/alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
      `--cluster.listen-address=`,
    ]);
    start('prometheus', 'prometheus', [
      `--config.file=${path.join(bundleDir, 'monitoring/prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      '--web.enable-remote-write-receiver',
    ]);
    start('agent', 'prometheus', [
      '--enable-feature=agent',
      `--config.file=${path.join(dir, 'agent.yml')}`,
      `--storage.agent.path=${path.join(dir, 'agent-data')}`,
      `--web.listen-address=127.0.0.1:${ports.agent}`,
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const name of [...procs.keys()]) stop(name);
    fs.rmSync(dir, { recursive: true, force: true });
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
});
