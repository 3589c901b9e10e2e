/**
 * The scaling signals' pipeline (`metrics/scaling`, issue #32) on the real collector (built by
 * `bash tools/build.sh` with ADOT's components): prod's configuration as rendered, delivered as the ECS task
 * delivers it (fragments in the environment, the task's flags: ./collector-binary.ts), scraping targets served
 * here as the platform's services would serve them.
 *
 * What is changed, and why (everything else is prod's rendered configuration, compared below):
 *  - the scrape jobs' Cloud Map discovery (`dns_sd_configs`) becomes `static_configs` of the loopback targets
 *    served here, two for `backend` (two tasks), one for each other service; job names, paths and intervals stay;
 *  - the listen addresses (health check, OTLP, self metrics) move to free loopback ports;
 *  - AMP's remote-write URL is a local fake that accepts everything;
 *  - `awsemf/scaling` is replaced by a `file` exporter. The exporter the brief asked for, awsemf with
 *    `output_destination: stdout`, is not in this build: its modules internal/aws/cwlogs and internal/aws/metrics
 *    are refused by the Go module proxy (NOT_BUILT_HERE in test/contracts/adot.ts), and the validation harness
 *    takes awsemf out of every configuration. The file exporter writes exactly what the pipeline hands its
 *    exporter (OTLP JSON), which is what awsemf turns into EMF; how awsemf does that is read from its source at
 *    contrib@v0.156.0 (cited where asserted), and the exporter's own settings are checked against the contract;
 *  - the components NOT_BUILT_HERE (awsxray, awsecscontainermetrics, resource_detection) are taken out by the
 *    shared harness (withoutNotBuilt), as in collector-validate.test.ts.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { compile } from '../../lib/compile/compile';
import { ENVIRONMENTS_FILE } from '../../lib/config/parse-environment';
import { ObservabilityModel } from '../../lib/model/model';
import { renderCollectorConfig } from '../../lib/render/collector-config';
import { CollectorConfig, collectorConfigFragments } from '../../lib/render/collector-fragments';
import { freePorts } from '../../scripts/free-ports';
import { pollUntil } from '../../scripts/poll-until';
import { asAdotReadsIt, contractProblems } from '../contracts/adot-checks';
import { baseFiles } from '../helpers';
import { collector, taskArgs, taskEnvironment, validate } from './collector-binary';

const SIGNAL = 'system_executions_pending_executions';
const HISTOGRAM = 'pipeline_execution_duration_seconds';
const NAMESPACE = 'trading-observability-prod/scaling';
const LOG_GROUP = '/trading-observability/prod/scaling';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'collector-scaling-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const destinations = (amp: string, selfTarget: string) => ({
  region: 'eu-west-1',
  ampRemoteWriteUrl: amp,
  emfLogGroupName: '/trading-observability/prod/metrics-emf',
  scalingLogGroupName: LOG_GROUP,
  selfMetricsTarget: selfTarget,
});

// ---- the scraped targets ----

/** One scrape target: a service's task serving its /metrics; every value it served, in order. */
interface Target {
  readonly job: string;
  readonly name: string;
  port: number;
  /** The exposition for the n-th scrape (0-based). */
  readonly body: (n: number) => string;
  readonly served: number[];
}

const gauge = (name: string, value: number, labels = '') => `# TYPE ${name} gauge\n${name}${labels} ${value}\n`;
/** The n-th scrape's pending executions of a backend task: changes every scrape. */
const pending = (values: number[]) => (n: number) => values[n % values.length];

/** A cumulative histogram as a Prometheus client serves it: n scrapes in, 3(n+1) observations of 4 s each. */
function histogram(n: number): string {
  const count = 3 * (n + 1);
  const l = 'pipeline_id="p1",status="success"';
  return [
    `# TYPE ${HISTOGRAM} histogram`,
    `${HISTOGRAM}_bucket{${l},le="0"} 0`,
    `${HISTOGRAM}_bucket{${l},le="5"} ${count}`,
    `${HISTOGRAM}_bucket{${l},le="+Inf"} ${count}`,
    `${HISTOGRAM}_sum{${l}} ${4 * count}`,
    `${HISTOGRAM}_count{${l}} ${count}`,
    '',
  ].join('\n');
}

