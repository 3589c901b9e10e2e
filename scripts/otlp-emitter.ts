/**
 * The OTLP emitter: a stand-in for one task of one of the platform's services
 * as its OpenTelemetry SDK sends to the collector, with the resource the
 * platform's services are given (lib/constructs/otel-service-settings.ts:
 * `service.name`, `deployment.environment`, `service.namespace`; plus
 * `service.instance.id`): one counter, `demo_otlp_pushes_total`, and each
 * tick the spans the service's instrumentation would make (`traceTick`),
 * pushed over OTLP/HTTP with the OpenTelemetry JS SDK.
 *
 *   node --import tsx scripts/otlp-emitter.ts --service backend --otlp http://127.0.0.1:4318 \
 *     [--instance-id task-1] [--environment local] [--tick-ms 1000] [--port 8092] [--consume-from http://HOST:8092]
 *
 * Trace context crosses services as the platform's brokers carry it: the
 * signal generator's Kafka publish and the dispatcher's Celery enqueue put a
 * W3C `traceparent` in the message headers, and the consumer's span is its
 * child. The brokers are stood in for by the emitters themselves: with
 * `--port` an emitter serves the messages it published (GET /messages?after=N,
 * and GET / for health checks); with `--consume-from` it polls another
 * emitter's. Without `--consume-from` a consumer makes its own root spans.
 *
 * Without `--instance-id` the resource has no `service.instance.id` (a
 * service that does not set it): the collector gives its metrics the
 * sender's address. In the local bundle it is plain JavaScript like demo-emitter.js.
 *
 * It also logs as the services do (seed 6.1: structlog's JSON, one object a line on stdout), a few events a
 * minute (`traceTick` logs inside its spans through `io.log`), each with the trace and span ids of the span it is logged in; locally the collector reads
 * them from Docker's log files and ships them to Loki.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import { Context, metrics, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parseCli } from './cli-args';

/** The platform's OpenTelemetry namespace (seed 7). */
export const SERVICE_NAMESPACE = 'trading-platform';
/** The counter each tick increments (`_total` is added by the remote-write translation). */
export const PUSHED_COUNTER = 'demo_otlp_pushes';

/** The Kafka topic the signal generator publishes to and the dispatcher's consumer group (demo-emitter's label values). */
export const SIGNALS_TOPIC = 'signals';
export const CONSUMER_GROUP = 'trigger-dispatcher';
/** The Celery task the dispatcher enqueues and the worker runs. */
export const CELERY_TASK = 'execute_pipeline';
/** The HTTP route backend's server span is named after. */
export const BACKEND_ROUTE = '/api/pipelines/{pipeline_id}';
/** The pipelines and agents spans name (low cardinality, as demo-emitter's labels). */
const PIPELINES = ['p-momentum', 'p-breakout', 'p-mean-revert', 'p-news'];
const AGENTS = ['analyst', 'risk', 'executor'];

/**
 * Attribute names, copied rather than imported as @opentelemetry/semantic-conventions asks of incubating ones
 * (its README, "Unstable semconv"); checked against its 1.45.0 declarations (stable_attributes.d.cts,
 * experimental_attributes.d.cts). HTTP and exception attributes are stable; messaging ones are incubating.
 */
export const ATTR = {
  httpRequestMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpResponseStatusCode: 'http.response.status_code',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  errorType: 'error.type',
  dbSystemName: 'db.system.name',
  dbOperationName: 'db.operation.name',
  dbCollectionName: 'db.collection.name',
  messagingSystem: 'messaging.system',
  messagingDestinationName: 'messaging.destination.name',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingConsumerGroupName: 'messaging.consumer.group.name',
  messagingMessageId: 'messaging.message.id',
  messagingKafkaMessageKey: 'messaging.kafka.message.key',
  /** opentelemetry-instrumentation-celery's own keys (_TASK_TAG_KEY, _TASK_NAME_KEY) and celery.state. */
  celeryAction: 'celery.action',
  celeryTaskName: 'celery.task_name',
  celeryState: 'celery.state',
  /** The platform's own key, as in its logs (seed 6.1); the awsxray exporter indexes it (collector-config.ts). */
  pipelineId: 'pipeline_id',
  agentType: 'agent_type',
} as const;

/**
 * Pseudonymous user ids, as the platform logs them: `u-` and 8 hex digits of a hash, never an email or a name
 * (the log analytics count ids and show nothing else of a person).
 */
