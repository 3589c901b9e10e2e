/**
 * What our collector configuration relies on about the ADOT release we pin,
 * read from its source on 2026-11-25. Every fact names where it was read as
 * `repo@tag:path`. Contrib and core sources were read from the copies ADOT
 * vendors at that tag (aws-observability/aws-otel-collector@v0.49.0:vendor/...),
 * i.e. exactly the versions compiled into the image.
 *
 * Bumping ADOT_VERSION (lib/render/collector-config.ts) means re-reading every
 * file named here at the new tag and updating this file in the same commit.
 *
 * Since 2026-12-07 a collector with these components is built here (tools/build.sh) and answers what it can:
 * the component list (COMPONENTS, less NOT_BUILT_HERE) and every key of COMPONENT_KEYS for the components it
 * has are checked against it (test/tools/collector-validate.test.ts), and it validates and starts every rendered
 * configuration. What it cannot answer stays read: the components it lacks (NOT_BUILT_HERE), the image (user,
 * writable paths, health check) and ADOT's own configuration resolution (AOT_CONFIG_CONTENT).
 */

export const READ_ON = '2026-11-25';

/** aws-observability/aws-otel-collector: newest tag in the snapshot read on READ_ON. */
export const ADOT_TAG = 'v0.49.0';
/** aws-observability/aws-otel-collector@v0.49.0:go.mod (collector-contrib modules at v0.156.0, core at v0.156.0 / v1.62.0). */
export const CONTRIB_VERSION = 'v0.156.0';
export const CORE_VERSION = 'v0.156.0';

const ADOT = `aws-observability/aws-otel-collector@${ADOT_TAG}`;
const CONTRIB = `${ADOT}:vendor/github.com/open-telemetry/opentelemetry-collector-contrib`;
const CORE = `${ADOT}:vendor/go.opentelemetry.io/collector`;

/** The components compiled into the distribution: aws-observability/aws-otel-collector@v0.49.0:pkg/defaultcomponents/defaults.go (Components). */
export const COMPONENTS = {
  source: `${ADOT}:pkg/defaultcomponents/defaults.go`,
  extensions: ['awsproxy', 'ecs_observer', 'health_check', 'pprof', 'sigv4auth', 'zpages', 'file_storage'],
  receivers: [
    'awsecscontainermetrics',
    'awscontainerinsightreceiver',
    'awsxray',
    'statsd',
    'prometheus',
    'kafka',
    'jaeger',
    'zipkin',
    'otlp',
    'file_log',
  ],
  processors: [
    'groupbytrace',
    'tail_sampling',
    'attributes',
    'resource',
    'probabilistic_sampler',
    'span',
    'filter',
    'metrics_transform',
    'resource_detection',
    // Read as experimental_metricsgeneration until the built binary's `components` listed metricsgeneration.
    'metricsgeneration',
    'cumulativetodelta',
    'deltatorate',
    'batch',
    'memory_limiter',
    'k8sattributes',
  ],
  // datadog, logzio and signalfx are behind deprecation feature gates (GATED_EXPORTERS): not relied on.
  exporters: [
    'awsemf',
    'prometheus_remote_write',
    'prometheus',
    'file',
    'kafka',
    'debug',
    'otlp_grpc',
    'otlp_http',
    'awsxray',
    'loadbalancing',
    'awscloudwatchlogs',
  ],
} as const;

/** Exporters ADOT registers unless their deprecation gate is on (defaults.go): compiled in, never relied on. */
export const GATED_EXPORTERS = ['datadog', 'logzio', 'signalfx'] as const;

/**
 * Component types that are deprecated aliases at the pinned release: the factory registers the new type and
 * keeps the old one as `DeprecatedType`, and a configuration naming the old one starts with a deprecation
 * warning. Read in each component's internal/metadata/generated_status.go at contrib/core v0.156.0 (module
 * cache, the versions tools/collector/builder-config.yaml builds) and seen in the built collector's start.
 */
export const DEPRECATED_TYPES: Readonly<Record<string, string>> = {
  prometheusremotewrite: 'prometheus_remote_write',
  metricstransform: 'metrics_transform',
  resourcedetection: 'resource_detection',
  filelog: 'file_log',
  otlp: 'otlp_grpc', // the exporter; the receiver is still `otlp`
  otlphttp: 'otlp_http',
};

