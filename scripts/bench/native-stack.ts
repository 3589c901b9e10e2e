/**
 * The local stack without Docker, shared by the end-to-end test
 * (test/e2e/local-stack.test.ts) and the time-to-page benchmark
 * (`npm run bench -- --alert-latency`): the bundle rendered with loopback
 * endpoints, Debian's prometheus and prometheus-alertmanager, the bundle's
 * own demo emitter and alert sink run with plain `node` (as the node image
 * runs them: no tsx, no node_modules beside them), the emitter as the four
 * services and as the collector's own telemetry shaped by the contract
 * (test/contracts/otelcol.ts: names, labels, and the metrics a healthy
 * collector does not have), and a Prometheus in agent mode running the
 * collector's scrape configuration (the ADOT image needs Docker) and
 * remote-writing like the collector does.
 *
 * Version gap: Debian ships Prometheus 2.42 and Alertmanager 0.25, the compose
 * file runs 3.x and 0.34 (README, "Run locally"); what differs for rule files
 * is kept out of them by test/model/prometheus-versions.test.ts.
 */
import { pollUntil } from '../poll-until';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel } from '../../lib/load/load-model';
import { ObservabilityModel } from '../../lib/model/model';
import { loadRouting } from '../../lib/model/routing';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { writeBundle } from '../../lib/render/write-bundle';
import { COLLECTOR_METRICS, CONTRACT_LABEL_VALUES } from '../../test/contracts/otelcol';
import type { EmittedMetric, FailureMode } from '../demo-emitter';
import { freePorts } from '../free-ports';
import { sendHttp } from '../../lib/http/http-client';

export const SERVICES = ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher'] as const;

export interface NativeStackOptions {
  /** The repository whose model is rendered. */
  readonly repo: string;
  /** Overrides of the local environment (e.g. a shorter scrape interval for a test). @default none */
  readonly environment?: Partial<EnvironmentConfig>;
  /** The emitters' tick. @default 500 */
  readonly tickMs?: number;
  /** The emitters' failures (scripts/demo-emitter.ts). @default 'sometimes' */
  readonly failures?: FailureMode;
}

/** One line a process printed, with the time it reached us. */
export interface TimedLine {
  readonly at: number;
  readonly text: string;
}

export class NativeStack {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-native-'));
  readonly bundleDir = path.join(this.dir, 'bundle');
  /** The bundle's programs, copied alone into a folder without node_modules. */
  readonly nodeDir = path.join(this.dir, 'node-only');
  readonly ports: Record<string, number> = {};
  readonly procs = new Map<string, ChildProcess>();
  /** The last 4,000 characters each process printed. */
  readonly logs: Record<string, string> = {};
  /** Every line the alert sink printed, timed on arrival. */
  readonly sinkLines: TimedLine[] = [];
  model!: ObservabilityModel;

  constructor(private readonly options: NativeStackOptions) {}

