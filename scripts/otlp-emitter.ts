/**
 * The OTLP emitter: a stand-in for one task of one of the platform's services
 * as its OpenTelemetry SDK sends to the collector, with the resource the
 * platform's Python services set (seed 7: `service.name`,
 * `service.namespace`, `service.instance.id`): a trace per tick (a server
 * span and a child span) and one counter, `demo_otlp_pushes_total`, pushed
 * over OTLP/HTTP with the OpenTelemetry JS SDK.
 *
 *   node --import tsx scripts/otlp-emitter.ts --service backend --otlp http://127.0.0.1:4318 [--instance-id task-1] [--tick-ms 1000]
 *
 * Without `--instance-id` the resource has no `service.instance.id` (a
 * service that does not set it): the collector gives it the sender's address.
 * In the local bundle it is plain JavaScript like demo-emitter.js.
 */
import { metrics, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parseCli } from './cli-args';

/** The platform's OpenTelemetry namespace (seed 7). */
export const SERVICE_NAMESPACE = 'trading-platform';
/** The counter each tick increments (`_total` is added by the remote-write translation). */
export const PUSHED_COUNTER = 'demo_otlp_pushes';

/** The span names a service's traces carry: a server span and the work under it. */
const SPANS: Record<string, [string, string]> = {
  backend: ['GET /api/pipelines', 'SELECT pipelines'],
  'celery-worker': ['run pipeline', 'call agent'],
  'signal-generator': ['generate signals', 'publish signal'],
  'trigger-dispatcher': ['dispatch trigger', 'enqueue execution'],
};

export interface OtlpEmitterOptions {
  readonly service: string;
  /** OTLP/HTTP base URL (the SDK posts to /v1/metrics and /v1/traces under it). */
  readonly otlp: string;
  /** service.instance.id; none when undefined. */
  readonly instanceId?: string;
  readonly tickMs: number;
}

export function startOtlpEmitter(o: OtlpEmitterOptions): { stop: () => Promise<void> } {
  const resource = resourceFromAttributes({
    'service.name': o.service,
    'service.namespace': SERVICE_NAMESPACE,
    ...(o.instanceId ? { 'service.instance.id': o.instanceId } : {}),
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${o.otlp}/v1/metrics` }),
        exportIntervalMillis: o.tickMs,
      }),
    ],
  });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${o.otlp}/v1/traces` }), scheduledDelayMillis: o.tickMs }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  const counter = meterProvider.getMeter(`otlp-${o.service}`).createCounter(PUSHED_COUNTER, { description: 'Ticks of the OTLP emitter' });
  const tracer = tracerProvider.getTracer(`otlp-${o.service}`);
  const [root, child] = SPANS[o.service] ?? [`${o.service} request`, `${o.service} work`];
  const tick = () => {
    counter.add(1);
    // The parent is passed explicitly: no context manager is registered in a plain node process.
    const span = tracer.startSpan(root, { kind: SpanKind.SERVER, attributes: { pipeline_id: 'p-momentum' } });
    tracer.startSpan(child, { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, span)).end();
    span.end();
  };
  tick();
  const timer = setInterval(tick, o.tickMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}

let started = false;
export function main(argv: string[] = process.argv.slice(2)): void {
  if (started) return;
  started = true;
  const usage = 'usage: otlp-emitter --service NAME --otlp http://HOST:4318 [--instance-id ID] [--tick-ms 1000]';
  const { values } = parseCli('otlp-emitter', usage, {
    args: argv,
    options: {
      service: { type: 'string' },
      otlp: { type: 'string' },
      'instance-id': { type: 'string' },
      'tick-ms': { type: 'string', default: '1000' },
    },
  });
  if (!values.service || !values.otlp) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const emitter = startOtlpEmitter({
    service: values.service,
    otlp: values.otlp.replace(/\/$/, ''),
    instanceId: values['instance-id'],
    tickMs: Number(values['tick-ms']),
  });
  console.log(`otlp emitter: ${values.service} -> ${values.otlp}`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void emitter.stop().then(() => process.exit(0)));
}

if (require.main === module) main();
