import { EnvironmentConfig } from '../config/environment-schema';
import { Naming } from '../naming';
import { SCALING_DIMENSION, ScalingSignal, scalingNamespace } from '../model/scaling';
import { BATCH_POINTS, BATCH_TIMEOUT_SECONDS, collectorSizing, CollectorInput } from './collector-sizing';
import { CollectorConfig, SCRAPE_JOBS_PER_RECEIVER, scrapeReceiverNames, TRANSFORMS_PER_PROCESSOR } from './collector-fragments';
import {
  COLLECTOR_JOB,
  ECS_JOB_LABEL,
  ECS_SD_FILE,
  HEALTH_CHECK_PORT,
  OTLP_AUTH_ENV,
  OTLP_GRPC_PORT,
  OTLP_HTTP_PORT,
  SELF_METRICS_PORT,
  TASK_IDENTITY,
} from './collector-image';

/** Labels the seed's 9.2 forbids on metrics (unbounded cardinality); aggregated away before any export. */
export const FORBIDDEN_LABELS = ['user_id', 'execution_id'] as const;

/** Where the rendered configuration sends things; differs between AWS and local. */
export interface CollectorDestinations {
  /** AWS region (SigV4, X-Ray, EMF). Required on AWS. */
  readonly region?: string;
  /** AMP remote-write URL, when metrics go to `amp`. */
  readonly ampRemoteWriteUrl?: string;
  /** Log group for EMF, when metrics go to `cloudwatch`. */
  readonly emfLogGroupName?: string;
  /** Log group of the scaling signals' EMF, when platform services scale on catalog metrics (AWS). */
  readonly scalingLogGroupName?: string;
  /** Local Prometheus remote-write receiver. @default http://prometheus:9090/api/v1/write */
  readonly prometheusRemoteWriteUrl?: string;
  /** Local Jaeger OTLP endpoint. @default jaeger:4317 */
  readonly jaegerEndpoint?: string;
  /** Static discovery: host:port per service. @default <service>:<port> (compose names) */
  readonly staticTargets?: Readonly<Record<string, string>>;
  /** Where the collector's own metrics are scraped. @default 127.0.0.1:8888 */
  readonly selfMetricsTarget?: string;
  /** Local Loki's OTLP endpoint (the exporter appends /v1/logs). @default http://loki:3100/otlp */
  readonly lokiOtlpUrl?: string;
  /** The Docker json-file logs the local collector reads (a glob). @default each container's `<id>-json.log` under DOCKER_CONTAINERS_DIR */
  readonly containerLogs?: string;
}

/**
 * The OpenTelemetry collector configuration of one environment: receivers,
 * processors and pipelines are the same everywhere; exporters, auth and
 * target discovery follow the environment. Every component and key is checked
 * against the pinned release in test/contracts/adot.ts.
 */