function targets(): Target[] {
  const a = pending([7, 12, 4, 9]);
  const b = pending([23, 18, 30, 2]);
  const served: Target[] = [];
  const t = (job: string, name: string, body: (n: number, self: Target) => string): Target => {
    const target: Target = { job, name, port: 0, served: [], body: (n) => body(n, target) };
    served.push(target);
    return target;
  };
  t('backend', 'backend-a', (n, self) => {
    self.served.push(a(n));
    // The SDK's target_info: its service_name becomes a resource attribute `service_name`, never service.name
    // (contrib@v0.156.0:receiver/prometheusreceiver/internal/transaction.go AddTargetInfo), so the job stays the Service.
    return (
      gauge(SIGNAL, a(n)) +
      gauge('system_executions_running_executions', 3) +
      '# TYPE target_info gauge\ntarget_info{service_name="trading-backend",service_version="1.2.3"} 1\n'
    );
  });
  t('backend', 'backend-b', (n, self) => {
    self.served.push(b(n));
    return gauge(SIGNAL, b(n)) + gauge('system_executions_running_executions', 1);
  });
  // The same metric name from another job: not the signal (it is the backend's).
  t('celery-worker', 'celery-worker', (n, self) => {
    self.served.push(n);
    return gauge(SIGNAL, 999) + histogram(n);
  });
  t('signal-generator', 'signal-generator', () => '# TYPE signals_generated_total counter\nsignals_generated_total 42\n');
  t('trigger-dispatcher', 'trigger-dispatcher', () => gauge('dispatcher_cache_pipelines', 5));
  return served;
}

/** Serves every target on its own loopback port, counting its scrapes. */
async function serve(list: Target[]): Promise<http.Server[]> {
  return Promise.all(
    list.map((target) => {
      let n = 0;
      const server = http.createServer((req, res) => {
        if (req.url !== '/metrics') res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(target.body(n++));
      });
      return new Promise<http.Server>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          target.port = (server.address() as net.AddressInfo).port;
          resolve(server);
        }),
      );
    }),
  );
}

