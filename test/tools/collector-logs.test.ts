/**
 * The local logs pipeline on the real collector (built by `bash tools/build.sh` with ADOT's components): the logs
 * pipeline of the local bundle's collector configuration, as rendered, reads Docker json-file logs written here as
 * the engine writes them and exports to a fake Loki OTLP endpoint, which decodes what it receives. Only the file
 * glob, `start_at` and the exporter's endpoint are changed; the other pipelines, the extensions and the
 * self-metrics listener are left out (their ports are other tests').
 */
import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { parse, stringify } from 'yaml';
import { compile } from '../../lib/compile/compile';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { baseFiles } from '../helpers';
import { collector } from './collector-binary';

// ---- a small protobuf reader for ExportLogsServiceRequest (opentelemetry-proto logs/v1, common/v1) ----

type Wire = { no: number; wire: number; bytes?: Buffer; int?: bigint };

function varint(buf: Buffer, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[at++];
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [v, at];
    shift += 7n;
  }
}

/** The fields of one message, in order. */
function fieldsOf(buf: Buffer): Wire[] {
  const out: Wire[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = varint(buf, at);
    at = next;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, n] = varint(buf, at);
      out.push({ no, wire, int: v });
      at = n;
    } else if (wire === 1) {
      out.push({ no, wire, int: buf.readBigUInt64LE(at) });
      at += 8;
    } else if (wire === 2) {
      const [len, n] = varint(buf, at);
      out.push({ no, wire, bytes: buf.subarray(n, n + Number(len)) });
      at = n + Number(len);
    } else if (wire === 5) {
      out.push({ no, wire, int: BigInt(buf.readUInt32LE(at)) });
      at += 4;
    } else throw new Error(`wire type ${wire} at ${at}`);
  }
  return out;
}

const all = (buf: Buffer, no: number) => fieldsOf(buf).filter((f) => f.no === no);
const one = (buf: Buffer, no: number) => all(buf, no)[0];
/** AnyValue: string_value (1) is all the pipeline makes. */
const stringValue = (v: Buffer | undefined) => (v ? one(v, 1)?.bytes?.toString('utf8') : undefined);
/** KeyValue list -> object of string values. */
const attributes = (kvs: Wire[]) =>
  Object.fromEntries(kvs.map((kv) => [one(kv.bytes!, 1).bytes!.toString('utf8'), stringValue(one(kv.bytes!, 2)?.bytes)]));

interface Received {
  readonly resource: Record<string, string | undefined>;
  readonly body: string | undefined;
  readonly timeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly attributes: Record<string, string | undefined>;
  readonly traceId: string;
  readonly spanId: string;
}

/** Every log record of an ExportLogsServiceRequest with its resource's attributes. */
function decodeLogs(request: Buffer): Received[] {
  return all(request, 1).flatMap(({ bytes: resourceLogs }) => {
    const resource = attributes(all(one(resourceLogs!, 1)?.bytes ?? Buffer.alloc(0), 1));
    return all(resourceLogs!, 2).flatMap(({ bytes: scopeLogs }) =>
      all(scopeLogs!, 2).map(({ bytes: r }) => ({
        resource,
        body: stringValue(one(r!, 5)?.bytes),
        timeUnixNano: one(r!, 1)?.int ?? 0n,
        severityNumber: Number(one(r!, 2)?.int ?? 0n),
        severityText: one(r!, 3)?.bytes?.toString('utf8') ?? '',
        attributes: attributes(all(r!, 6)),
        traceId: one(r!, 9)?.bytes?.toString('hex') ?? '',
        spanId: one(r!, 10)?.bytes?.toString('hex') ?? '',
      })),
    );
  });
}

// ---- the fixture: Docker json-file logs of a compose project ----