/**
 * Component types of COMPONENTS that the collector built here (tools/build.sh, tools/collector/builder-config.yaml)
 * lacks: a Go module each needs is refused by the Go module proxy this project builds from (403 "This module
 * version is not available", tried 2026-12-07 at v0.156.0 and at every contrib release to v0.165.1): the
 * awsecscontainermetrics receiver and the awsxray exporter (contrib internal/aws/ecsutil, internal/aws/xray),
 * awsemf (internal/aws/cwlogs, internal/aws/metrics), resource_detection (internal/metadataproviders), and
 * components none of our configurations uses. What our configurations give the first four is checked against
 * COMPONENT_KEYS only (read from ADOT's vendored sources); everything else is validated by the real binary
 * (test/tools/collector-validate.test.ts).
 */
export const NOT_BUILT_HERE = {
  extensions: ['awsproxy'],
  receivers: ['awsecscontainermetrics', 'awscontainerinsightreceiver', 'awsxray', 'kafka'],
  processors: ['resource_detection', 'k8sattributes'],
  exporters: ['awsemf', 'awsxray', 'loadbalancing', 'awscloudwatchlogs'],
} as const;

/** The image: aws-observability/aws-otel-collector@v0.49.0:cmd/awscollector/Dockerfile (final stage FROM scratch). */
export const IMAGE = {
  source: `${ADOT}:cmd/awscollector/Dockerfile`,
  user: 'aoc',
  uid: 4317,
  home: '/home/aoc',
  /**
   * The final stage is FROM scratch: no /tmp, no /var. It copies /etc (root's),
   * the binaries, and /home/aoc `--chown=aoc:aoc`: the only directory the user can write.
   */
  writableDirs: ['/home/aoc'],
  /** ENTRYPOINT ["/awscollector"], CMD ["--config=/etc/otel-config.yaml"]. */
  entrypoint: '/awscollector',
  /** The health check binary; GETs http://127.0.0.1:<port>/ (cmd/healthcheck/main.go: default port 13133, path "/"). */
  healthcheck: { binary: '/healthcheck', port: 13133, path: '/', source: `${ADOT}:cmd/healthcheck/main.go` },
} as const;

/**
 * How ADOT finds its configuration: aws-observability/aws-otel-collector@v0.49.0:pkg/config/config_factory.go
 * (GetConfigProviderSettings) and pkg/config/flags.go (every --config is kept, in order).
 * When AOT_CONFIG_CONTENT is set at all, every --config is replaced by env:AOT_CONFIG_CONTENT.
 * So the collector service never sets AOT_CONFIG_CONTENT (lib/constructs/collector-service.ts), and the
 * configuration comes as several `--config=env:NAME` fragments (lib/render/collector-fragments.ts), which ADOT
 * passes to the confmap resolver and the resolver merges in order, maps deeply (mergeConfigs below).
 */
export const CONFIG_RESOLUTION = {
  source: `${ADOT}:pkg/config/config_factory.go`,
  envKey: 'AOT_CONFIG_CONTENT',
  /** Providers registered: file, env, yaml, http, https, s3; default scheme "env". */
  schemes: ['file', 'env', 'yaml', 'http', 'https', 's3'],
} as const;

/** The URIs ADOT hands to the confmap resolver, given the container's environment and arguments. */
export function resolvedConfigUris(env: Readonly<Record<string, string>>, args: readonly string[]): string[] {
  const flags = args.filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));
  if (Object.prototype.hasOwnProperty.call(env, CONFIG_RESOLUTION.envKey)) return [`env:${CONFIG_RESOLUTION.envKey}`];
  return flags;
}

/**
 * The resolver merges the URIs' maps in order: open-telemetry/opentelemetry-collector@v0.156.0:confmap/resolver.go
 * (Resolve: retMap.Merge for each uri). Maps merge key by key; any other value (lists
 * included) is replaced by the later one.
 */
export function mergeConfigs(base: unknown, next: unknown): unknown {
  if (isMap(base) && isMap(next)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(next)) out[k] = k in out ? mergeConfigs(out[k], v) : v;
    return out;
  }
  return next;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Allowed keys of each component we configure, from its config struct's
 * mapstructure tags at the pinned versions. A tree: `true` is a leaf (any
 * value), `'map'` a map of free keys, an object the allowed sub-keys, and
 * `[tree]` a list whose items follow the tree.
 */