/** AMP stand-in: accepts every remote write (the scraped, pushed and self pipelines still run). */
async function fakeAmp(): Promise<{ server: http.Server; url: string; writes: () => number }> {
  let writes = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      writes++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1/remote_write`, writes: () => writes };
}

const close = (s: http.Server) => new Promise<void>((resolve) => s.close(() => resolve()));

// ---- the configuration as the test runs it ----

/** The changes listed at the top of this file (AMP's URL and the self-metrics target are rendering inputs), and nothing else. */
function forThisMachine(rendered: CollectorConfig, list: Target[], ports: number[], file: string): CollectorConfig {
  const cfg = structuredClone(rendered);
  const [health, grpc, httpPort, self] = ports;
  cfg.extensions.health_check.endpoint = `127.0.0.1:${health}`;
  cfg.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${grpc}`;
  cfg.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${httpPort}`;
  Object.assign(cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus, { host: '127.0.0.1', port: self });
  for (const job of cfg.receivers.prometheus.config.scrape_configs) {
    expect(job.dns_sd_configs).toBeDefined();
    delete job.dns_sd_configs;
    job.static_configs = [{ targets: list.filter((t) => t.job === job.job_name).map((t) => `127.0.0.1:${t.port}`) }];
  }
  delete cfg.exporters['awsemf/scaling'];
  cfg.exporters['file/scaling'] = { path: file, format: 'json' };
  cfg.service.pipelines['metrics/scaling'].exporters = ['file/scaling'];
  if (cfg.service.pipelines['metrics/queue']) cfg.service.pipelines['metrics/queue'].exporters = ['file/scaling'];
  return cfg;
}

// ---- reading what the exporter got (OTLP JSON: opentelemetry-proto metrics/v1, uint64 as strings) ----

interface Point {
  readonly metric: string;
  readonly type: 'gauge' | 'sum' | 'histogram' | 'other';
  readonly resource: Record<string, string>;
  readonly attributes: Record<string, string>;
  readonly value?: number;
  readonly count?: number;
  readonly sum?: number;
  readonly temporality?: number;
  readonly timeUnixNano: string;
}

type Json = Record<string, any>;
const attrs = (kvs: Json[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, String(Object.values(kv.value ?? {})[0])]));

function pointsIn(file: string): Point[] {
  if (!fs.existsSync(file)) return [];
  const out: Point[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    for (const rm of (JSON.parse(line) as Json).resourceMetrics ?? []) {
      const resource = attrs(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? []) {
          const type = m.gauge ? 'gauge' : m.sum ? 'sum' : m.histogram ? 'histogram' : 'other';
          const body = m.gauge ?? m.sum ?? m.histogram ?? {};
          for (const dp of body.dataPoints ?? [])
            out.push({
              metric: m.name,
              type,
              resource,
              attributes: attrs(dp.attributes),
              value: dp.asDouble ?? (dp.asInt !== undefined ? Number(dp.asInt) : undefined),
              count: dp.count !== undefined ? Number(dp.count) : undefined,
              sum: dp.sum,
              temporality: body.aggregationTemporality,
              timeUnixNano: dp.timeUnixNano,
            });
        }
    }
  }
  return out;
}

/** The exporter's sent points, from the collector's own metrics endpoint (otelcol_exporter_sent_metric_points). */
async function sentPoints(port: number, exporter: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) =>
    http
      .get(`http://127.0.0.1:${port}/metrics`, (r) => {
        let b = '';
        r.on('data', (d) => (b += d));
        r.on('end', () => resolve(b));
      })
      .on('error', reject),
  );
  const m = new RegExp(`^otelcol_exporter_sent_metric_points(?:_total)?\\{[^}]*exporter="${exporter}"[^}]*\\} (\\S+)`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

/** Renders the collector configuration for an AMP remote-write URL and a self-metrics target. */
type Render = (amp: string, self: string) => CollectorConfig;

interface Run {
  readonly points: Point[];
  readonly targets: Target[];
  readonly ampWrites: number;
  readonly scrapedSent: number;
  readonly log: string;
}

/**
 * Runs the collector on `rendered` (changed as listed above) until `enough` holds for what the exporter got,
 * then stops it with SIGTERM (the batch processor and the exporter flush on shutdown) and reads everything.
 */
async function run(render: Render, enough: (points: Point[]) => boolean, label: string): Promise<Run> {
  const list = targets();
  const servers = await serve(list);
  const amp = await fakeAmp();
  const ports = await freePorts(4);
  const file = path.join(tmp, `${label}.json`);
  const cfg = forThisMachine(render(amp.url, `127.0.0.1:${ports[3]}`), list, ports, file);
  const fragments = collectorConfigFragments(cfg);
  let log = '';
  const p: ChildProcess = spawn(collector, taskArgs(fragments), { env: taskEnvironment(fragments), stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout!.on('data', (d) => (log += d));
  p.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  try {
    await pollUntil(`${label}: enough points at the exporter`, () => (enough(pointsIn(file)) ? true : undefined), 90_000, {
      everyMs: 1000,
      context: () => `${log.slice(-3000)}\n${JSON.stringify(pointsIn(file).slice(-5))}`,
    });
    const scrapedSent = await sentPoints(ports[3], 'prometheus_remote_write/scraped');
    p.kill('SIGTERM');
    await exited;
    return { points: pointsIn(file), targets: list, ampWrites: amp.writes(), scrapedSent, log };
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all([...servers, amp.server].map(close));
  }
}

const byInstance = (points: Point[]) =>
  points.reduce<Record<string, Point[]>>((m, pt) => ((m[pt.resource['service.instance.id']] ??= []).push(pt), m), {});
const instanceOf = (list: Target[], name: string) => `127.0.0.1:${list.find((t) => t.name === name)!.port}`;

// ---- the tests ----

/** prod's model, with its scaling signals, and the collector configuration the stack renders from it. */
function prodRendered(files = baseFiles): { model: ObservabilityModel; rendered: Render } {
  const model = compile(files, 'prod');
  return {
    model,
    rendered: (amp, self) =>
      renderCollectorConfig({ environment: model.environment, catalog: model.catalog, scaling: model.scaling }, destinations(amp, self)),
  };
}

describe("prod's scaling pipeline, as rendered, on the real collector", () => {
  const { model, rendered } = prodRendered();
  const cfg = rendered('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write', '127.0.0.1:8888');

  test('prod scales the celery worker on the maximum of the backend pending executions', () => {
    expect(model.scaling.map((s) => ({ service: s.service, metric: s.metric, from: s.from, statistic: s.statistic }))).toEqual([
      { service: 'celery-worker', metric: SIGNAL, from: 'backend', statistic: 'Maximum' },
    ]);
    expect(model.scaling[0].cloudWatch).toEqual({ namespace: NAMESPACE, metricName: SIGNAL, dimensions: { Service: 'backend' } });
  });

  test('the pipeline and its exporter, as rendered: EMF to the scaling namespace, one dimension Service', () => {
    expect(cfg.service.pipelines['metrics/scaling']).toEqual({
      receivers: ['prometheus'],
      processors: ['memory_limiter', 'filter/scaling', 'resource/scaling', 'batch'],
      exporters: ['awsemf/scaling'],
    });
    expect(cfg.exporters['awsemf/scaling']).toEqual({
      region: 'eu-west-1',
      namespace: NAMESPACE,
      log_group_name: LOG_GROUP,
      dimension_rollup_option: 'NoDimensionRollup',
      resource_to_telemetry_conversion: { enabled: true },
      // The collector's queue sizes too: its scale-in alarm reads them (metrics/queue).
      metric_declarations: [{ dimensions: [['Service']], metric_name_selectors: [`^${SIGNAL}$`, '^otelcol_exporter_queue_size$'] }],
    });
  });

  test('the configuration with its scaling pipeline fits the contract and the binary validates it (awsemf: contract only)', () => {
    const fragments = collectorConfigFragments(cfg);
    expect(contractProblems(asAdotReadsIt(fragments))).toEqual([]);
    expect(validate(fragments)).toEqual({ status: 0, output: '' });
  });

  test('the contract reports a misspelt key inside a metric declaration (the check can fail)', () => {
    const bad = structuredClone(cfg);
    bad.exporters['awsemf/scaling'].metric_declarations[0].metric_name_selector = ['x'];
    expect(contractProblems(asAdotReadsIt(collectorConfigFragments(bad)))).toEqual([
      'exporters.awsemf/scaling.metric_declarations[0].metric_name_selector: not a key of awsemf in v0.49.0',
    ]);
  });

  test('only the backend pending executions reach the exporter, per backend task, valued as served, Service = backend', async () => {
    const all = await run(
      rendered,
      // Two scrapes of each backend task, and one of the collector itself.
      (points) =>
        Object.values(byInstance(points.filter((p) => p.metric === SIGNAL))).filter((p) => p.length >= 2).length >= 2 &&
        points.some((p) => p.resource.Service === 'otel-collector'),
      'prod',
    );
    // The collector's own queue sizes share the exporter (metrics/queue: the scale-in alarm reads them): its own
    // series, Service = otel-collector, and nothing else of its telemetry.
    const queue = all.points.filter((p) => p.resource.Service === 'otel-collector');
    expect([...new Set(queue.map((p) => p.metric))]).toEqual(['otelcol_exporter_queue_size']);
    expect(new Set(queue.map((p) => p.attributes.exporter)).size).toBeGreaterThan(1);
    const r = { ...all, points: all.points.filter((p) => p.resource.Service !== 'otel-collector') };
    const metrics = [...new Set(r.points.map((p) => p.metric))];
    const jobs = [...new Set(r.points.map((p) => p.resource['service.name']))];
    const services = [...new Set(r.points.map((p) => p.resource.Service))];
    // Nothing else: not the backend's other metric, not `up`/scrape_* the receiver makes, not the worker's 999.
    expect({ metrics, jobs, services, types: [...new Set(r.points.map((p) => p.type))] }).toEqual({
      metrics: [SIGNAL],
      jobs: ['backend'],
      services: ['backend'],
      types: ['gauge'],
    });
    expect(r.points.some((p) => p.value === 999)).toBe(false);
    // awsemf, with resource_to_telemetry_conversion, makes every resource attribute a label and groups the points
    // by their labels and timestamp, one EMF log line per group (contrib@v0.156.0:exporter/awsemfexporter/
    // grouped_metric.go addToGroupedMetric, aws.NewKey); the declaration keeps Service as the one dimension
    // (metric_declaration.go). Each task's points differ in service.instance.id, so each task's value is its own
    // line with Service=backend, and a gauge's value goes as it is (datapoint.go numberDataPointSlice: only a
    // cumulative Sum is turned into a delta). CloudWatch's Maximum over the lines is then the tasks' maximum.
    const got = byInstance(r.points);
    expect(Object.keys(got).sort()).toEqual([instanceOf(r.targets, 'backend-a'), instanceOf(r.targets, 'backend-b')].sort());
    for (const name of ['backend-a', 'backend-b']) {
      const target = r.targets.find((t) => t.name === name)!;
      const values = got[instanceOf(r.targets, name)].map((p) => p.value);
      // In scrape order; a scrape answered while the collector stopped may not have been exported.
      expect(values).toEqual(target.served.slice(0, values.length));
    }
    const max = Math.max(...r.points.map((p) => p.value!));
    const servedMax = Math.max(...r.targets.filter((t) => t.job === 'backend').flatMap((t) => t.served.slice(0, 2)));
    expect(max).toBeGreaterThanOrEqual(servedMax);
    // The SDK's own service_name did not become the dimension.
    expect(got[instanceOf(r.targets, 'backend-a')][0].resource.service_name).toBe('trading-backend');
    // The scraped pipeline, sharing the receiver, still sent everything else to AMP (the filter works on a copy).
    expect(r.ampWrites).toBeGreaterThan(0);
    expect(r.scrapedSent).toBeGreaterThan(r.points.length);
    expect(r.log.split('\n').filter((l) => /\t(warn|error)\t/.test(l))).toEqual([]);
    console.log(
      `scaling pipeline (prod): ${r.points.length} points at the exporter, values ${JSON.stringify(
        Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.map((p) => p.value)])),
      )}; scraped exporter sent ${r.scrapedSent} points`,
    );
  }, 120_000);
});

describe('a histogram signal (prod plus a signal on the worker execution time, aggregation mean)', () => {
  const envs = parse(baseFiles[ENVIRONMENTS_FILE]) as CollectorConfig;
  envs.environments.prod.scaling['signal-generator'] = {
    cluster: 'trading-platform-prod',
    metric: HISTOGRAM,
    from: 'celery-worker',
    aggregation: 'mean',
    perTask: false,
    target: 30,
    unit: 's',
    minTasks: 1,
    maxTasks: 4,
  };
  const { model, rendered } = prodRendered({ ...baseFiles, [ENVIRONMENTS_FILE]: stringify(envs) });

  test('the model reads it as Average over the statistic sets', () => {
    expect(model.scaling.map((s) => [s.service, s.metric, s.from, s.statistic])).toEqual([
      ['celery-worker', SIGNAL, 'backend', 'Maximum'],
      ['signal-generator', HISTOGRAM, 'celery-worker', 'Average'],
    ]);
  });

  test("the worker's histogram reaches the exporter as deltas: each scrape's count and sum, so Average is the period's mean", async () => {
    const r = await run(
      rendered,
      (points) =>
        points.filter((p) => p.metric === HISTOGRAM).length >= 2 &&
        points.some((p) => p.metric === SIGNAL) &&
        points.some((p) => p.resource.Service === 'otel-collector'),
      'histogram',
    );
    const histograms = r.points.filter((p) => p.metric === HISTOGRAM);
    expect([...new Set(r.points.map((p) => `${p.resource.Service} ${p.metric} ${p.type}`))].sort()).toEqual([
      `backend ${SIGNAL} gauge`,
      `celery-worker ${HISTOGRAM} histogram`,
      'otel-collector otelcol_exporter_queue_size gauge',
    ]);
    // The worker's own series of the backend's metric (999) is still not a signal.
    expect(r.points.some((p) => p.value === 999)).toBe(false);
    // The prometheus receiver keeps a client's histogram cumulative, and awsemf sends a classic histogram's Count and
    // Sum as they arrive (contrib@v0.156.0:exporter/awsemfexporter/datapoint.go, histogramDataPointSlice takes no
    // delta), so cumulativetodelta/scaling makes them deltas first: AGGREGATION_TEMPORALITY_DELTA (1), and each
    // point is one scrape's 3 observations of 4 s (the first scrape only starts the delta).
    expect(histograms.map((h) => h.temporality)).toEqual(histograms.map(() => 1));
    expect(histograms.map((h) => [h.count, h.sum])).toEqual(histograms.map(() => [3, 12]));
    console.log(
      `scaling pipeline (histogram): ${JSON.stringify(histograms.map((h) => ({ count: h.count, sum: h.sum, t: h.temporality })))}`,
    );
  }, 120_000);
});