export function renderCollectorConfig(input: CollectorInput, to: CollectorDestinations = {}): CollectorConfig {
  const env = input.environment;
  const aws = env.target === 'aws';
  const sizing = collectorSizing(input, env.collector.memoryMiB);
  const interval = `${env.scrapeIntervalSeconds}s`;

  // No file_storage and no remote-write WAL: the only writable place is the
  // container's own layer, which Fargate discards with the task, so a disk
  // queue would add start-up failure modes (and the WAL its deadlock history:
  // contrib issues 15277/24399) without surviving a task replacement. An
  // outage that overlaps a redeploy or a task crash loses what the old
  // task still held in memory (at most OUTAGE_SECONDS of samples).
  const extensions: CollectorConfig = {
    health_check: { endpoint: `0.0.0.0:${HEALTH_CHECK_PORT}` },
  };
  if (env.exporters.metrics === 'amp') extensions.sigv4auth = { region: required(to.region, 'region'), service: 'aps' };
  if (env.discovery.mode === 'ecs') {
    extensions.ecs_observer = {
      cluster_name: env.discovery.clusterName,
      cluster_region: required(to.region, 'region'),
      refresh_interval: '60s',
      result_file: ECS_SD_FILE,
      job_label_name: ECS_JOB_LABEL,
      docker_labels: [
        {
          job_name_label: env.discovery.serviceLabel,
          port_label: 'com.trading.metrics_port',
          metrics_path_label: 'com.trading.metrics_path',
        },
      ],
    };
  }

  const receivers: CollectorConfig = {
    // Scrape jobs in receivers of SCRAPE_JOBS_PER_RECEIVER, so the configuration
    // can be delivered in fragments under SSM's 8 KB (collectorConfigFragments).
    ...scrapeReceivers(scrapeConfig(env, interval, to.staticTargets)),
    'prometheus/self': {
      config: {
        scrape_configs: [
          {
            job_name: COLLECTOR_JOB,
            scrape_interval: interval,
            static_configs: [{ targets: [to.selfMetricsTarget ?? `127.0.0.1:${SELF_METRICS_PORT}`] }],
          },
        ],
      },
    },
    otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
  };
  if (aws) receivers.awsecscontainermetrics = { collection_interval: interval };
  // Locally the services' container logs go to Loki; on AWS their log driver sends them to CloudWatch Logs
  // (lib/constructs/service-log-groups.ts), so the AWS collector has no logs pipeline.
  if (!aws) receivers.file_log = containerLogsReceiver(env, to.containerLogs);

  const processors: CollectorConfig = {
    memory_limiter: { check_interval: '1s', limit_mib: sizing.limitMiB, spike_limit_mib: sizing.spikeLimitMiB },
    // Cardinality guard (seed 9.2): aggregate user_id/execution_id away instead
    // of deleting them, so points that differed only by them become one summed
    // point rather than several samples of one series at the same timestamp.
    ...cardinalityProcessors(input),
    // A metric outside the catalog that still carries a forbidden label is
    // dropped, not miscounted (filterprocessor OTTL datapoint conditions).
    'filter/cardinality': {
      error_mode: 'ignore',
      metrics: { datapoint: FORBIDDEN_LABELS.map((l) => `attributes["${l}"] != nil`) },
    },
    resource: { attributes: [{ key: 'deployment.environment', value: env.name, action: 'upsert' }] },
    // OTLP-pushed metrics, remote-written: the translator makes job "<service.namespace>/<service.name>" and
    // instance service.instance.id (contrib@v0.156.0:pkg/translator/prometheusremotewrite/helper.go,
    // createAttributes). Scraped series have job "<service>" (the scrape job), so the namespace goes and both
    // share job; a sender without service.instance.id gets its address (one per Fargate task), so two tasks never
    // write one series (attraction.go getAttributeValueFromContext, "client.address"). Run by the real collector:
    // test/e2e/local-stack.test.ts.
    ...(remoteWrites(env) ? { [PUSHED_IDENTITY]: pushedIdentity } : {}),
    batch: { send_batch_size: BATCH_POINTS, send_batch_max_size: BATCH_POINTS, timeout: `${BATCH_TIMEOUT_SECONDS}s` },
  };
  // The ecs detector describes the task it runs in: the collector's. It is
  // applied to the collector's own telemetry only, never to the applications'
  // (finding 9: a gateway must not stamp its identity on what it forwards).
  if (aws) processors['resource_detection/self'] = { detectors: ['env', 'ecs'], timeout: '5s', override: false };

  const { exporters, scraped, pushed, self, traces } = renderExporters(input, to, sizing);
  if (env.exporters.traces === 'xray') {
    // X-Ray annotations come from span attributes only (resource attributes
    // are metadata unless indexed as otel.resource.*):
    // contrib@v0.156.0:exporter/awsxrayexporter/internal/translator/segment.go,
    // makeXRayAttributes. The span attribute deployment_environment, indexed,
    // becomes annotation.deployment_environment, which the X-Ray group filters on.
    processors['attributes/xray'] = { actions: [{ key: XRAY_ENV_ANNOTATION, value: env.name, action: 'upsert' }] };
  }
  const appMetrics = [
    'memory_limiter',
    ...Object.keys(processors).filter((p) => p.startsWith('metrics_transform/')),
    'filter/cardinality',
    'resource',
    'batch',
  ];
  const pipelines: CollectorConfig = {
    // Scraped targets: every task scrapes every target; AMP keeps one replica's samples.
    'metrics/scraped': { receivers: scrapeReceiverNames(env.services.length), processors: appMetrics, exporters: scraped },
    // OTLP from the applications: identity from their own service.name/service.instance.id.
    'metrics/pushed': {
      receivers: ['otlp'],
      processors: remoteWrites(env) ? [appMetrics[0], PUSHED_IDENTITY, ...appMetrics.slice(1)] : appMetrics,
      exporters: pushed,
    },
    // The collector's own metrics and its task's container metrics: per task, labelled with the task.
    'metrics/self': {
      receivers: ['prometheus/self', ...(aws ? ['awsecscontainermetrics'] : [])],
      processors: ['memory_limiter', ...(aws ? ['resource_detection/self'] : []), 'resource', 'batch'],
      exporters: self,
    },
  };
  const scaling = aws ? (input.scaling ?? []) : [];
  const collectorScales = aws && env.collector.autoScaling !== undefined;
  if (scaling.length > 0 || collectorScales) {
    processors[SCALING_DIMENSION_PROCESSOR] = {
      attributes: [{ key: SCALING_DIMENSION, from_attribute: 'service.name', action: 'upsert' }],
    };
    const metrics = [...new Set([...scaling.map((s) => s.metric), ...(collectorScales ? [QUEUE_SIZE] : [])])];
    exporters[SCALING_EXPORTER] = scalingExporter(
      scalingNamespace(Naming.of(env)),
      metrics,
      required(to.region, 'region'),
      required(to.scalingLogGroupName, 'scalingLogGroupName'),
    );
  }
  if (scaling.length > 0) {
    processors[SCALING_FILTER] = scalingFilter(scaling);
    // A scraped histogram is cumulative and awsemf sends a classic histogram's count and sum as they come
    // (contrib@v0.156.0:exporter/awsemfexporter/datapoint.go): as deltas, CloudWatch's Average is the period's mean.
    const histograms = scaling.some((s) => s.aggregation === 'mean');
    if (histograms) processors[SCALING_DELTA] = { include: { metric_types: ['histogram'] } };
    // The scraped series again, reduced to the scaling signals: to CloudWatch, where Application Auto Scaling reads them.
    pipelines['metrics/scaling'] = {
      receivers: scrapeReceiverNames(env.services.length),
      processors: ['memory_limiter', SCALING_FILTER, ...(histograms ? [SCALING_DELTA] : []), SCALING_DIMENSION_PROCESSOR, 'batch'],
      exporters: [SCALING_EXPORTER],
    };
  }
  if (collectorScales) {
    // The collector's own queue sizes, so its scale-in waits while a task holds batches (docs/scaling.md): a task
    // stopped while its destination does not answer loses its queue (test/e2e/collector-drain.test.ts).
    processors[QUEUE_FILTER] = { error_mode: 'ignore', metrics: { metric: [`name != "${QUEUE_SIZE}"`] } };
    pipelines['metrics/queue'] = {
      receivers: ['prometheus/self'],
      processors: ['memory_limiter', QUEUE_FILTER, SCALING_DIMENSION_PROCESSOR, 'batch'],
      exporters: [SCALING_EXPORTER],
    };
  }
  if (!aws) {
    exporters[LOKI_EXPORTER] = lokiExporter(to.lokiOtlpUrl);
    pipelines.logs = { receivers: ['file_log'], processors: ['memory_limiter', 'resource', 'batch'], exporters: [LOKI_EXPORTER] };
  }
  if (traces.length > 0) {
    pipelines.traces = {
      receivers: ['otlp'],
      processors: ['memory_limiter', ...(env.exporters.traces === 'xray' ? ['attributes/xray'] : []), 'resource', 'batch'],
      exporters: traces,
    };
  }

  return {
    extensions,
    receivers,
    processors,
    exporters,
    service: {
      extensions: Object.keys(extensions),
      pipelines,
      // `metrics.address` is deprecated; readers is the current form
      // (open-telemetry/opentelemetry-collector@v0.156.0:service/telemetry/otelconftelemetry,
      // testdata/config_deprecated_address.yaml vs internal/migration/testdata/v0.3.0_metrics_prom_explicit.yaml).
      telemetry: {
        // The reader's target_info carries the telemetry resource, and the prometheus receiver turns target_info into
        // the scraped resource (contrib@v0.156.0:receiver/prometheusreceiver/internal/transaction.go AddTargetInfo), so
        // its service.name, not the scrape job, becomes `job`: by default the build's name ("aws-otel-collector"),
        // which no rule or dashboard selects. Named as the job instead; service.instance.id (a UUID per start) stays
        // the per-task `instance`. Seen on the real collector (test/e2e/local-stack.test.ts).
        resource: { attributes: [{ name: 'service.name', value: COLLECTOR_JOB }] },
        metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: SELF_METRICS_PORT } } } }] },
        logs: { level: 'info' },
      },
    },
  };
}