  private spawnProcess(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = this.options.repo): void {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.logs[name] = '';
    let partial = '';
    p.stdout?.on('data', (d) => {
      this.logs[name] = (this.logs[name] + d).slice(-4000);
      if (name !== 'sink') return;
      const at = Date.now();
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) this.sinkLines.push({ at, text });
    });
    p.stderr?.on('data', (d) => (this.logs[name] = (this.logs[name] + d).slice(-4000)));
    this.procs.set(name, p);
  }

  /** Renders the bundle and starts every process; returns once they are started (not yet scraped). */
  async start(): Promise<void> {
    const { repo } = this.options;
    const names = ['prometheus', 'agent', 'alertmanager', 'sink', 'collectorSelf', ...SERVICES];
    const ports = await freePorts(names.length);
    names.forEach((n, i) => (this.ports[n] = ports[i]));
    const environment = { ...loadEnvironment('local'), ...this.options.environment };
    this.model = loadModel(repo, environment);
    writeBundle(
      this.bundleDir,
      renderLocalBundle(this.model, loadRouting(repo), {
        prometheusRemoteWriteUrl: `http://127.0.0.1:${this.ports.prometheus}/api/v1/write`,
        alertmanager: `127.0.0.1:${this.ports.alertmanager}`,
        webhookBaseUrl: `http://127.0.0.1:${this.ports.sink}`,
        targets: Object.fromEntries(SERVICES.map((s) => [s, `127.0.0.1:${this.ports[s]}`])),
        collectorSelfTarget: `127.0.0.1:${this.ports.collectorSelf}`,
        templatesDir: path.join(this.bundleDir, 'monitoring/alertmanager/templates'),
      }),
    );
    // The collector's scrape jobs, run by Prometheus in agent mode, remote-writing as the collector does.
    type PromConfig = { config: { global: unknown; scrape_configs: unknown[] } };
    const collector = parse(fs.readFileSync(path.join(this.bundleDir, 'monitoring/otel-collector.yaml'), 'utf8')) as {
      receivers: Record<string, PromConfig>;
      exporters: Record<string, { endpoint: string }>;
    };
    fs.writeFileSync(
      path.join(this.dir, 'agent.yml'),
      stringify({
        global: collector.receivers.prometheus.config.global,
        scrape_configs: [
          ...collector.receivers.prometheus.config.scrape_configs,
          ...collector.receivers['prometheus/self'].config.scrape_configs,
        ],
        remote_write: [{ url: collector.exporters['prometheusremotewrite/scraped'].endpoint }],
      }),
    );

    fs.cpSync(path.join(this.bundleDir, 'monitoring/node'), this.nodeDir, { recursive: true });
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
    fs.writeFileSync(path.join(this.nodeDir, 'otelcol-contract.json'), JSON.stringify(collectorSelf));

    const tick = String(this.options.tickMs ?? 500);
    const failures = this.options.failures ?? 'sometimes';
    const emitterEnv = { EMITTER_HOST: '127.0.0.1' };
    const node = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      this.spawnProcess(name, process.execPath, args, env, this.nodeDir);
    for (const s of SERVICES)
      node(
        s,
        [
          'demo-emitter.js',
          '--catalog',
          'metrics.json',
          '--service',
          s,
          '--port',
          String(this.ports[s]),
          '--tick-ms',
          tick,
          '--failures',
          failures,
        ],
        emitterEnv,
      );
    node(
      'otel-collector-self',
      [
        'demo-emitter.js',
        '--catalog',
        'otelcol-contract.json',
        '--service',
        'otel-collector',
        '--port',
        String(this.ports.collectorSelf),
        '--tick-ms',
        tick,
      ],
      emitterEnv,
    );
    node('sink', ['alert-sink.js', '--host', '127.0.0.1', '--port', String(this.ports.sink)]);
    this.spawnProcess('alertmanager', 'prometheus-alertmanager', [
      `--config.file=${this.alertmanagerConfig}`,
      `--storage.path=${path.join(this.dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${this.ports.alertmanager}`,
      `--cluster.listen-address=`,
    ]);
    this.spawnProcess('prometheus', 'prometheus', [
      `--config.file=${path.join(this.bundleDir, 'monitoring/prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(this.dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${this.ports.prometheus}`,
      '--web.enable-remote-write-receiver',
    ]);
    this.spawnProcess('agent', 'prometheus', [
      '--enable-feature=agent',
      `--config.file=${path.join(this.dir, 'agent.yml')}`,
      `--storage.agent.path=${path.join(this.dir, 'agent-data')}`,
      `--web.listen-address=127.0.0.1:${this.ports.agent}`,
    ]);
  }

  get alertmanagerConfig(): string {
    return path.join(this.bundleDir, 'monitoring/alertmanager/alertmanager.yml');
  }

  /** Kills one process (SIGKILL: a crash, not a shutdown). */
  kill(name: string): void {
    this.procs.get(name)?.kill('SIGKILL');
    this.procs.delete(name);
  }

  /** Sends a signal to one process (SIGUSR1 to an emitter: its failures storm). */
  signal(name: string, sig: NodeJS.Signals): void {
    this.procs.get(name)?.kill(sig);
  }

  /** Stops every process and removes the folder. */
  async stop(): Promise<void> {
    for (const name of [...this.procs.keys()]) this.kill(name);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async promQuery(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    // One attempt with a deadline: callers poll (until), so a slow or failed query is simply tried on the next round.
    const r = await sendHttp({
      method: 'GET',
      url: `http://127.0.0.1:${this.ports.prometheus}/api/v1/query?query=${encodeURIComponent(q)}`,
      timeoutMs: 10_000,
      retry: { attempts: 1 },
    });
    return (JSON.parse(r.text) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
  }

  async upByJob(): Promise<Record<string, string>> {
    return Object.fromEntries((await this.promQuery('up')).map((r) => [r.metric.job, r.value[1]]));
  }

  /** Polls `f` every second until it returns a value; on timeout, fails with every process's last output. */
  until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T> {
    const context = () =>
      Object.entries(this.logs)
        .map(([k, v]) => `--- ${k}\n${v.slice(-800)}`)
        .join('\n');
    return pollUntil(what, f, timeoutMs, { everyMs, context });
  }
}