export type KeyTree = true | 'map' | { readonly [key: string]: KeyTree } | readonly [KeyTree];

/** configretry.BackOffConfig: ${CORE}/config/configretry/backoff.go. */
const RETRY: KeyTree = {
  enabled: true,
  initial_interval: true,
  randomization_factor: true,
  multiplier: true,
  max_interval: true,
  max_elapsed_time: true,
};
/** configtls.ClientConfig: ${CORE}/config/configtls/configtls.go. */
const TLS: KeyTree = {
  ca_file: true,
  ca_pem: true,
  include_system_ca_certs_pool: true,
  cert_file: true,
  cert_pem: true,
  key_file: true,
  key_pem: true,
  min_version: true,
  max_version: true,
  insecure: true,
  insecure_skip_verify: true,
  server_name_override: true,
};
/** confighttp.ClientConfig: ${CORE}/config/confighttp/client.go. */
const HTTP_CLIENT = {
  endpoint: true,
  proxy_url: true,
  tls: TLS,
  read_buffer_size: true,
  write_buffer_size: true,
  timeout: true,
  headers: 'map',
  auth: { authenticator: true },
  compression: true,
  compression_params: 'map',
  max_idle_conns: true,
  max_idle_conns_per_host: true,
  max_conns_per_host: true,
  idle_conn_timeout: true,
  disable_keep_alives: true,
  http2_read_idle_timeout: true,
  http2_ping_timeout: true,
  cookies: 'map',
  force_attempt_http2: true,
} as const satisfies Record<string, KeyTree>;
/** exporterhelper queue: ${CORE}/exporter/exporterhelper/internal/queuebatch/config.go. */
const SENDING_QUEUE: KeyTree = {
  enabled: true,
  wait_for_result: true,
  sizer: true,
  queue_size: true,
  block_on_overflow: true,
  storage: true,
  num_consumers: true,
  batch: 'map',
};
/** configgrpc.ClientConfig: ${CORE}/config/configgrpc/configgrpc.go. */
const GRPC_CLIENT = {
  endpoint: true,
  compression: true,
  tls: TLS,
  keepalive: 'map',
  read_buffer_size: true,
  write_buffer_size: true,
  wait_for_ready: true,
  headers: 'map',
  balancer_name: true,
  authority: true,
  auth: { authenticator: true },
} as const satisfies Record<string, KeyTree>;
/** A scrape config inside the prometheus receiver is Prometheus' own: not a collector struct. */
const PROMETHEUS_CONFIG: KeyTree = 'map';
/** awsutil.AWSSessionSettings, squashed into awsemf and awsxray: ${CONTRIB}/internal/aws/awsutil/awsconfig.go. */
const AWS_SESSION = {
  num_workers: true,
  endpoint: true,
  request_timeout_seconds: true,
  max_retries: true,
  no_verify_ssl: true,
  proxy_address: true,
  region: true,
  local_mode: true,
  resource_arn: true,
  role_arn: true,
  external_id: true,
} as const satisfies Record<string, KeyTree>;
/** resourcetotelemetry.Settings: ${CONTRIB}/pkg/resourcetotelemetry. */
const RESOURCE_TO_TELEMETRY: KeyTree = { enabled: true, exclude_service_attributes: true };

/** One attribute action (resource and attributes processors alike): contrib internal/coreinternal/attraction/attraction.go, ActionKeyValue. */
const ACTION_KEY_VALUE: KeyTree = [
  {
    key: true,
    value: true,
    action: true,
    from_attribute: true,
    pattern: true,
    converted_type: true,
    from_context: true,
    default_value: true,
  },
];

