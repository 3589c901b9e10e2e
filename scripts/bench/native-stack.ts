/**
 * The local stack without Docker, shared by the end-to-end test
 * (test/e2e/local-stack.test.ts) and the time-to-page benchmark
 * (`npm run bench -- --alert-latency`): the bundle rendered with loopback
 * endpoints, run by the real programs built by `bash tools/build.sh`
 * (scripts/real-tools.ts): the collector with ADOT's components reading the
 * bundle's own collector configuration with the task's flags, Prometheus
 * 3.14.0 and Alertmanager 0.34.0 (the versions the compose file pins), and
 * Jaeger v2; the bundle's demo emitters (scraped by the collector) and OTLP
 * emitters (pushing metrics and traces to it) and alert sink run with plain
 * `node` (as the node image runs them: no tsx, no node_modules beside them).
 * Only the listen ports differ from the bundle: each is a free loopback port.
 */
import { pollUntil } from '../poll-until';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { collectorFlags } from '../../lib/render/collector-image';
import { compile } from '../../lib/compile/compile';
import { readEnvironment, readProject } from '../../lib/io/read-project';
import { ObservabilityModel } from '../../lib/model/model';
import { renderLocalBundle, TRACE_CHAIN } from '../../lib/render/local-bundle';
import { writeBundle } from '../../lib/io/write-bundle';
import type { FailureMode } from '../demo-emitter';
import { realTool } from '../real-tools';
import { freePorts } from '../free-ports';
import { sendHttp } from '../../lib/http/http-client';
import { bundleLocalPrograms } from '../local-programs';