/** Where Docker keeps each container's folder, with its json-file log `<id>/<id>-json.log` (the daemon's data root). */
export const DOCKER_CONTAINERS_DIR = '/var/lib/docker/containers';
/** The label compose gives every container with its service's name (docker/compose pkg/api/labels.go, ServiceLabel). */
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
/** The compose service that plays a platform service's SDK in the local demo (lib/render/local-bundle.ts). */
export const otlpEmitterName = (service: string) => `otlp-${service}`;
const LOKI_EXPORTER = 'otlp_http/loki';

/**
 * The file_log receiver reading Docker's json-file logs of the compose services, each line an envelope
 * `{"log":"<line>\n","stream":"stdout","attrs":{"com.docker.compose.service":"backend"},"time":"<RFC 3339 nano>"}`
 * (moby/moby@02e3d3c:daemon/logger/jsonfilelog/jsonfilelog.go marshalMessage; `attrs` holds the container labels the
 * `labels` log option names, daemon/logger/loginfo.go ExtraAttributes; the compose file sets that option). What reaches
 * Loki: resource `service.name` = the compose service (an `otlp-<service>` emitter counts as its service), the body = the
 * service's own line unchanged (structlog JSON, so LogQL's `| json` reads it), its timestamp, level and trace context
 * when the line is JSON carrying them, and `log.iostream`. Lines of any other container (the stack's own) are dropped.
 * Operators: contrib@v0.156.0:pkg/stanza/operator (json_parser, filter, add, retain, move; helper/parser.go runs a
 * parser's timestamp, severity and trace parsers all, then reports the first error, so a line without `timestamp`
 * keeps Docker's time and still gets its trace id; a `*_quiet` on_error logs nothing). Run by the real collector:
 * test/tools/collector-logs.test.ts.
 */
