import { stringify as stringifyYaml } from 'yaml';
import { EnvironmentConfig } from '../config/environment-schema';
import { MetricCatalog } from '../model/metric-catalog';

/** The ADOT collector image, pinned in this one place. v0.42.0 ships `debug`, not `logging`. */
export const ADOT_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.42.0';

/** Labels the seed's 9.2 forbids on metrics (unbounded cardinality); dropped before any export. */
export const FORBIDDEN_LABELS = ['user_id', 'execution_id'] as const;

export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const HEALTH_CHECK_PORT = 13133;
/** The collector's own metrics (otelcol_*), scraped as job "otel-collector". */
export const SELF_METRICS_PORT = 8888;
export const COLLECTOR_JOB = 'otel-collector';
/** Environment variable holding the OTLP vendor's auth header value (from Secrets Manager). */
export const OTLP_AUTH_ENV = 'OTLP_AUTH_HEADER';
/** Where the collector keeps its queues and WAL: the task's ephemeral storage. */
export const STORAGE_DIR = '/var/lib/otelcol';
/** The result file ecs_observer writes and the prometheus receiver reads. */
export const ECS_SD_FILE = '/tmp/ecs_sd_targets.yaml';

/** Where the rendered configuration sends things; differs between AWS and local. */
export interface CollectorDestinations {
  /** AWS region (SigV4, X-Ray, EMF). Required on AWS. */
  readonly region?: string;
  /** AMP remote-write URL, when metrics go to `amp`. */
  readonly ampRemoteWriteUrl?: string;
  /** Log group for EMF, when metrics go to `cloudwatch`. */
  readonly emfLogGroupName?: string;
  /** Local Prometheus remote-write receiver. @default http://prometheus:9090/api/v1/write */
  readonly prometheusRemoteWriteUrl?: string;
  /** Local Jaeger OTLP endpoint. @default jaeger:4317 */
  readonly jaegerEndpoint?: string;
  /** Static discovery: host:port per service. @default <service>:<port> (compose names) */
  readonly staticTargets?: Readonly<Record<string, string>>;
  /** Where the collector's own metrics are scraped. @default 127.0.0.1:8888 */
  readonly selfMetricsTarget?: string;
}

export interface CollectorInput {
  readonly environment: EnvironmentConfig;
  readonly catalog: MetricCatalog;
}

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Sizing from the catalog (seed section 4 with the label cardinalities
 * declared in catalog/metrics.yaml). The prometheus receiver keeps every
 * active series in memory, about 2-3 KiB each with its labels and staleness
 * state; the remote-write queue holds the samples of a 5-minute AMP outage:
 *
 *   series               = catalog.estimateSeries()            (87k at the time of writing)
 *   samples per scrape   = series                               (every series, every interval)
 *   scrapes in 5 minutes = 300 s / scrapeIntervalSeconds        (20 at 15 s)
 *   queued samples       = series * scrapes                     (1.7M at 15 s)
 *
 * The queue counts requests of at most `max_samples_per_send` (2,000)
 * samples, so queue_size = ceil(queued samples / 2,000), with the WAL on
 * ephemeral storage behind it so a restart loses nothing already accepted.
 * memory_limiter gets 80 % of the task's memory, with a 25 % spike margin;
 * at 87k series the receiver needs ~250 MiB, well inside 2 GiB.
 */
export function collectorSizing(input: CollectorInput, memoryMiB: number) {
  const series = input.catalog.estimateSeries();
  const scrapesIn5Minutes = Math.ceil(300 / input.environment.scrapeIntervalSeconds);
  const maxSamplesPerSend = 2000;
  return {
    series,
    queueSize: Math.max(1000, Math.ceil((series * scrapesIn5Minutes) / maxSamplesPerSend)),
    maxSamplesPerSend,
    limitMiB: Math.floor(memoryMiB * 0.8),
    spikeLimitMiB: Math.floor(memoryMiB * 0.2),
  };
}

/**
 * The OpenTelemetry collector configuration of one environment: receivers,
 * processors and pipelines are the same everywhere; exporters, auth and
 * target discovery follow the environment.
 */
