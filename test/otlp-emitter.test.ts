import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ATTR,
  BACKEND_ROUTE,
  CRITICAL_EVERY,
  DEMO_USERS,
  emitterResource,
  FAILED_EVERY,
  LOG_EVERY,
  LogRecord,
  Message,
  parentFrom,
  PIPELINE_OWNERS,
  SERVICE_NAMESPACE,
  traceTick,
} from '../scripts/otlp-emitter';
import { trace } from '@opentelemetry/api';

/** One service's tracer, its spans kept in memory. */
function tracerOf(service: string) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: emitterResource({ service }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { tracer: provider.getTracer('test'), spans: () => exporter.getFinishedSpans() };
}

/** Runs `ticks` ticks of a service with `inbox` the first time; returns its spans and what it published. */
function run(service: string, ticks: number, inbox: Message[] = [], standalone = true) {
  const { tracer, spans } = tracerOf(service);
  const published: Message[] = [];
  const logs: { tick: number; record: LogRecord }[] = [];
  for (let t = 0; t < ticks; t++)
    traceTick(tracer, service, t, {
      inbox: t === 0 ? inbox : [],
      standalone,
      publish: (m) => published.push({ ...m, offset: published.length }),
      log: (record) => logs.push({ tick: t, record }),
    });
  return { spans: spans(), published, logs };
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const exceptions = (s: ReadableSpan) => s.events.filter((e) => e.name === 'exception');

describe("the OTLP emitter's spans, as each service's instrumentation makes them", () => {
  test('the resource: service.name, service.namespace, deployment.environment, and service.instance.id when set', () => {
    expect(emitterResource({ service: 'backend', instanceId: 'backend-1' }).attributes).toEqual({
      'service.name': 'backend',
      'service.namespace': SERVICE_NAMESPACE,
      'deployment.environment': 'local',
      'service.instance.id': 'backend-1',
    });
    expect(emitterResource({ service: 'backend', environment: 'dev' }).attributes).not.toHaveProperty('service.instance.id');
  });

  test('backend: an HTTP server span "{method} {route}" with the stable HTTP attributes and pipeline_id, over a database client span', () => {
    const { spans } = run('backend', 1);
    const [server] = byName(spans, `GET ${BACKEND_ROUTE}`);
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.attributes).toMatchObject({
      [ATTR.httpRequestMethod]: 'GET',
      [ATTR.httpRoute]: BACKEND_ROUTE,
      [ATTR.httpResponseStatusCode]: 200,
      [ATTR.pipelineId]: 'p-momentum',
    });
    const [db] = byName(spans, 'SELECT pipelines');
    expect(db.kind).toBe(SpanKind.CLIENT);
    expect(db.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(db.spanContext().traceId).toBe(server.spanContext().traceId);
  });

  test('signal generator: a Kafka PRODUCER span "send signals" whose context the published message carries as traceparent', () => {
    const { spans, published } = run('signal-generator', 1);
    const [send] = byName(spans, 'send signals');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      [ATTR.messagingSystem]: 'kafka',
      [ATTR.messagingDestinationName]: 'signals',
      [ATTR.messagingOperationType]: 'send',
    });
    expect(published).toHaveLength(1);
    expect(published[0].headers.traceparent).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);
  });

  test('producer to consumer to worker: one trace from the Kafka publish through the dispatcher to the Celery task', () => {
    const sg = run('signal-generator', 1);
    const dispatcher = run('trigger-dispatcher', 1, sg.published, false);
    const [send] = byName(sg.spans, 'send signals');
    const [process] = byName(dispatcher.spans, 'process signals');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.attributes).toMatchObject({
      [ATTR.messagingSystem]: 'kafka',
      [ATTR.messagingOperationType]: 'process',
      [ATTR.messagingConsumerGroupName]: 'trigger-dispatcher',
    });
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext).toMatchObject({ spanId: send.spanContext().spanId, isRemote: true });
    const [enqueue] = byName(dispatcher.spans, 'apply_async/execute_pipeline');
    expect(enqueue.kind).toBe(SpanKind.PRODUCER);
    expect(enqueue.parentSpanContext?.spanId).toBe(process.spanContext().spanId);

    const worker = run('celery-worker', 1, dispatcher.published, false);
    const [task] = byName(worker.spans, 'run/execute_pipeline');
    expect(task.kind).toBe(SpanKind.CONSUMER);
    expect(task.attributes).toMatchObject({
      [ATTR.celeryAction]: 'run',
      [ATTR.celeryTaskName]: 'execute_pipeline',
      [ATTR.celeryState]: 'SUCCESS',
    });
    expect(task.attributes[ATTR.pipelineId]).toBe(sg.published[0].pipelineId);
    expect(task.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(task.parentSpanContext?.spanId).toBe(enqueue.spanContext().spanId);
    expect(worker.spans.filter((s) => s.name.startsWith('agent ')).map((s) => s.attributes[ATTR.agentType])).toEqual([
      'analyst',
      'risk',
      'executor',
    ]);
  });

  test('a consumer with no source makes root spans; one with a source and nothing to read makes none', () => {
    expect(run('celery-worker', 1).spans.find((s) => s.name === 'run/execute_pipeline')?.parentSpanContext).toBeUndefined();
    expect(run('trigger-dispatcher', 3, [], false).spans).toEqual([]);
    expect(parentFrom('not-a-traceparent')).toBe(parentFrom(undefined));
    expect(trace.getSpanContext(parentFrom(undefined))).toBeUndefined();
  });

  test.each(['backend', 'signal-generator', 'trigger-dispatcher', 'celery-worker'])(
    '%s: every tenth tick fails with status ERROR and an exception event (type and message), the others do not',
    (service) => {
      const { spans } = run(service, 20);
      const failed = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
      expect(failed.length).toBeGreaterThan(0);
      for (const s of failed) {
        const [e] = exceptions(s);
        expect(e?.attributes).toMatchObject({ 'exception.type': expect.any(String), 'exception.message': expect.any(String) });
      }
      // Two failing ticks of twenty (ticks 9 and 19); every other root span is OK.
      const roots = spans.filter((s) => s.parentSpanContext === undefined);
      expect(roots.filter((s) => s.status.code === SpanStatusCode.ERROR).length).toBe(service === 'signal-generator' ? 0 : 2);
    },
  );
});

