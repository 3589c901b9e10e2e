/**
 * The demo emitter: a stand-in for one of the platform's services (or the
 * collector's own telemetry), exposing every metric the catalog lists for it
 * on `/metrics` with the OpenTelemetry JS SDK's Prometheus exporter, with
 * realistic, moving values.
 *
 *   node --import tsx scripts/demo-emitter.ts --service backend [--port 8001] [--tick-ms 1000]
 *
 * In the local bundle it is plain JavaScript (bundled with esbuild at render
 * time) reading the catalog from a JSON file, so no node_modules is needed:
 *
 *   node demo-emitter.js --catalog metrics.json --service backend --port 8001
 *
 * The catalog file is a JSON array of metrics; besides the catalog's fields a
 * metric may fix its label values (`labelValues`) or its value (`value`), as
 * the end-to-end test does to imitate the collector's own telemetry.
 */
import { metrics, type Attributes } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import * as fs from 'fs';
import * as path from 'path';
import { CATALOG_FILE, MetricDefinition, parseCatalog } from '../lib/model/metric-catalog';
import { parseCli } from './cli-args';

/** A metric to emit: the catalog's fields, optionally with fixed label values or a fixed value. */
export type EmittedMetric = Pick<MetricDefinition, 'name' | 'type' | 'unit' | 'description' | 'labels' | 'services' | 'buckets'> & {
  readonly labelValues?: Readonly<Record<string, readonly string[]>>;
  readonly value?: number;
};

/** Plausible label values per label name (low cardinality on purpose: seed 9.2). */
const VALUES: Record<string, string[]> = {
  status: ['completed', 'failed', 'running', 'pending'],
  pipeline_id: ['p-momentum', 'p-breakout', 'p-mean-revert', 'p-news'],
  trigger_mode: ['signal', 'periodic'],
  agent_type: ['analyst', 'risk', 'executor'],
  signal_type: ['momentum', 'breakout', 'volume_spike'],
  source: ['binance', 'coinbase'],
  generator: ['technical', 'sentiment'],
  topic: ['signals'],
  error: ['timeout', 'broker_unavailable'],
  consumer_group: ['trigger-dispatcher'],
  http_request_method: ['GET', 'POST'],
  http_route: ['/api/pipelines', '/api/executions', '/health'],
  http_response_status_code: ['200', '201', '500'],
  db_operation_name: ['SELECT', 'INSERT', 'UPDATE'],
  state: ['idle', 'used'],
  command: ['GET', 'SET', 'EXPIRE'],
  receiver: ['prometheus', 'prometheus/self', 'otlp'],
  transport: ['http', 'grpc'],
  exporter: ['prometheus_remote_write/scraped', 'prometheus_remote_write/pushed'],
  data_type: ['metrics'],
};

/** The histogram buckets the emitter (and the query-cost backfill) uses: the catalog's. */
export function bucketBoundaries(m: Pick<EmittedMetric, 'buckets'>): number[] {
  return [...(m.buckets ?? [])];
}

/** Each metric's typical magnitude: seconds for durations, dollars for cost, counts otherwise. */
export function sample(m: EmittedMetric, t: number): number {
  if (m.value !== undefined) return m.value;
  const wave = 1 + 0.5 * Math.sin(t / 20);
  if (m.unit === 's') {
    const base = m.name.startsWith('pipeline_execution')
      ? 40
      : m.name.startsWith('pipeline_agent')
        ? 8
        : m.name.startsWith('batch')
          ? 0.4
          : 0.05;
    return base * wave * (0.5 + Math.random());
  }
  if (m.unit === 'USD') return 0.02 + Math.random() * 0.1;
  if (m.unit === 'percent') return 95 + 4 * Math.sin(t / 30);
  return Math.max(0, Math.round(10 * wave + Math.random() * 5));
}

/**
 * The values a label takes. Without `fraction`, the plausible values above
 * (at most the declared count: a small demo). With it, that fraction of the
 * catalog's declared cardinality (`labels: { pipeline_id: 200 }`), never
 * fewer than the plausible values (queries filter on them, e.g.
 * status="failed"), padded with `<label>-<i>`: 1 is the catalog's full
 * cardinality, which the query-cost benchmark measures a stated fraction of.
 */
export function labelValues(label: string, declared: number, fraction?: number): string[] {
  const known = VALUES[label] ?? ['a', 'b'];
  if (fraction === undefined) return known.slice(0, declared);
  const n = Math.min(declared, Math.max(Math.min(known.length, declared), Math.ceil(declared * fraction)));
  return Array.from({ length: n }, (_, i) => known[i] ?? `${label}-${i}`);
}

export function labelSets(m: EmittedMetric, fraction?: number): Attributes[] {
  let sets: Attributes[] = [{}];
  for (const label of Object.keys(m.labels)) {
    const values = m.labelValues?.[label] ?? labelValues(label, m.labels[label], fraction);
    sets = sets.flatMap((s) => values.map((v) => ({ ...s, [label]: v })));
  }
  return sets;
}