function containerLogsReceiver(env: EnvironmentConfig, include = `${DOCKER_CONTAINERS_DIR}/*/*-json.log`): CollectorConfig {
  const containers = env.services.flatMap((s) => [s.name, otlpEmitterName(s.name)]);
  const service = `attributes.attrs?.["${COMPOSE_SERVICE_LABEL}"]`;
  const rfc3339 = { layout_type: 'gotime', layout: '2006-01-02T15:04:05.999999999Z07:00' };
  return {
    include: [include],
    // Without a storage extension the offsets are not kept: a restarted collector goes on from the files' ends.
    start_at: 'end',
    include_file_name: false,
    operators: [
      // Docker's envelope; a line that is not one cannot be given a service.
      { type: 'json_parser', id: 'docker', on_error: 'drop_quiet', timestamp: { parse_from: 'attributes.time', ...rfc3339 } },
      // The platform's services only (the collector's own lines would loop back through it).
      { type: 'filter', id: 'platform', expr: `${service} not in ${JSON.stringify(containers)}` },
      {
        type: 'add',
        id: 'service-name',
        field: 'resource["service.name"]',
        value: `EXPR(trimPrefix(${service}, "${otlpEmitterName('')}"))`,
      },
      // Docker ends each complete line with a newline; the body is the line as the service wrote it.
      { type: 'add', id: 'line', field: 'body', value: 'EXPR(trimSuffix(attributes.log, "\\n"))' },
      {
        type: 'json_parser',
        id: 'structlog',
        if: 'body matches "^\\\\s*\\\\{"',
        parse_from: 'body',
        parse_to: 'attributes.structlog',
        on_error: 'send_quiet',
        timestamp: { parse_from: 'attributes.structlog.timestamp', ...rfc3339 },
        // structlog's levels; `critical` (Python's CRITICAL) is OpenTelemetry's FATAL.
        severity: { parse_from: 'attributes.structlog.level', mapping: { fatal: 'critical' } },
        trace: {
          trace_id: { parse_from: 'attributes.structlog.trace_id' },
          span_id: { parse_from: 'attributes.structlog.span_id' },
        },
      },
      { type: 'move', id: 'iostream', from: 'attributes.stream', to: 'attributes["log.iostream"]' },
      { type: 'retain', id: 'attributes', fields: ['attributes["log.iostream"]'] },
    ],
  };
}