export const DEMO_USERS: readonly string[] = Array.from(
  { length: 4 },
  (_, i) =>
    `u-${createHash('sha256')
      .update(`trading-observability demo user ${i + 1}`)
      .digest('hex')
      .slice(0, 8)}`,
);
/** Each demo pipeline's owner and trading mode (seed 6.1: `mode` is paper or live). */
export const PIPELINE_OWNERS: Readonly<Record<string, { readonly userId: string; readonly mode: 'paper' | 'live' }>> = Object.fromEntries(
  PIPELINES.map((p, i) => [p, { userId: DEMO_USERS[i % DEMO_USERS.length], mode: i === 0 ? 'live' : 'paper' }]),
);
/**
 * A service logs an event every LOG_EVERY ticks (4 a minute at the default 1 s tick; 15 and the failure period 10
 * share no tick, so these ticks never fail, and 15 ticks walk through all four pipelines); the worker's failed
 * execution every FAILED_EVERY ticks (a failing tick) and backend's critical event every CRITICAL_EVERY ticks (every
 * 5 minutes at 1 s).
 */
export const LOG_EVERY = 15;
export const FAILED_EVERY = 60;
export const CRITICAL_EVERY = 300;

/** One structlog-style log line's fields (seed 6.1): `event`, the event's own fields, `level`, `timestamp`, trace context. */
export type LogRecord = Readonly<Record<string, string | number>>;

/** The line a service prints for `event` inside `span`, at `nowMs`. */
export function logRecord(
  span: Span,
  event: string,
  level: 'debug' | 'info' | 'warning' | 'error' | 'critical',
  fields: Record<string, string | number>,
  nowMs: number,
): LogRecord {
  const c = span.spanContext();
  return { event, ...fields, level, timestamp: new Date(nowMs).toISOString(), trace_id: c.traceId, span_id: c.spanId };
}

/** A message as the stand-in broker carries it: the sender's span context in a W3C traceparent header. */
export interface Message {
  readonly offset: number;
  readonly headers: { readonly traceparent: string };
  readonly pipelineId: string;
}

/** What one tick of one service reads and writes besides its spans. */
export interface TickIo {
  /** Messages received since the last tick (consumers: dispatcher, worker). */
  readonly inbox: readonly Message[];
  /** Publishes a message carrying `traceparent` (producers: signal generator, dispatcher). */
  readonly publish: (m: Omit<Message, 'offset'>) => void;
  /** Whether a consumer without a source makes its own root spans (no --consume-from). */
  readonly standalone: boolean;
  /** Prints a log line (structlog's JSON on stdout). @default none: nothing is logged */
  readonly log?: (record: LogRecord) => void;
}

/** W3C Trace Context `traceparent` of a span (version 00): https://www.w3.org/TR/trace-context/#traceparent-header */
export function traceparent(span: Span): string {
  const c = span.spanContext();
  // trace-flags: two hex digits of the 8-bit field (only `sampled`, 0x01, is defined).
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The remote parent a consumer's span continues, from a `traceparent`; none when it does not parse. */
export function parentFrom(header: string | undefined): Context {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header ?? '');
  if (!m) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true });
}