export function renderCollectorConfig(input: CollectorInput, to: CollectorDestinations = {}): Config {
  const env = input.environment;
  const aws = env.target === 'aws';
  const sizing = collectorSizing(input, env.collector.memoryMiB);
  const interval = `${env.scrapeIntervalSeconds}s`;

  const extensions: Config = {
    health_check: { endpoint: `0.0.0.0:${HEALTH_CHECK_PORT}` },
    file_storage: { directory: `${STORAGE_DIR}/queue`, create_directory: true },
  };
  if (env.exporters.metrics === 'amp') extensions.sigv4auth = { region: required(to.region, 'region'), service: 'aps' };
  if (env.discovery.mode === 'ecs') {
    extensions.ecs_observer = {
      cluster_name: env.discovery.clusterName,
      cluster_region: required(to.region, 'region'),
      refresh_interval: '60s',
      result_file: ECS_SD_FILE,
      docker_labels: [
        {
          job_name_label: env.discovery.serviceLabel,
          port_label: 'com.trading.metrics_port',
          metrics_path_label: 'com.trading.metrics_path',
        },
      ],
    };
  }

  const receivers: Config = {
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

  const processors: Config = {
    memory_limiter: { check_interval: '1s', limit_mib: sizing.limitMiB, spike_limit_mib: sizing.spikeLimitMiB },
    'attributes/cardinality': { actions: FORBIDDEN_LABELS.map((key) => ({ key, action: 'delete' })) },
    resourcedetection: { detectors: aws ? ['env', 'ecs'] : ['env'], timeout: '5s', override: false },
    resource: { attributes: [{ key: 'deployment.environment', value: env.name, action: 'upsert' }] },
    batch: { send_batch_size: 8192, timeout: '5s' },
  };

  const { exporters, scraped, pushed, traces } = renderExporters(input, to, sizing);
  const metricsProcessors = ['memory_limiter', 'attributes/cardinality', 'resourcedetection', 'resource', 'batch'];
  const pipelines: Config = {
    // Scraped targets: with several replicas, AMP keeps one replica's samples.
    'metrics/scraped': { receivers: scrapeReceiverNames(env.services.length), processors: metricsProcessors, exporters: scraped },
    // Pushed (OTLP) and per-task metrics: each task's own, never deduplicated.
    'metrics/pushed': {
      receivers: ['otlp', 'prometheus/self', ...(aws ? ['awsecscontainermetrics'] : [])],
      processors: metricsProcessors,
      exporters: pushed,
    },
  };
  if (traces.length > 0) {
    pipelines.traces = { receivers: ['otlp'], processors: ['memory_limiter', 'resourcedetection', 'resource', 'batch'], exporters: traces };
  }

  return {
    extensions,
    receivers,
    processors,
    exporters,
    service: {
      extensions: Object.keys(extensions),
      pipelines,
      telemetry: { metrics: { address: `0.0.0.0:${SELF_METRICS_PORT}` }, logs: { level: 'info' } },
    },
  };
}

/**
 * Below this size the configuration is one SSM parameter (advanced tier holds
 * 8 KB; the margin is for the remote-write URL and region, resolved at deploy).
 */
export const SINGLE_FRAGMENT_BYTES = 7000;

/** Scrape jobs per prometheus receiver (about 4 KB of YAML). */
export const SCRAPE_JOBS_PER_RECEIVER = 20;

/** `prometheus`, then `prometheus/2`, `prometheus/3`...: one receiver per SCRAPE_JOBS_PER_RECEIVER services. */
export function scrapeReceiverNames(services: number): string[] {
  return Array.from({ length: Math.max(1, Math.ceil(services / SCRAPE_JOBS_PER_RECEIVER)) }, (_, i) =>
    i === 0 ? 'prometheus' : `prometheus/${i + 1}`,
  );
}

function scrapeReceivers(config: Config): Config {
  const jobs = config.scrape_configs as Config[];
  return Object.fromEntries(
    scrapeReceiverNames(jobs.length).map((name, i) => [
      name,
      { config: { ...config, scrape_configs: jobs.slice(i * SCRAPE_JOBS_PER_RECEIVER, (i + 1) * SCRAPE_JOBS_PER_RECEIVER) } },
    ]),
  );
}

/**
 * The configuration as the collector reads it from several `--config`
 * sources, which it merges: one fragment while it fits an SSM parameter (the
 * platform's four services); beyond that, everything but the scrape
 * receivers, then one fragment per scrape receiver.
 */
export function collectorConfigFragments(config: Config, maxBytes = SINGLE_FRAGMENT_BYTES): string[] {
  const whole = collectorConfigYaml(config);
  if (Buffer.byteLength(whole) <= maxBytes) return [whole];
  const scrape = Object.keys(config.receivers).filter((r) => /^prometheus(\/\d+)?$/.test(r));
  const base = { ...config, receivers: Object.fromEntries(Object.entries(config.receivers).filter(([r]) => !scrape.includes(r))) };
  return [collectorConfigYaml(base), ...scrape.map((r) => collectorConfigYaml({ receivers: { [r]: config.receivers[r] } }))];
}

/** The configuration as YAML, as the collector reads it. */
export function collectorConfigYaml(config: Config): string {
  return stringifyYaml(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The Prometheus scrape configuration inside the prometheus receiver: one job per service, named as the service. */
export function scrapeConfig(
  env: EnvironmentConfig,
  interval = `${env.scrapeIntervalSeconds}s`,
  staticTargets: Readonly<Record<string, string>> = {},
): Config {
  return {
    global: { scrape_interval: interval, scrape_timeout: `${Math.min(10, env.scrapeIntervalSeconds)}s` },
    scrape_configs: env.services.map((s) => {
      const job: Config = { job_name: s.name, metrics_path: s.path, scrape_interval: interval };
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
          // ecs_observer labels each target with job = the service's docker label.
          return {
            ...job,
            file_sd_configs: [{ files: [ECS_SD_FILE] }],
            relabel_configs: [{ source_labels: ['job'], regex: s.name, action: 'keep' }],
          };
      }
    }),
  };
}

function renderExporters(input: CollectorInput, to: CollectorDestinations, sizing: ReturnType<typeof collectorSizing>) {
  const env = input.environment;
  const exporters: Config = {};
  let scraped: string[] = [];
  let pushed: string[] = [];
  const traces: string[] = [];
  const retry = { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '10m' };
  const prw = (endpoint: string, extra: Config = {}): Config => ({
    endpoint,
    resource_to_telemetry_conversion: { enabled: false },
    retry_on_failure: retry,
    remote_write_queue: { enabled: true, queue_size: sizing.queueSize, num_consumers: 5 },
    max_batch_size_bytes: 3_000_000,
    ...extra,
  });

  switch (env.exporters.metrics) {
    case 'amp': {
      const auth = { auth: { authenticator: 'sigv4auth' } };
      const url = required(to.ampRemoteWriteUrl, 'ampRemoteWriteUrl');
      const ha =
        env.collector.replicas > 1
          ? // AMP deduplicates on cluster + __replica__ and drops __replica__ on ingest.
            { external_labels: { cluster: `${env.app}-${env.name}`, __replica__: '${env:HOSTNAME}' } }
          : {};
      exporters['prometheusremotewrite/scraped'] = prw(url, {
        ...auth,
        ...ha,
        wal: { directory: `${STORAGE_DIR}/wal-scraped`, buffer_size: 300 },
      });
      exporters['prometheusremotewrite/pushed'] = prw(url, { ...auth, wal: { directory: `${STORAGE_DIR}/wal-pushed`, buffer_size: 300 } });
      scraped = ['prometheusremotewrite/scraped'];
      pushed = ['prometheusremotewrite/pushed'];
      break;
    }
    case 'prometheus': {
      const url = to.prometheusRemoteWriteUrl ?? 'http://prometheus:9090/api/v1/write';
      exporters['prometheusremotewrite/scraped'] = prw(url, { tls: { insecure: true } });
      exporters['prometheusremotewrite/pushed'] = prw(url, { tls: { insecure: true } });
      scraped = ['prometheusremotewrite/scraped'];
      pushed = ['prometheusremotewrite/pushed'];
      break;
    }
    case 'cloudwatch':
      exporters.awsemf = {
        region: required(to.region, 'region'),
        namespace: `TradingPlatform/${env.name}`,
        log_group_name: required(to.emfLogGroupName, 'emfLogGroupName'),
        dimension_rollup_option: 'NoDimensionRollup',
        resource_to_telemetry_conversion: { enabled: true },
      };
      scraped = pushed = ['awsemf'];
      break;
    case 'otlp':
      exporters['otlphttp/vendor'] = otlpVendor(env);
      scraped = pushed = ['otlphttp/vendor'];
      break;
  }

  switch (env.exporters.traces) {
    case 'xray':
      exporters.awsxray = { region: required(to.region, 'region'), indexed_attributes: ['deployment.environment', 'pipeline_id'] };
      traces.push('awsxray');
      break;
    case 'otlp':
      exporters['otlphttp/vendor'] ??= otlpVendor(env);
      traces.push('otlphttp/vendor');
      break;
    case 'jaeger':
      exporters['otlp/jaeger'] = { endpoint: to.jaegerEndpoint ?? 'jaeger:4317', tls: { insecure: true } };
      traces.push('otlp/jaeger');
      break;
    case 'none':
      break;
  }

  if (env.target === 'local') {
    exporters.debug = { verbosity: 'basic' };
    traces.push(...(traces.length > 0 ? ['debug'] : []));
  }
  return { exporters, scraped, pushed, traces };
}

function otlpVendor(env: EnvironmentConfig): Config {
  const otlp = env.exporters.otlp;
  if (!otlp) throw new Error('renderCollectorConfig: exporters.otlp is required for the otlp exporter (the schema enforces this)');
  return {
    endpoint: otlp.endpoint,
    headers: { [otlp.authHeader]: `\${env:${OTLP_AUTH_ENV}}` },
    retry_on_failure: { enabled: true, max_elapsed_time: '10m' },
    sending_queue: { enabled: true, storage: 'file_storage', queue_size: 5000 },
  };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`renderCollectorConfig: "${name}" is required for this environment's exporters`);
  return value;
}
