import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR, BACKEND_ROUTE, emitterResource, Message, parentFrom, SERVICE_NAMESPACE, traceTick } from '../scripts/otlp-emitter';
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
  for (let t = 0; t < ticks; t++)
    traceTick(tracer, service, t, {
      inbox: t === 0 ? inbox : [],
      standalone,
      publish: (m) => published.push({ ...m, offset: published.length }),
    });
  return { spans: spans(), published };
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
