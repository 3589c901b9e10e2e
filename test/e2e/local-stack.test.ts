/**
 * The local stack, end to end, without Docker: the bundle rendered with
 * loopback endpoints, Debian's prometheus and prometheus-alertmanager, the
 * demo emitter as the four services (and as the collector's own telemetry),
 * and a Prometheus in agent mode running the collector's scrape configuration
 * (the ADOT image needs Docker) and remote-writing like the collector does.
 * Every process it starts is stopped, also on failure.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel } from '../../lib/model/model';
import { loadRouting } from '../../lib/model/routing';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { writeBundle } from '../../lib/render/write-bundle';

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

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const p = spawn(cmd, args, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const received: Record<string, any[]> = {};
  let sink: http.Server;
  let bundleDir = '';

  const promQuery = async (q: string) => {
    const r = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(q)}`);
    return ((await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
  };
  const upByJob = async () => Object.fromEntries((await promQuery('up')).map((r) => [r.metric.job, r.value[1]]));

  beforeAll(async () => {
    for (const n of ['prometheus', 'agent', 'alertmanager', 'alertmanagerCluster', 'sink', 'collectorSelf', ...services])
      ports[n] = await freePort();
    sink = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const receiver = (req.url ?? '/').slice(1);
        (received[receiver] ??= []).push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => sink.listen(ports.sink, '127.0.0.1', r));

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

    const emitterEnv = { EMITTER_HOST: '127.0.0.1' };
    for (const s of services)
      start(
        s,
        process.execPath,
        ['--import', 'tsx', 'scripts/demo-emitter.ts', '--service', s, '--port', String(ports[s]), '--tick-ms', '500'],
        emitterEnv,
      );
    start(
      'otel-collector-self',
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/demo-emitter.ts',
        '--service',
        'otel-collector',
        '--port',
        String(ports.collectorSelf),
        '--tick-ms',
        '500',
      ],
      emitterEnv,
    );
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
    await new Promise<void>((r) => sink?.close(() => r()) ?? r());
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

  test('the Watchdog reaches the local receiver of its route, as amtool routes it', async () => {
    const notification = await until('Watchdog webhook', async () => received.watchdog?.[0], 120_000);
    expect(notification.receiver).toBe('watchdog');
    expect(notification.alerts[0].labels).toMatchObject({ alertname: 'Watchdog', severity: 'info', service: 'observability' });
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
    expect(Object.keys(received)).not.toContain('info'); // only its own receiver
  }, 130_000);

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