/**
 * Local Loki's OTLP endpoint: http://<loki>/otlp, the exporter appends /v1/logs
 * (grafana/loki@v3.7.6:docs/sources/reference/loki-http-api.md, "Ingest logs using OTLP"). In memory like the other
 * queues (no file_storage); retried while Loki starts or restarts.
 */
function lokiExporter(endpoint = 'http://loki:3100/otlp'): CollectorConfig {
  return {
    endpoint,
    retry_on_failure: { enabled: true, max_elapsed_time: '5m' },
    sending_queue: { enabled: true, queue_size: 1000 },
  };
}

const SCALING_FILTER = 'filter/scaling';
const SCALING_DIMENSION_PROCESSOR = 'resource/scaling';
const SCALING_EXPORTER = 'awsemf/scaling';
const SCALING_DELTA = 'cumulativetodelta/scaling';
const QUEUE_FILTER = 'filter/queue';
/** The exporters' queue sizes in the collector's own telemetry (catalog: otelcol_exporter_queue_size). */
export const QUEUE_SIZE = 'otelcol_exporter_queue_size';

/**
 * Keeps only the scaling signals' metrics of the services they are read from
 * (filterprocessor drops a metric when a condition is true; OTTL metric
 * context, `resource.attributes["service.name"]` is the scrape job).
 */
function scalingFilter(scaling: readonly ScalingSignal[]): CollectorConfig {
  const wanted = [...new Set(scaling.map((s) => `(name == "${s.metric}" and resource.attributes["service.name"] == "${s.from}")`))];
  return { error_mode: 'ignore', metrics: { metric: [`not (${wanted.join(' or ')})`] } };
}

/**
 * The scaling signals (and the collector's queue sizes) as CloudWatch metrics, through embedded metric format: one
 * metric per name with the one dimension `Service` (its source job). Every collector replica sends the same values;
 * the statistics the policies use (Maximum, Minimum, Average) are the same with copies (docs/scaling.md).
 */
function scalingExporter(namespace: string, metrics: readonly string[], region: string, logGroupName: string): CollectorConfig {
  return {
    region,
    namespace,
    log_group_name: logGroupName,
    dimension_rollup_option: 'NoDimensionRollup',
    resource_to_telemetry_conversion: { enabled: true },
    metric_declarations: [{ dimensions: [[SCALING_DIMENSION]], metric_name_selectors: metrics.map((m) => `^${m}$`) }],
  };
}

const PUSHED_IDENTITY = 'resource/pushed';
const pushedIdentity: CollectorConfig = {
  attributes: [
    { key: 'service.namespace', action: 'delete' },
    { key: 'service.instance.id', from_context: 'client.address', action: 'insert' },
  ],
};

/** Metrics leave through Prometheus remote write (AMP or the local Prometheus), whose translator makes job and instance. */
function remoteWrites(env: EnvironmentConfig): boolean {
  return env.exporters.metrics === 'amp' || env.exporters.metrics === 'prometheus';
}

/** The span attribute (and X-Ray annotation) naming the environment. */
export const XRAY_ENV_ANNOTATION = 'deployment_environment';

/**
 * One metricstransform transform per catalog metric: keep the catalog's
 * labels, aggregate every other label away (`aggregate_labels`,
 * contrib@v0.156.0:processor/metricstransformprocessor/config.go). Counters
 * and histograms are summed; a gauge split by user has no meaningful sum in
 * general, so its points keep the maximum. The name matches the catalog name
 * with or without `_total`: the prometheus receiver and OTLP SDKs name
 * counters differently (which one applies is not pinned down here: UNCONFIRMED).
 */