/**
 * How failures are emitted: `sometimes` (the default: rare, as in a live
 * platform), `never` (a healthy platform: no alert fires on failures, the
 * baseline of `npm run bench -- --alert-latency`) or `storm` (5 per tick on
 * every failure series, far above every failure threshold: the fault that
 * benchmark injects by sending the process SIGUSR1).
 */
export type FailureMode = 'sometimes' | 'never' | 'storm';
let failures: FailureMode = 'sometimes';

/** How often an increment applies to a label set: failures are rare, completions common. */
function increment(attrs: Attributes, name: string): number {
  if (attrs.status === 'failed' || attrs.error || name.includes('failure') || name.includes('failed') || name.includes('refused'))
    return failures === 'storm' ? 5 : failures === 'never' ? 0 : Math.random() < 0.1 ? 1 : 0;
  if (attrs.http_response_status_code === '500') return Math.random() < 0.05 ? 1 : 0;
  if (name.includes('skipped')) return Math.random() < 0.3 ? 1 : 0;
  return 1 + Math.floor(Math.random() * 3);
}

export function startEmitter(
  service: string,
  port: number,
  tickMs: number,
  metricsOf: readonly EmittedMetric[] = parseCatalog(CATALOG_FILE, fs.readFileSync(path.resolve(__dirname, '..', CATALOG_FILE), 'utf8'))
    .metrics,
  cardinalityFraction?: number,
): { stop: () => Promise<void> } {
  const mine = metricsOf.filter((m) => m.services.includes(service));
  if (mine.length === 0) throw new Error(`no catalog metric is emitted by "${service}"`);
  const exporter = new PrometheusExporter({ port, host: process.env.EMITTER_HOST ?? '0.0.0.0', endpoint: '/metrics' });
  const provider = new MeterProvider({ readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  const meter = provider.getMeter(`demo-${service}`);
  const t0 = Date.now();
  const ticks: (() => void)[] = [];

  for (const m of mine) {
    const sets = labelSets(m, cardinalityFraction);
    if (m.type === 'gauge') {
      meter.createObservableGauge(m.name, { description: m.description }).addCallback((result) => {
        const t = (Date.now() - t0) / 1000;
        for (const attrs of sets) result.observe(sample(m, t), attrs);
      });
    } else if (m.type === 'counter') {
      // The exporter adds `_total` to counters; the catalog's name already has it.
      const counter = meter.createCounter(m.name.replace(/_total$/, ''), { description: m.description });
      for (const attrs of sets) counter.add(0, attrs); // every series exists from the start
      ticks.push(() => sets.forEach((attrs) => counter.add(increment(attrs, m.name), attrs)));
    } else {
      const histogram = meter.createHistogram(m.name, {
        description: m.description,
        // Exactly the boundaries the catalog declares, so the SLIs and `le` matchers synth checks select series here too.
        advice: { explicitBucketBoundaries: bucketBoundaries(m) },
      });
      ticks.push(() => {
        const t = (Date.now() - t0) / 1000;
        for (const attrs of sets) histogram.record(sample(m, t), attrs);
      });
    }
  }
  const timer = setInterval(() => ticks.forEach((f) => f()), tickMs);
  ticks.forEach((f) => f());
  return {
    stop: async () => {
      clearInterval(timer);
      await provider.shutdown();
    },
  };
}

let started = false;
export function main(argv: string[] = process.argv.slice(2)): void {
  if (started) return;
  started = true;
  const usage =
    'usage: demo-emitter --service backend|celery-worker|signal-generator|trigger-dispatcher|otel-collector [--catalog metrics.json] [--port 8001] [--tick-ms 1000] [--failures sometimes|never|storm] [--cardinality FRACTION-OF-THE-CATALOG]';
  const { values } = parseCli('demo-emitter', usage, {
    args: argv,
    options: {
      service: { type: 'string' },
      catalog: { type: 'string' },
      port: { type: 'string', default: '8001' },
      'tick-ms': { type: 'string', default: '1000' },
      failures: { type: 'string', default: 'sometimes' },
      cardinality: { type: 'string' },
    },
  });
  const service = values.service ?? process.env.SERVICE;
  if (!service) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const catalogFile = values.catalog;
  const metricsOf = catalogFile ? (JSON.parse(fs.readFileSync(catalogFile, 'utf8')) as EmittedMetric[]) : undefined;
  const port = Number(values.port);
  const mode = values.failures as FailureMode;
  if (!['sometimes', 'never', 'storm'].includes(mode)) {
    process.stderr.write(`demo-emitter: --failures must be sometimes, never or storm, not "${mode}"\n`);
    process.exit(2);
  }
  failures = mode;
  // The injected fault: from now on, every failure series climbs fast.
  process.on('SIGUSR1', () => (failures = 'storm'));
  const fraction = values.cardinality;
  const emitter = startEmitter(service, port, Number(values['tick-ms']), metricsOf, fraction === undefined ? undefined : Number(fraction));
  // structlog-style JSON, as the services' lines (locally the collector ships this container's log to Loki as its service's).
  console.log(
    JSON.stringify({ event: 'demo_emitter_started', service, port, path: '/metrics', level: 'info', timestamp: new Date().toISOString() }),
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void emitter.stop().then(() => process.exit(0)));
}

if (require.main === module) main();