/** Unix nanoseconds of an RFC 3339 time with up to 9 fraction digits. */
function nanos(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(iso)!;
  return BigInt(Date.parse(`${m[1]}${m[3]}`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const TRACE2 = '0af7651916cd43dd8448eb211c80319c';
const SPAN2 = 'b7ad6b7169203331';

interface FixtureLine {
  /** The compose service (attrs), or none: a container not started by compose. */
  readonly container?: string;
  readonly line: string;
  readonly stream?: 'stdout' | 'stderr';
  /** Docker's time of the line. */
  readonly time: string;
}

const FIXTURE: readonly FixtureLine[] = [
  // The demo services' JSON (JSON.stringify), in a span.
  {
    container: 'backend',
    line: JSON.stringify({
      event: 'pipeline_created',
      user_id: 'u-1a2b3c4d',
      pipeline_id: 'p-momentum',
      mode: 'live',
      level: 'info',
      timestamp: '2026-12-07T19:00:00.123Z',
      trace_id: TRACE,
      span_id: SPAN,
    }),
    time: '2026-12-07T19:00:00.125123456Z',
  },
  // structlog's JSONRenderer (json.dumps: ", " and ": "), from an OTLP emitter container: its service is the worker.
  {
    container: 'otlp-celery-worker',
    line: `{"event": "pipeline_execution_failed", "user_id": "u-5e6f7a8b", "pipeline_id": "p-news", "mode": "paper", "error": "AgentTimeoutError", "level": "error", "timestamp": "2026-12-07T19:00:01.500000Z", "trace_id": "${TRACE2}", "span_id": "${SPAN2}"}`,
    time: '2026-12-07T19:00:01.500100Z',
  },
  {
    container: 'otlp-backend',
    line: JSON.stringify({
      event: 'database_unavailable',
      level: 'critical',
      timestamp: '2026-12-07T19:00:02Z',
      trace_id: TRACE,
      span_id: SPAN,
    }),
    time: '2026-12-07T19:00:02.000300Z',
  },
  // No trace context and no timestamp: Docker's time, no trace id.
  {
    container: 'signal-generator',
    line: JSON.stringify({ event: 'signal_generated', pipeline_id: 'p-breakout', level: 'info' }),
    time: '2026-12-07T19:00:03.250000001Z',
  },
  // Not JSON (a traceback on stderr): shipped as it is.
  { container: 'trigger-dispatcher', line: 'Traceback (most recent call last):', stream: 'stderr', time: '2026-12-07T19:00:04.000000004Z' },
  // The stack's own containers and one compose did not start: never shipped.
  { container: 'prometheus', line: 'time=2026-12-07T19:00:05Z level=INFO msg="Server is ready"', time: '2026-12-07T19:00:05Z' },
  { container: 'otel-collector', line: '{"level":"info","msg":"Everything is ready."}', time: '2026-12-07T19:00:06Z' },
  { line: JSON.stringify({ event: 'pipeline_created', level: 'info', trace_id: TRACE, span_id: SPAN }), time: '2026-12-07T19:00:07Z' },
];
const PLATFORM: Record<string, string> = {
  backend: 'backend',
  'otlp-backend': 'backend',
  'otlp-celery-worker': 'celery-worker',
  'signal-generator': 'signal-generator',
  'trigger-dispatcher': 'trigger-dispatcher',
};
const SHIPPED = FIXTURE.filter((f) => f.container !== undefined && f.container in PLATFORM);

/** Writes each container's lines as the json-file driver does: <root>/<id>/<id>-json.log, one envelope a line. */
function writeContainerLogs(root: string, lines: readonly FixtureLine[]): void {
  for (const f of lines) {
    const id = createHash('sha256')
      .update(f.container ?? 'no-compose')
      .digest('hex');
    fs.mkdirSync(path.join(root, id), { recursive: true });
    // Key order as moby's jsonlog.JSONLogs.MarshalJSONBuf writes it: log, stream, attrs, time.
    const envelope = {
      log: `${f.line}\n`,
      stream: f.stream ?? 'stdout',
      ...(f.container ? { attrs: { 'com.docker.compose.service': f.container } } : {}),
      time: f.time,
    };
    fs.appendFileSync(path.join(root, id, `${id}-json.log`), `${JSON.stringify(envelope)}\n`);
  }
}

// ---- the run ----

/** The logs pipeline of the local bundle's collector configuration, with only the three overrides. */
function logsPipelineConfig(include: string, lokiOtlpUrl: string): Record<string, any> {
  const rendered = parse(renderLocalBundle(compile(baseFiles, 'local'), {})['monitoring/otel-collector.yaml']);
  const logs = rendered.service.pipelines.logs;
  const pick = (section: string, names: string[]) => Object.fromEntries(names.map((n) => [n, rendered[section][n]]));
  const cfg = {
    receivers: pick('receivers', logs.receivers),
    processors: pick('processors', logs.processors),
    exporters: pick('exporters', logs.exporters),
    service: {
      pipelines: { logs },
      telemetry: { ...rendered.service.telemetry, metrics: { level: 'none' } },
    },
  };
  cfg.receivers.file_log = { ...cfg.receivers.file_log, include: [include], start_at: 'beginning' };
  cfg.exporters['otlp_http/loki'] = { ...cfg.exporters['otlp_http/loki'], endpoint: lokiOtlpUrl };
  return cfg;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collector-logs-'));
const received: Received[] = [];
const requests: { path: string; contentType?: string; contentEncoding?: string }[] = [];
let collectorProc: ChildProcess | undefined;
let output = '';
let elapsedMs = 0;

// The fake Loki: POST /otlp/v1/logs, protobuf (gzip unless configured otherwise), an empty ExportLogsServiceResponse.
const loki = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    requests.push({ path: req.url ?? '', contentType: req.headers['content-type'], contentEncoding: req.headers['content-encoding'] });
    const raw = Buffer.concat(chunks);
    received.push(...decodeLogs(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw));
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => loki.listen(0, '127.0.0.1', resolve));
  const port = (loki.address() as { port: number }).port;
  writeContainerLogs(path.join(dir, 'containers'), FIXTURE);
  const file = path.join(dir, 'otel-collector.yaml');
  fs.writeFileSync(file, stringify(logsPipelineConfig(path.join(dir, 'containers/*/*-json.log'), `http://127.0.0.1:${port}/otlp`)));
  const started = Date.now();
  collectorProc = spawn(collector, [`--config=file:${file}`], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  collectorProc.stdout!.on('data', (d) => (output += d));
  collectorProc.stderr!.on('data', (d) => (output += d));
  const deadline = started + 60_000;
  while (received.length < SHIPPED.length && Date.now() < deadline && collectorProc.exitCode === null)
    await new Promise((r) => setTimeout(r, 100));
  elapsedMs = Date.now() - started;
  // A little longer: a line that should not be shipped would come in the same batch, or right after it.
  await new Promise((r) => setTimeout(r, 1500));
  console.log(`collector-logs: ${received.length} of ${FIXTURE.length} fixture lines shipped to the fake Loki ${elapsedMs} ms after start`);
}, 90_000);

afterAll(async () => {
  if (collectorProc && collectorProc.exitCode === null) {
    const exited = new Promise((r) => collectorProc!.once('exit', r));
    collectorProc.kill('SIGTERM');
    await exited;
  }
  await new Promise((r) => loki.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const byBody = (line: string) => received.find((r) => r.body === line);

describe('the local logs pipeline on the real collector, into a fake Loki OTLP endpoint', () => {
  test("every platform container's line arrives once, on Loki's OTLP path, with the platform service as service.name", () => {
    expect(received.map((r) => r.body).sort()).toEqual(SHIPPED.map((f) => f.line).sort());
    for (const f of SHIPPED)
      expect({ line: f.line, service: byBody(f.line)?.resource['service.name'] }).toEqual({
        line: f.line,
        service: PLATFORM[f.container!],
      });
    expect(new Set(requests.map((r) => r.path))).toEqual(new Set(['/otlp/v1/logs']));
    expect(requests[0].contentType).toBe('application/x-protobuf');
    // The collector's resource processor, as on every other pipeline.
    for (const r of received) expect(r.resource['deployment.environment']).toBe('local');
    expect(output.split('\n').filter((l) => /\t(warn|error)\t/.test(l))).toEqual([]);
  });

  test('the body is the JSON line exactly as the service wrote it (no envelope, no newline), so LogQL `| json` reads it', () => {
    const line = SHIPPED[1].line;
    expect(byBody(line)?.body).toBe(line);
    expect(JSON.parse(byBody(line)!.body!)).toMatchObject({ event: 'pipeline_execution_failed', user_id: 'u-5e6f7a8b' });
  });

  test("trace and span ids from the line's trace_id and span_id; none where the line has none", () => {
    expect(byBody(SHIPPED[0].line)).toMatchObject({ traceId: TRACE, spanId: SPAN });
    expect(byBody(SHIPPED[1].line)).toMatchObject({ traceId: TRACE2, spanId: SPAN2 });
    expect(byBody(SHIPPED[3].line)).toMatchObject({ traceId: '', spanId: '' });
    expect(byBody(SHIPPED[4].line)).toMatchObject({ traceId: '', spanId: '' });
  });

  test("the time is the line's timestamp, else Docker's; the level is the severity (critical is FATAL)", () => {
    expect(byBody(SHIPPED[0].line)?.timeUnixNano).toBe(nanos('2026-12-07T19:00:00.123Z'));
    expect(byBody(SHIPPED[1].line)?.timeUnixNano).toBe(nanos('2026-12-07T19:00:01.500000Z'));
    expect(byBody(SHIPPED[3].line)?.timeUnixNano).toBe(nanos(SHIPPED[3].time));
    expect(byBody(SHIPPED[4].line)?.timeUnixNano).toBe(nanos(SHIPPED[4].time));
    // SeverityNumber: INFO 9, ERROR 17, FATAL 21 (opentelemetry-proto logs/v1).
    expect(byBody(SHIPPED[0].line)).toMatchObject({ severityNumber: 9, severityText: 'info' });
    expect(byBody(SHIPPED[1].line)).toMatchObject({ severityNumber: 17, severityText: 'error' });
    expect(byBody(SHIPPED[2].line)).toMatchObject({ severityNumber: 21, severityText: 'critical' });
    expect(byBody(SHIPPED[4].line)).toMatchObject({ severityNumber: 0, severityText: '' });
  });

  test('the only log attribute is the stream (no envelope, no parsed fields: no user_id as structured metadata)', () => {
    for (const f of SHIPPED) expect(byBody(f.line)?.attributes).toEqual({ 'log.iostream': f.stream ?? 'stdout' });
  });
});