/** The listen addresses of a collector configuration, the only part the harness changes. */
interface ListenerConfig {
  extensions: { health_check: { endpoint: string } };
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
  service: { telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: string; port: number } } } }] } } };
}

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
  /** Where the collector remote-writes, given the stack's ports (e.g. a proxy in front of Prometheus). @default Prometheus's receiver */
  readonly remoteWriteUrl?: (ports: Readonly<Record<string, number>>) => string;
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
  /** The last 4,000 characters each process printed (the collector: all of it). */
  readonly logs: Record<string, string> = {};
  /** Every line the alert sink printed, timed on arrival. */
  readonly sinkLines: TimedLine[] = [];
  model!: ObservabilityModel;

  constructor(private readonly options: NativeStackOptions) {}

  private spawnProcess(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = this.options.repo): void {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.logs[name] = '';
    // The collector's whole log is kept: the tests read every warning it prints.
    const keep = name === 'collector' ? 2_000_000 : 4000;
    let partial = '';
    p.stdout?.on('data', (d) => {
      this.logs[name] = (this.logs[name] + d).slice(-keep);
      if (name !== 'sink') return;
      const at = Date.now();
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) this.sinkLines.push({ at, text });
    });
    p.stderr?.on('data', (d) => (this.logs[name] = (this.logs[name] + d).slice(-keep)));
    this.procs.set(name, p);
  }

  /** Renders the bundle and starts every process; returns once they are started (not yet scraped). */
  async start(): Promise<void> {
    const { repo } = this.options;
    const names = [
      'prometheus',
      'alertmanager',
      'sink',
      'collectorGrpc',
      'collectorHttp',
      'collectorHealth',
      'collectorSelf',
      'jaegerOtlp',
      'jaegerQuery',
      'jaegerQueryGrpc',
      'jaegerHealth',
      // Nothing listens there: the logs pipeline reads an empty folder of container logs, so it sends nothing.
      'loki',
      // Where the signal generator's and the dispatcher's OTLP emitters serve what they publish (the stand-in brokers).
      ...Object.values(TRACE_CHAIN).map((producer) => `messages-${producer}`),
      ...SERVICES,
    ];
    const ports = await freePorts(names.length);
    names.forEach((n, i) => (this.ports[n] = ports[i]));
    const environment = { ...readEnvironment('local', repo), ...this.options.environment };
    this.model = compile(readProject(repo), environment);
    writeBundle(
      this.bundleDir,
      renderLocalBundle(this.model, bundleLocalPrograms(), {
        prometheusRemoteWriteUrl: this.remoteWriteUrl,
        jaegerEndpoint: `127.0.0.1:${this.ports.jaegerOtlp}`,
        alertmanager: `127.0.0.1:${this.ports.alertmanager}`,
        webhookBaseUrl: `http://127.0.0.1:${this.ports.sink}`,
        targets: Object.fromEntries(SERVICES.map((s) => [s, `127.0.0.1:${this.ports[s]}`])),
        collectorSelfTarget: `127.0.0.1:${this.ports.collectorSelf}`,
        templatesDir: path.join(this.bundleDir, 'monitoring/alertmanager/templates'),
        // No Docker here: the collector's logs pipeline reads this (empty) folder, never the machine's engine's.
        containerLogs: path.join(this.dir, 'containers/*/*-json.log'),
        lokiOtlpUrl: `http://127.0.0.1:${this.ports.loki}/otlp`,
      }),
    );
    fs.writeFileSync(this.collectorConfig, stringify(this.withLoopbackListeners(this.bundledCollectorConfig())));
    fs.writeFileSync(path.join(this.dir, 'jaeger.yaml'), stringify(this.jaegerConfig()));
    fs.cpSync(path.join(this.bundleDir, 'monitoring/node'), this.nodeDir, { recursive: true });

    for (const s of SERVICES) this.startService(s);
    // Each service's SDK as a task sends it: one task with its service.instance.id, and (backend) a second
    // task that sets none, which the collector names by its address. Trace context goes from the signal
    // generator's Kafka publish to the dispatcher, and from the dispatcher's Celery enqueue to the worker.
    for (const s of SERVICES) this.startOtlpEmitter(s, `${s}-task-1`);
    this.startOtlpEmitter('backend', undefined, 'otlp-backend-no-id');
    this.node('sink', ['alert-sink.js', '--host', '127.0.0.1', '--port', String(this.ports.sink)]);
    this.spawnProcess('alertmanager', realTool('alertmanager'), [
      `--config.file=${this.alertmanagerConfig}`,
      `--storage.path=${path.join(this.dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${this.ports.alertmanager}`,
      `--cluster.listen-address=`,
    ]);
    this.startPrometheus();
    this.spawnProcess('jaeger', realTool('jaeger'), [`--config=${path.join(this.dir, 'jaeger.yaml')}`]);
    this.startCollector();
  }

  /** Where the collector remote-writes: the local Prometheus's receiver. */
  get remoteWriteUrl(): string {
    return this.options.remoteWriteUrl?.(this.ports) ?? `http://127.0.0.1:${this.ports.prometheus}/api/v1/write`;
  }

  /** The collector configuration the bundle ships (monitoring/otel-collector.yaml), parsed. */
  bundledCollectorConfig(): ListenerConfig {
    return parse(fs.readFileSync(path.join(this.bundleDir, 'monitoring/otel-collector.yaml'), 'utf8')) as ListenerConfig;
  }

  /** The file the collector runs: the bundle's configuration with only its listen addresses moved to free loopback ports. */
  get collectorConfig(): string {
    return path.join(this.dir, 'otel-collector.yaml');
  }

  private withLoopbackListeners(cfg: ListenerConfig): ListenerConfig {
    const out = structuredClone(cfg);
    out.extensions.health_check.endpoint = `127.0.0.1:${this.ports.collectorHealth}`;
    out.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${this.ports.collectorGrpc}`;
    out.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${this.ports.collectorHttp}`;
    const pull = out.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
    pull.host = '127.0.0.1';
    pull.port = this.ports.collectorSelf;
    return out;
  }

  /** Jaeger v2 with in-memory storage, OTLP in and the query API out on loopback. */
  private jaegerConfig(): Record<string, unknown> {
    return {
      service: {
        extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
        pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
        telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
      },
      extensions: {
        jaeger_storage: { backends: { memstore: { memory: { max_traces: 100_000 } } } },
        jaeger_query: {
          storage: { traces: 'memstore' },
          http: { endpoint: `127.0.0.1:${this.ports.jaegerQuery}` },
          grpc: { endpoint: `127.0.0.1:${this.ports.jaegerQueryGrpc}` },
        },
        healthcheckv2: { use_v2: true, http: { endpoint: `127.0.0.1:${this.ports.jaegerHealth}` } },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${this.ports.jaegerOtlp}` } } } },
      processors: { batch: {} },
      exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
    };
  }

  private node(name: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
    this.spawnProcess(name, process.execPath, args, env, this.nodeDir);
  }

  private startOtlpEmitter(service: string, instanceId: string | undefined, name = `otlp-${service}`): void {
    const tick = String(this.options.tickMs ?? 500);
    // Only the first task of a service (the one with an id) is a link of the chain.
    const chained = instanceId !== undefined;
    const serves = chained && Object.values(TRACE_CHAIN).includes(service);
    const source = chained ? TRACE_CHAIN[service] : undefined;
    this.node(
      name,
      [
        'otlp-emitter.js',
        '--service',
        service,
        '--otlp',
        `http://127.0.0.1:${this.ports.collectorHttp}`,
        '--tick-ms',
        tick,
        ...(instanceId ? ['--instance-id', instanceId] : []),
        ...(serves ? ['--port', String(this.ports[`messages-${service}`])] : []),
        ...(source ? ['--consume-from', `http://127.0.0.1:${this.ports[`messages-${source}`]}`] : []),
      ],
      { EMITTER_HOST: '127.0.0.1' },
    );
  }

  /** Starts (or restarts) a service's demo emitter on its port: the same target, so a restart flips its `up`. */
  startService(s: string): void {
    const tick = String(this.options.tickMs ?? 500);
    const failures = this.options.failures ?? 'sometimes';
    this.node(
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
      { EMITTER_HOST: '127.0.0.1' },
    );
  }

  /** Starts (or restarts) Prometheus on its port and data folder. */
  startPrometheus(): void {
    this.spawnProcess('prometheus', realTool('prometheus'), [
      `--config.file=${path.join(this.bundleDir, 'monitoring/prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(this.dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${this.ports.prometheus}`,
      '--web.enable-remote-write-receiver',
    ]);
  }

  /** Starts (or restarts) the collector as the compose file runs it: its configuration file and the task's flags. */
  startCollector(): void {
    this.spawnProcess('collector', realTool('otelcol-adot'), [`--config=file:${this.collectorConfig}`, ...collectorFlags()]);
  }

  get alertmanagerConfig(): string {
    return path.join(this.bundleDir, 'monitoring/alertmanager/alertmanager.yml');
  }

  /** The pid of a running process (for its resident memory). */
  pid(name: string): number | undefined {
    return this.procs.get(name)?.pid;
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