export const COMPONENT_KEYS: Readonly<Record<string, { readonly source: string; readonly keys: KeyTree }>> = {
  // extensions
  health_check: {
    source: `${CONTRIB}/internal/healthcheck/config.go, internal/http/config.go (LegacyConfig: confighttp.ServerConfig squashed, path, response_body, check_collector_pipeline, use_v2)`,
    keys: {
      endpoint: true,
      path: true,
      response_body: 'map',
      check_collector_pipeline: 'map',
      use_v2: true,
      grpc: 'map',
      http: 'map',
      component_health: 'map',
    },
  },
  sigv4auth: {
    source: `${CONTRIB}/extension/sigv4authextension/config.go`,
    keys: {
      region: true,
      service: true,
      assume_role: { arn: true, session_name: true, sts_region: true, web_identity_token_file: true, external_id: true },
    },
  },
  ecs_observer: {
    source: `${CONTRIB}/extension/observer/ecsobserver/config.go, docker_label.go`,
    keys: {
      cluster_name: true,
      cluster_region: true,
      refresh_interval: true,
      result_file: true,
      job_label_name: true,
      services: ['map'],
      task_definitions: ['map'],
      docker_labels: [{ port_label: true, job_name_label: true, metrics_path_label: true, job_name: true, metrics_path: true }],
    },
  },
  file_storage: {
    source: `${CONTRIB}/extension/storage/filestorage/config.go`,
    keys: {
      directory: true,
      timeout: true,
      max_size: true,
      create_directory: true,
      directory_permissions: true,
      compaction: 'map',
      fsync: true,
      recreate: true,
    },
  },
  // receivers
  prometheus: {
    source: `${CONTRIB}/receiver/prometheusreceiver/config.go`,
    keys: {
      config: PROMETHEUS_CONFIG,
      trim_metric_suffixes: true,
      target_allocator: 'map',
      api_server: 'map',
      scrape_on_shutdown: true,
      discovery_reload_on_startup: true,
      initial_scrape_offset: true,
    },
  },
  otlp: {
    // Only `protocols`, `grpc`, `http` and `endpoint` (the keys we use) were read in config.go / configgrpc.go /
    // confignet.go; the other nested keys, listed from the upstream docs, the built binary knows
    // (test/tools/collector-validate.test.ts, "key sets").
    source: `${CORE}/receiver/otlpreceiver/config.go (protocols.grpc: configgrpc.ServerConfig, protocols.http: confighttp.ServerConfig)`,
    keys: {
      protocols: {
        grpc: {
          endpoint: true,
          transport: true,
          tls: 'map',
          max_recv_msg_size_mib: true,
          max_concurrent_streams: true,
          read_buffer_size: true,
          write_buffer_size: true,
          keepalive: 'map',
          auth: 'map',
          include_metadata: true,
        },
        http: {
          endpoint: true,
          tls: 'map',
          cors: 'map',
          auth: 'map',
          include_metadata: true,
          traces_url_path: true,
          metrics_url_path: true,
          logs_url_path: true,
        },
      },
    },
  },
  awsecscontainermetrics: { source: `${CONTRIB}/receiver/awsecscontainermetricsreceiver/config.go`, keys: { collection_interval: true } },
  file_log: {
    // Read 2026-12-07 in the module cache at contrib v0.156.0 (the version tools/collector/builder-config.yaml builds),
    // not in ADOT's vendor folder. The operators are the stanza operators' own structs ('map' here): the built binary
    // decodes them (test/tools/collector-validate.test.ts, test/tools/collector-logs.test.ts).
    source:
      'contrib@v0.156.0: receiver/filelogreceiver/filelog.go (FileLogConfig: file.Config and adapter.BaseConfig squashed), ' +
      'pkg/stanza/fileconsumer/config.go, fileconsumer/matcher/matcher.go, fileconsumer/attrs/attrs.go, trim/trim.go, ' +
      'operator/helper/input.go, pkg/stanza/adapter/config.go, internal/coreinternal/consumerretry/config.go',
    keys: {
      include: [true],
      exclude: [true],
      exclude_older_than: true,
      ordering_criteria: 'map',
      include_file_name: true,
      include_file_path: true,
      include_file_name_resolved: true,
      include_file_path_resolved: true,
      include_file_owner_name: true,
      include_file_owner_group_name: true,
      include_file_permissions: true,
      poll_interval: true,
      max_concurrent_files: true,
      max_batches: true,
      start_at: true,
      fingerprint_size: true,
      initial_buffer_size: true,
      max_log_size: true,
      max_log_size_behavior: true,
      encoding: true,
      multiline: 'map',
      preserve_leading_whitespaces: true,
      preserve_trailing_whitespaces: true,
      force_flush_period: true,
      header: 'map',
      delete_after_read: true,
      include_file_record_number: true,
      include_file_record_offset: true,
      compression: true,
      polls_to_archive: true,
      acquire_fs_lock: true,
      file_cache_advise: true,
      on_truncate: true,
      attributes: 'map',
      resource: 'map',
      operators: ['map'],
      storage: true,
      retry_on_failure: { enabled: true, initial_interval: true, max_interval: true, max_elapsed_time: true },
    },
  },
  // processors
  memory_limiter: {
    source: `${CORE}/internal/memorylimiter/config.go`,
    keys: { check_interval: true, limit_mib: true, spike_limit_mib: true, limit_percentage: true, spike_limit_percentage: true },
  },
  batch: {
    source: `${CORE}/processor/batchprocessor/config.go`,
    keys: { timeout: true, send_batch_size: true, send_batch_max_size: true, metadata_keys: [true], metadata_cardinality_limit: true },
  },
  metrics_transform: {
    source: `${CONTRIB}/processor/metricstransformprocessor/config.go`,
    keys: {
      transforms: [
        {
          include: true,
          match_type: true,
          experimental_match_labels: 'map',
          action: true,
          new_name: true,
          group_resource_labels: 'map',
          aggregation_type: true,
          submatch_case: true,
          operations: [
            {
              action: true,
              label: true,
              new_label: true,
              label_set: [true],
              aggregation_type: true,
              aggregated_values: [true],
              new_value: true,
              value_actions: ['map'],
              experimental_scale: true,
              label_value: true,
            },
          ],
        },
      ],
    },
  },
  cumulativetodelta: {
    source: `${CONTRIB}/processor/cumulativetodeltaprocessor/config.go (MatchMetrics: filterset.Config squashed, metrics, metric_types)`,
    keys: {
      max_staleness: true,
      initial_value: true,
      include: { match_type: true, regexp: 'map', metrics: [true], metric_types: [true] },
      exclude: { match_type: true, regexp: 'map', metrics: [true], metric_types: [true] },
    },
  },
  filter: {
    source: `${CONTRIB}/processor/filterprocessor/config.go`,
    keys: {
      error_mode: true,
      metrics: { include: 'map', exclude: 'map', metric: [true], datapoint: [true] },
      traces: 'map',
      logs: 'map',
      spans: 'map',
    },
  },
  resource: {
    source: `${CONTRIB}/processor/resourceprocessor/config.go (attraction.ActionKeyValue)`,
    keys: {
      attributes: ACTION_KEY_VALUE,
    },
  },
  attributes: {
    source: `${CONTRIB}/processor/attributesprocessor/config.go, internal/coreinternal/attraction/attraction.go`,
    keys: {
      actions: ACTION_KEY_VALUE,
      include: 'map',
      exclude: 'map',
    },
  },
  resource_detection: {
    source: `${CONTRIB}/processor/resourcedetectionprocessor/config.go`,
    keys: { detectors: [true], override: true, timeout: true, refresh_interval: true, ecs: 'map', ec2: 'map', env: 'map', system: 'map' },
  },
  // exporters
  prometheus_remote_write: {
    source: `${CONTRIB}/exporter/prometheusremotewriteexporter/config.go, wal.go`,
    keys: {
      ...HTTP_CLIENT,
      timeout: true,
      retry_on_failure: RETRY,
      namespace: true,
      remote_write_queue: { enabled: true, queue_size: true, num_consumers: true },
      external_labels: 'map',
      max_batch_size_bytes: true,
      max_batch_request_parallelism: true,
      resource_to_telemetry_conversion: RESOURCE_TO_TELEMETRY,
      wal: { directory: true, buffer_size: true, truncate_frequency: true, lag_record_frequency: true },
      target_info: { enabled: true },
      disable_scope_info: true,
      add_metric_suffixes: true,
      translation_strategy: true,
      send_metadata: true,
      protobuf_message: true,
    },
  },
  awsemf: {
    source: `${CONTRIB}/exporter/awsemfexporter/config.go, metric_declaration.go (MetricDeclaration, LabelMatcher)`,
    keys: {
      ...AWS_SESSION,
      log_group_name: true,
      log_stream_name: true,
      namespace: true,
      retain_initial_value_of_delta_metric: true,
      dimension_rollup_option: true,
      log_retention: true,
      tags: 'map',
      parse_json_encoded_attr_values: [true],
      metric_declarations: [
        {
          dimensions: [[true]],
          metric_name_selectors: [true],
          label_matchers: [{ label_names: [true], separator: true, regex: true }],
        },
      ],
      metric_descriptors: [{ metric_name: true, unit: true, overwrite: true }],
      output_destination: true,
      resource_to_telemetry_conversion: RESOURCE_TO_TELEMETRY,
      detailed_metrics: true,
      version: true,
    },
  },
  awsxray: {
    source: `${CONTRIB}/exporter/awsxrayexporter/config.go`,
    keys: { ...AWS_SESSION, indexed_attributes: [true], index_all_attributes: true, aws_log_groups: [true], telemetry: 'map' },
  },
  otlp_http: {
    source: `${CORE}/exporter/otlphttpexporter/config.go`,
    keys: {
      ...HTTP_CLIENT,
      sending_queue: SENDING_QUEUE,
      retry_on_failure: RETRY,
      traces_endpoint: true,
      metrics_endpoint: true,
      logs_endpoint: true,
      encoding: true,
    },
  },
  'otlp/exporter': {
    source: `${CORE}/exporter/otlpexporter/config.go`,
    keys: { ...GRPC_CLIENT, timeout: true, sending_queue: SENDING_QUEUE, retry_on_failure: RETRY },
  },
  debug: {
    source: `${CORE}/exporter/debugexporter/config.go`,
    keys: { verbosity: true, sampling_initial: true, sampling_thereafter: true, use_internal_logger: true },
  },
};