describe("the OTLP emitter's log lines, as the services' structlog prints them (seed 6.1)", () => {
  const SERVICES = ['backend', 'signal-generator', 'trigger-dispatcher', 'celery-worker'];
  const events = (logs: { record: LogRecord }[]) => logs.map((l) => `${l.record.event}/${l.record.level}`);

  test('the funnel: backend creates pipelines, the dispatcher triggers them, the worker starts and completes or fails executions', () => {
    expect(events(run('backend', 2 * LOG_EVERY).logs)).toEqual(['pipeline_created/info', 'pipeline_created/info']);
    expect(events(run('trigger-dispatcher', LOG_EVERY).logs)).toEqual(['pipeline_triggered/info']);
    expect(events(run('signal-generator', LOG_EVERY).logs)).toEqual(['signal_generated/info']);
    // Completed on each logging tick (0, 15, 30, 45), failed once a FAILED_EVERY (tick 59, a failing tick).
    expect(events(run('celery-worker', FAILED_EVERY).logs)).toEqual([
      ...Array(FAILED_EVERY / LOG_EVERY)
        .fill(['pipeline_execution_started/info', 'pipeline_execution_completed/info'])
        .flat(),
      'pipeline_execution_started/info',
      'pipeline_execution_failed/error',
    ]);
  });

  test('a few events a minute: every LOG_EVERY ticks (4 a minute at 1 s), a critical one every CRITICAL_EVERY ticks (backend)', () => {
    const backend = run('backend', CRITICAL_EVERY).logs;
    expect(backend.filter((l) => l.record.event === 'pipeline_created').map((l) => l.tick)).toEqual(
      Array.from({ length: CRITICAL_EVERY / LOG_EVERY }, (_, i) => i * LOG_EVERY),
    );
    expect(backend.filter((l) => l.record.level === 'critical')).toEqual([
      { tick: CRITICAL_EVERY - 1, record: expect.objectContaining({ event: 'database_unavailable', level: 'critical' }) },
    ]);
    for (const s of SERVICES) expect(run(s, 60).logs.length).toBeLessThanOrEqual(10);
  });

  test('each line: event, user_id, pipeline_id, mode (paper|live), level, an ISO timestamp, and the ids of the span it is logged in', () => {
    const { spans, logs } = run('celery-worker', 1);
    const [task] = byName(spans, 'run/execute_pipeline');
    const started = logs[0].record;
    expect(Object.keys(started)).toEqual([
      'event',
      'user_id',
      'pipeline_id',
      'mode',
      'execution_id',
      'level',
      'timestamp',
      'trace_id',
      'span_id',
    ]);
    expect(started).toMatchObject({
      event: 'pipeline_execution_started',
      pipeline_id: task.attributes[ATTR.pipelineId],
      level: 'info',
      trace_id: task.spanContext().traceId,
      span_id: task.spanContext().spanId,
    });
    expect(started.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(['paper', 'live']).toContain(started.mode);
    // Backend's line is in its server span, one trace with the database span.
    const backend = run('backend', 1);
    const [server] = byName(backend.spans, `GET ${BACKEND_ROUTE}`);
    expect(backend.logs[0].record).toMatchObject({ trace_id: server.spanContext().traceId, span_id: server.spanContext().spanId });
  });

  test('user ids are pseudonymous (u- and 8 hex), each pipeline has one owner and mode, both modes occur', () => {
    for (const u of DEMO_USERS) expect(u).toMatch(/^u-[0-9a-f]{8}$/);
    expect(new Set(DEMO_USERS).size).toBe(DEMO_USERS.length);
    expect(new Set(Object.values(PIPELINE_OWNERS).map((o) => o.mode))).toEqual(new Set(['paper', 'live']));
    const lines = SERVICES.flatMap((s) => run(s, 2 * FAILED_EVERY).logs.map((l) => l.record));
    for (const l of lines.filter((r) => r.user_id !== undefined)) {
      expect(DEMO_USERS).toContain(l.user_id);
      expect(PIPELINE_OWNERS[l.pipeline_id as string]).toEqual({ userId: l.user_id, mode: l.mode });
    }
    // No field that identifies a person: nothing shaped like an email, no name fields.
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/@|"(email|name|username|first_name|last_name)"/);
    // Every pipeline appears (LOG_EVERY walks through them).
    expect(new Set(lines.map((l) => l.pipeline_id).filter(Boolean))).toEqual(new Set(Object.keys(PIPELINE_OWNERS)));
  });

  test('without a log function nothing is logged and the spans are the same', () => {
    const { tracer, spans } = tracerOf('backend');
    traceTick(tracer, 'backend', 0, { inbox: [], standalone: true, publish: () => undefined });
    expect(spans().map((s) => s.name)).toEqual(run('backend', 1).spans.map((s) => s.name));
  });
});