/** Sets ERROR with an `exception` event, as the instrumentations' record_exception does. */
function fail(span: Span, type: string, message: string): void {
  span.recordException({ name: type, message, stack: `${type}: ${message}\n    at demo (otlp-emitter)` });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${type}: ${message}` });
}

/**
 * One tick's spans of `service`, as its instrumentation makes them (names and kinds: HTTP server spans
 * "{method} {http.route}", messaging spans "{operation} {destination}", Celery's "apply_async/{task}" PRODUCER and
 * "run/{task}" CONSUMER). Every `errorEvery`th tick fails: status ERROR and an `exception` event. Returns the spans'
 * count. Children are given their parent explicitly: no context manager is registered in a plain node process.
 */
export function traceTick(tracer: Tracer, service: string, tick: number, io: TickIo, errorEvery = 10): number {
  const failing = errorEvery > 0 && tick % errorEvery === errorEvery - 1;
  // A consumer fails every errorEvery-th message it processes (by the producer's offset), not on failing ticks: a
  // message may arrive on no failing tick at all (the producer's cadence and the ticks' phase), and then the service
  // would never fail. A standalone consumer (no producer: offset -1) fails on failing ticks.
  const messageFails = (m: { offset: number }, i: number) =>
    m.offset >= 0 ? errorEvery > 0 && m.offset % errorEvery === errorEvery - 1 : failing && i === 0;
  const pipelineId = PIPELINES[tick % PIPELINES.length];
  const now = Date.now();
  const under = (parent: Span) => trace.setSpan(ROOT_CONTEXT, parent);
  let spans = 0;
  const start = (name: string, kind: SpanKind, attributes: Record<string, string | number>, startMs: number, ctx = ROOT_CONTEXT) => {
    spans++;
    return tracer.startSpan(name, { kind, attributes, startTime: startMs }, ctx);
  };
  const logs = tick % LOG_EVERY === 0;
  const log = (span: Span, event: string, level: Parameters<typeof logRecord>[2], fields: Record<string, string | number>, atMs = now) =>
    io.log?.(logRecord(span, event, level, fields, atMs));
  const owner = (p: string) => ({
    user_id: PIPELINE_OWNERS[p]?.userId ?? DEMO_USERS[0],
    pipeline_id: p,
    mode: PIPELINE_OWNERS[p]?.mode ?? 'paper',
  });
  switch (service) {
    case 'backend': {
      const status = failing ? 500 : 200;
      const server = start(
        `GET ${BACKEND_ROUTE}`,
        SpanKind.SERVER,
        {
          [ATTR.httpRequestMethod]: 'GET',
          [ATTR.httpRoute]: BACKEND_ROUTE,
          [ATTR.urlPath]: `/api/pipelines/${pipelineId}`,
          [ATTR.urlScheme]: 'http',
          [ATTR.httpResponseStatusCode]: status,
          [ATTR.pipelineId]: pipelineId,
          ...(failing ? { [ATTR.errorType]: String(status) } : {}),
        },
        now - 40,
      );
      const db = start(
        'SELECT pipelines',
        SpanKind.CLIENT,
        { [ATTR.dbSystemName]: 'postgresql', [ATTR.dbOperationName]: 'SELECT', [ATTR.dbCollectionName]: 'pipelines' },
        now - 35,
        under(server),
      );
      if (failing) {
        fail(db, 'sqlalchemy.exc.OperationalError', 'connection to server was lost');
        fail(server, 'sqlalchemy.exc.OperationalError', 'connection to server was lost');
      }
      if (logs) log(server, 'pipeline_created', 'info', owner(pipelineId));
      if (tick % CRITICAL_EVERY === CRITICAL_EVERY - 1)
        log(server, 'database_unavailable', 'critical', { error: 'sqlalchemy.exc.OperationalError: connection to server was lost' });
      db.end(now - 10);
      server.end(now);
      break;
    }
    case 'signal-generator': {
      const generate = start('generate signals', SpanKind.INTERNAL, { generator: 'technical' }, now - 30);
      const send = start(
        `send ${SIGNALS_TOPIC}`,
        SpanKind.PRODUCER,
        {
          [ATTR.messagingSystem]: 'kafka',
          [ATTR.messagingDestinationName]: SIGNALS_TOPIC,
          [ATTR.messagingOperationType]: 'send',
          [ATTR.messagingOperationName]: 'send',
          [ATTR.messagingKafkaMessageKey]: pipelineId,
          ...(failing ? { [ATTR.errorType]: 'timeout' } : {}),
        },
        now - 12,
        under(generate),
      );
      if (failing) fail(send, 'kafka.errors.KafkaTimeoutError', 'Failed to update metadata after 60.0 secs');
      else io.publish({ headers: { traceparent: traceparent(send) }, pipelineId });
      if (logs) log(send, 'signal_generated', 'info', { pipeline_id: pipelineId, signal_type: 'momentum', topic: SIGNALS_TOPIC });
      send.end(now - 2);
      generate.end(now);
      break;
    }
    case 'trigger-dispatcher': {
      // One message processed per span (its creation context as parent: a single message's "process" span).
      const inbox = io.inbox.length > 0 ? io.inbox : io.standalone ? [{ offset: -1, headers: { traceparent: '' }, pipelineId }] : [];
      inbox.forEach((m, i) => {
        const process = start(
          `process ${SIGNALS_TOPIC}`,
          SpanKind.CONSUMER,
          {
            [ATTR.messagingSystem]: 'kafka',
            [ATTR.messagingDestinationName]: SIGNALS_TOPIC,
            [ATTR.messagingOperationType]: 'process',
            [ATTR.messagingOperationName]: 'process',
            [ATTR.messagingConsumerGroupName]: CONSUMER_GROUP,
            [ATTR.pipelineId]: m.pipelineId,
          },
          now - 20,
          parentFrom(m.headers.traceparent),
        );
        if (messageFails(m, i)) fail(process, 'ValueError', `no pipeline matches the signal for ${m.pipelineId}`);
        else {
          if (logs && i === 0) log(process, 'pipeline_triggered', 'info', { ...owner(m.pipelineId), trigger_mode: 'signal' });
          const enqueue = start(
            `apply_async/${CELERY_TASK}`,
            SpanKind.PRODUCER,
            {
              [ATTR.celeryAction]: 'apply_async',
              [ATTR.celeryTaskName]: CELERY_TASK,
              [ATTR.messagingMessageId]: `task-${tick}-${i}`,
              [ATTR.pipelineId]: m.pipelineId,
            },
            now - 8,
            under(process),
          );
          io.publish({ headers: { traceparent: traceparent(enqueue) }, pipelineId: m.pipelineId });
          enqueue.end(now - 3);
        }
        process.end(now);
      });
      break;
    }
    case 'celery-worker': {
      const inbox = io.inbox.length > 0 ? io.inbox : io.standalone ? [{ offset: -1, headers: { traceparent: '' }, pipelineId }] : [];
      inbox.forEach((m, i) => {
        const bad = messageFails(m, i);
        const run = start(
          `run/${CELERY_TASK}`,
          SpanKind.CONSUMER,
          {
            [ATTR.celeryAction]: 'run',
            [ATTR.celeryTaskName]: CELERY_TASK,
            [ATTR.celeryState]: bad ? 'FAILURE' : 'SUCCESS',
            [ATTR.messagingMessageId]: `task-${m.offset}`,
            [ATTR.pipelineId]: m.pipelineId,
          },
          now - 90,
          parentFrom(m.headers.traceparent),
        );
        AGENTS.forEach((agent, a) => {
          const span = start(
            `agent ${agent}`,
            SpanKind.INTERNAL,
            { [ATTR.agentType]: agent, [ATTR.pipelineId]: m.pipelineId },
            now - 85 + a * 25,
            under(run),
          );
          if (bad && a === AGENTS.length - 1) fail(span, 'AgentTimeoutError', `agent ${agent} did not answer within 30 s`);
          span.end(now - 65 + a * 25);
        });
        if (bad) fail(run, 'AgentTimeoutError', `agent ${AGENTS[AGENTS.length - 1]} did not answer within 30 s`);
        const failedLog = bad && tick % FAILED_EVERY === FAILED_EVERY - 1;
        if (i === 0 && (logs || failedLog)) {
          const execution = { ...owner(m.pipelineId), execution_id: `ex-${tick}` };
          log(run, 'pipeline_execution_started', 'info', execution, now - 90);
          if (failedLog)
            log(run, 'pipeline_execution_failed', 'error', {
              ...execution,
              error: `AgentTimeoutError: agent ${AGENTS[AGENTS.length - 1]} did not answer within 30 s`,
            });
          else log(run, 'pipeline_execution_completed', 'info', { ...execution, duration_ms: 90 });
        }
        run.end(now);
      });
      break;
    }
    default: {
      const span = start(`${service} request`, SpanKind.SERVER, {}, now - 10);
      span.end(now);
    }
  }
  return spans;
}

export interface OtlpEmitterOptions {
  readonly service: string;
  /** OTLP/HTTP base URL (the SDK posts to /v1/metrics and /v1/traces under it). */
  readonly otlp: string;
  /** service.instance.id; none when undefined. */
  readonly instanceId?: string;
  /** deployment.environment. @default local */
  readonly environment?: string;
  readonly tickMs: number;
  /** Serves the messages it publishes on this port (and GET / for health checks). @default none */
  readonly port?: number;
  /** Another emitter's base URL whose messages it consumes. @default none: a consumer makes root spans */
  readonly consumeFrom?: string;
  /** Every n-th tick fails. @default 10 */
  readonly errorEvery?: number;
}

/** The resource every signal of the emitter carries: what OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES give the platform's services. */
export function emitterResource(o: Pick<OtlpEmitterOptions, 'service' | 'instanceId' | 'environment'>): Resource {
  return resourceFromAttributes({
    'service.name': o.service,
    'service.namespace': SERVICE_NAMESPACE,
    // The key lib/constructs/otel-service-settings.ts and the collector's `resource` processor use; semantic
    // conventions have since renamed it deployment.environment.name (deprecated in @opentelemetry/semantic-conventions 1.45.0).
    'deployment.environment': o.environment ?? 'local',
    ...(o.instanceId ? { 'service.instance.id': o.instanceId } : {}),
  });
}

/** The stand-in broker: the last messages published, served as JSON. */
function serveMessages(port: number, messages: Message[]): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') return void res.writeHead(200).end('ok\n');
    if (url.pathname !== '/messages') return void res.writeHead(404).end();
    const after = Number(url.searchParams.get('after') ?? -1);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(messages.filter((m) => m.offset > after)));
  });
  server.listen(port, process.env.EMITTER_HOST ?? '0.0.0.0');
  return server;
}

export function startOtlpEmitter(o: OtlpEmitterOptions): { stop: () => Promise<void> } {
  const resource = emitterResource(o);
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

  const published: Message[] = [];
  // Offsets grow across restarts (from the start time), so a consumer's `after` stays valid when its producer restarts.
  let nextOffset = Date.now() * 1000;
  const server = o.port === undefined ? undefined : serveMessages(o.port, published);
  const io = (inbox: Message[]): TickIo => ({
    inbox,
    standalone: o.consumeFrom === undefined,
    log: (record) => void process.stdout.write(`${JSON.stringify(record)}\n`),
    publish: (m) => {
      published.push({ ...m, offset: nextOffset++ });
      published.splice(0, Math.max(0, published.length - 1000));
    },
  });
  let consumed = -1;
  const receive = async (): Promise<Message[]> => {
    if (!o.consumeFrom) return [];
    try {
      const r = await fetch(`${o.consumeFrom}/messages?after=${consumed}`, { signal: AbortSignal.timeout(Math.max(500, o.tickMs)) });
      // At most 20 a tick, as a consumer's bounded poll (max_poll_records): a backlog is worked off over ticks.
      const got = r.ok ? ((await r.json()) as Message[]).slice(0, 20) : [];
      if (got.length > 0) consumed = got[got.length - 1].offset;
      return got;
    } catch {
      return []; // the producer is not up (yet): nothing to consume this tick
    }
  };

  let tick = 0;
  let running = Promise.resolve();
  const onTick = () => {
    running = running.then(async () => {
      counter.add(1);
      traceTick(tracer, o.service, tick++, io(await receive()), o.errorEvery);
    });
  };
  onTick();
  const timer = setInterval(onTick, o.tickMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      server?.close();
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}

let started = false;
export function main(argv: string[] = process.argv.slice(2)): void {
  if (started) return;
  started = true;
  const usage =
    'usage: otlp-emitter --service NAME --otlp http://HOST:4318 [--instance-id ID] [--environment local] [--tick-ms 1000] [--port 8092] [--consume-from http://HOST:8092] [--error-every 10]';
  const { values } = parseCli('otlp-emitter', usage, {
    args: argv,
    options: {
      service: { type: 'string' },
      otlp: { type: 'string' },
      'instance-id': { type: 'string' },
      environment: { type: 'string', default: 'local' },
      'tick-ms': { type: 'string', default: '1000' },
      port: { type: 'string' },
      'consume-from': { type: 'string' },
      'error-every': { type: 'string', default: '10' },
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
    environment: values.environment,
    tickMs: Number(values['tick-ms']),
    port: values.port === undefined ? undefined : Number(values.port),
    consumeFrom: values['consume-from']?.replace(/\/$/, ''),
    errorEvery: Number(values['error-every']),
  });
  // As JSON like every other line it prints: LogQL's `| json` reads the service's whole stream.
  console.log(
    JSON.stringify({
      event: 'otlp_emitter_started',
      service: values.service,
      otlp: values.otlp,
      ...(values['consume-from'] ? { consume_from: values['consume-from'] } : {}),
      level: 'info',
      timestamp: new Date().toISOString(),
    }),
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void emitter.stop().then(() => process.exit(0)));
}

if (require.main === module) main();