function cardinalityProcessors(input: CollectorInput): CollectorConfig {
  const transforms = input.catalog.metrics.map((m) => ({
    include: `^${escapeRegex(m.name.replace(/_total$/, ''))}(_total)?$`,
    match_type: 'regexp',
    action: 'update',
    operations: [{ action: 'aggregate_labels', label_set: Object.keys(m.labels), aggregation_type: m.type === 'gauge' ? 'max' : 'sum' }],
  }));
  // In processors of TRANSFORMS_PER_PROCESSOR, so each fits a fragment.
  const chunks = Math.ceil(transforms.length / TRANSFORMS_PER_PROCESSOR);
  return Object.fromEntries(
    Array.from({ length: chunks }, (_, i) => [
      i === 0 ? 'metrics_transform/cardinality' : `metrics_transform/cardinality${i + 1}`,
      { transforms: transforms.slice(i * TRANSFORMS_PER_PROCESSOR, (i + 1) * TRANSFORMS_PER_PROCESSOR) },
    ]),
  );
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function scrapeReceivers(config: CollectorConfig): CollectorConfig {
  const jobs = config.scrape_configs as CollectorConfig[];
  return Object.fromEntries(
    scrapeReceiverNames(jobs.length).map((name, i) => [
      name,
      { config: { ...config, scrape_configs: jobs.slice(i * SCRAPE_JOBS_PER_RECEIVER, (i + 1) * SCRAPE_JOBS_PER_RECEIVER) } },
    ]),
  );
}

/** The Prometheus scrape configuration inside the prometheus receiver: one job per service, named as the service. */
function scrapeConfig(
  env: EnvironmentConfig,
  interval = `${env.scrapeIntervalSeconds}s`,
  staticTargets: Readonly<Record<string, string>> = {},
): CollectorConfig {
  return {
    global: { scrape_interval: interval, scrape_timeout: `${Math.min(10, env.scrapeIntervalSeconds)}s` },
    scrape_configs: env.services.map((s) => {
      const job: CollectorConfig = { job_name: s.name, metrics_path: s.path, scrape_interval: interval };
      switch (env.discovery.mode) {
        case 'static':
          return { ...job, static_configs: [{ targets: [staticTargets[s.name] ?? `${s.name}:${s.port}`] }] };
        case 'dns':
          // Cloud Map keeps one A record per task: every task is a target.
          return {
            ...job,
            dns_sd_configs: [{ names: [`${s.name}.${env.discovery.namespace}`], type: 'A', port: s.port, refresh_interval: '30s' }],
          };
        case 'ecs':
          // ecs_observer writes the service's docker label to ECS_JOB_LABEL, not
          // `job`: keep this service's targets by it, then drop it (the job is
          // this scrape job's name).
          return {
            ...job,
            file_sd_configs: [{ files: [ECS_SD_FILE] }],
            relabel_configs: [
              { source_labels: [ECS_JOB_LABEL], regex: escapeRegex(s.name), action: 'keep' },
              { regex: ECS_JOB_LABEL, action: 'labeldrop' },
            ],
          };
      }
    }),
  };
}

function renderExporters(input: CollectorInput, to: CollectorDestinations, sizing: ReturnType<typeof collectorSizing>) {
  const env = input.environment;
  const exporters: CollectorConfig = {};
  let scraped: string[] = [];
  let pushed: string[] = [];
  let self: string[] = [];
  const traces: string[] = [];
  const remoteWriteExporter = (endpoint: string, extra: CollectorConfig = {}): CollectorConfig => ({
    endpoint,
    // One push retries until AMP answers or this deadline passes (see collectorSizing).
    timeout: `${sizing.exportTimeoutSeconds}s`,
    // No max_interval: exporter.go builds its backoff from initial_interval, randomization_factor and multiplier only,
    // so MaxInterval stays 0 and backoff v5 retries at initial_interval (±50 %) throughout (contrib@v0.156.0,
    // exporter/prometheusremotewriteexporter/exporter.go, execute; cenkalti/backoff v5 exponential.go). Setting it would
    // promise a growth that does not happen. `timeout` is also the HTTP client's per-attempt timeout (both structs are
    // squashed under the same key: exporterhelper timeout_sender.go, confighttp client.go), so one blackholed connection
    // can use the whole window: fast failures (5xx, refused, 429 with the gate below) are what this rides out.
    retry_on_failure: { enabled: true, initial_interval: '5s', max_elapsed_time: `${sizing.exportTimeoutSeconds}s` },
    remote_write_queue: { enabled: true, queue_size: sizing.queueSize },
    max_batch_size_bytes: 3_000_000,
    // Without it every series carries otel_scope_name and otel_scope_version (the receiver's module and the
    // collector's build: contrib@v0.156.0:pkg/translator/prometheusremotewrite/helper.go createAttributes), so an
    // ADOT upgrade would change the identity of every series, resetting every alert's `for`. Seen on the real
    // collector (test/e2e/local-stack.test.ts).
    disable_scope_info: true,
    ...extra,
  });
  // The collector's own series: resource attributes (its task's ARN and
  // container from the ecs detector and awsecscontainermetrics) become labels,
  // so two tasks never write the same series.
  const perTask = { resource_to_telemetry_conversion: { enabled: true } };

  switch (env.exporters.metrics) {
    case 'amp': {
      const auth = { auth: { authenticator: 'sigv4auth' } };
      const url = required(to.ampRemoteWriteUrl, 'ampRemoteWriteUrl');
      // AMP deduplicates on cluster + __replica__ and drops __replica__ on
      // ingest (docs.aws.amazon.com "Deduplicating high availability metrics
      // sent to Amazon Managed Service for Prometheus"; cited, not re-read in
      // this session: UNCONFIRMED). Set even for one
      // replica: a rolling deployment (maxHealthyPercent 200) briefly runs two.
      const ha = { external_labels: { cluster: `${env.app}-${env.name}`, __replica__: TASK_IDENTITY } };
      exporters['prometheus_remote_write/scraped'] = remoteWriteExporter(url, { ...auth, ...ha });
      exporters['prometheus_remote_write/pushed'] = remoteWriteExporter(url, auth);
      exporters['prometheus_remote_write/self'] = remoteWriteExporter(url, { ...auth, ...perTask });
      scraped = ['prometheus_remote_write/scraped'];
      pushed = ['prometheus_remote_write/pushed'];
      self = ['prometheus_remote_write/self'];
      break;
    }
    case 'prometheus': {
      const url = to.prometheusRemoteWriteUrl ?? 'http://prometheus:9090/api/v1/write';
      exporters['prometheus_remote_write/scraped'] = remoteWriteExporter(url, { tls: { insecure: true } });
      exporters['prometheus_remote_write/pushed'] = remoteWriteExporter(url, { tls: { insecure: true } });
      exporters['prometheus_remote_write/self'] = remoteWriteExporter(url, { tls: { insecure: true } });
      scraped = ['prometheus_remote_write/scraped'];
      pushed = ['prometheus_remote_write/pushed'];
      self = ['prometheus_remote_write/self'];
      break;
    }
    case 'cloudwatch':
      // No deduplication in CloudWatch: the schema refuses replicas > 1 here.
      exporters.awsemf = {
        region: required(to.region, 'region'),
        namespace: `TradingPlatform/${env.name}`,
        log_group_name: required(to.emfLogGroupName, 'emfLogGroupName'),
        dimension_rollup_option: 'NoDimensionRollup',
        resource_to_telemetry_conversion: { enabled: true },
      };
      scraped = pushed = self = ['awsemf'];
      break;
    case 'otlp':
      // No deduplication at the vendor: the schema refuses replicas > 1 here.
      exporters['otlp_http/vendor'] = otlpVendor(env);
      scraped = pushed = self = ['otlp_http/vendor'];
      break;
  }

  switch (env.exporters.traces) {
    case 'xray':
      exporters.awsxray = { region: required(to.region, 'region'), indexed_attributes: [XRAY_ENV_ANNOTATION, 'pipeline_id'] };
      traces.push('awsxray');
      break;
    case 'otlp':
      exporters['otlp_http/vendor'] ??= otlpVendor(env);
      traces.push('otlp_http/vendor');
      break;
    case 'jaeger':
      exporters['otlp_grpc/jaeger'] = { endpoint: to.jaegerEndpoint ?? 'jaeger:4317', tls: { insecure: true } };
      traces.push('otlp_grpc/jaeger');
      break;
    case 'none':
      break;
  }

  if (env.target === 'local') {
    exporters.debug = { verbosity: 'basic' };
    traces.push(...(traces.length > 0 ? ['debug'] : []));
  }
  return { exporters, scraped, pushed, self, traces };
}

function otlpVendor(env: EnvironmentConfig): CollectorConfig {
  const otlp = env.exporters.otlp;
  if (!otlp) throw new Error('renderCollectorConfig: exporters.otlp is required for the otlp exporter (the schema enforces this)');
  return {
    endpoint: otlp.endpoint,
    headers: { [otlp.authHeader]: `\${env:${OTLP_AUTH_ENV}}` },
    retry_on_failure: { enabled: true, max_elapsed_time: '10m' },
    // In memory: no file_storage (see renderCollectorConfig).
    sending_queue: { enabled: true, queue_size: 5000 },
  };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`renderCollectorConfig: "${name}" is required for this environment's exporters`);
  return value;
}