/** The OTLP exporter (`otlp_grpc`) has its own key set, apart from the `otlp` receiver's. */
export function keysFor(section: 'extensions' | 'receivers' | 'processors' | 'exporters', type: string): KeyTree | undefined {
  if (section === 'exporters' && type === 'otlp_grpc') return COMPONENT_KEYS['otlp/exporter'].keys;
  return COMPONENT_KEYS[type]?.keys;
}

/**
 * Keys whose value is a path the collector writes at start or while running:
 * they must be under IMAGE.writableDirs.
 */
export const WRITTEN_PATHS: readonly { readonly type: string; readonly path: readonly string[] }[] = [
  { type: 'file_storage', path: ['directory'] },
  { type: 'ecs_observer', path: ['result_file'] },
  { type: 'prometheus_remote_write', path: ['wal', 'directory'] },
  { type: 'file', path: ['path'] },
];

/**
 * prometheusremotewrite behaviour the buffering relies on
 * (${CONTRIB}/exporter/prometheusremotewriteexporter/factory.go and exporter.go).
 */
export const PRW = {
  source: `${CONTRIB}/exporter/prometheusremotewriteexporter/factory.go, exporter.go`,
  /** exporterhelper.NewDefaultTimeoutConfig: 5 s per push unless `timeout` is set. */
  defaultTimeoutSeconds: 5,
  /** The queue counts requests (RequestSizerTypeRequests), one consumer without the EnableMultipleWorkers gate. */
  queueSizer: 'requests',
  /** Retries happen inside one push, bounded by its context (the timeout) and max_elapsed_time; a deadline error is permanent (dropped). */
  retryBoundedByTimeout: true,
} as const;

/**
 * Feature gates registered in the pinned release that our command line may
 * set; ADOT registers `--feature-gates` (aws-otel-collector@v0.49.0:pkg/config/flags.go,
 * reg.RegisterFlags). Each with the file that registers it.
 */
export const FEATURE_GATES: Readonly<Record<string, { readonly source: string; readonly stage: string; readonly effect: string }>> = {
  'exporter.prometheusremotewritexporter.RetryOn429': {
    source: `${CONTRIB}/exporter/prometheusremotewriteexporter/internal/metadata/generated_feature_gates.go`,
    stage: 'alpha (off unless set)',
    effect: 'exporter.go (execute): a 429 is retried like a 5xx; without it a 429 is permanent and the batch is dropped',
  },
};

/**
 * prometheusremotewrite's retry builds backoff.ExponentialBackOff from
 * InitialInterval, RandomizationFactor and Multiplier only (${CONTRIB}/exporter/prometheusremotewriteexporter/exporter.go,
 * execute): `max_interval` has no effect there (MaxInterval stays 0, so the interval never grows).
 */
export const PRW_IGNORED_RETRY_KEYS = ['max_interval'] as const;

/**
 * Service telemetry: `metrics.address` is deprecated in favour of `readers`
 * (open-telemetry/opentelemetry-collector@v0.156.0:service/telemetry/otelconftelemetry/testdata/config_deprecated_address.yaml).
 */
export const TELEMETRY = { deprecatedKeys: [['metrics', 'address']] } as const;
