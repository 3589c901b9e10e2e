/**
 * The ADOT collector as this project runs it: the pinned image, its ports,
 * the paths and environment variables the task and the configuration agree
 * on, and its command-line flags. Shared by the ECS task (lib/constructs),
 * the local compose file and the rendered configuration.
 */

/**
 * The ADOT release, pinned in this one place (the task definition and the
 * local compose file both use ADOT_IMAGE). v0.49.0 is the newest tag in
 * aws-observability/aws-otel-collector (read 2026-11-25); its go.mod builds on
 * collector-contrib v0.156.0 / core v1.62.0. Bumping it means re-reading the
 * sources listed in test/contracts/adot.ts and updating that file.
 */
export const ADOT_VERSION = 'v0.49.0';
export const ADOT_IMAGE = `public.ecr.aws/aws-observability/aws-otel-collector:${ADOT_VERSION}`;

export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const HEALTH_CHECK_PORT = 13133;
/** The collector's own metrics (otelcol_*), scraped as job "otel-collector". */
export const SELF_METRICS_PORT = 8888;
export const COLLECTOR_JOB = 'otel-collector';
/** Environment variable holding the OTLP vendor's auth header value (from Secrets Manager). */
export const OTLP_AUTH_ENV = 'OTLP_AUTH_HEADER';
/**
 * The only directory the image's user (aoc, uid 4317) can write: the image is
 * FROM scratch with no /tmp or /var, and copies /home/aoc chowned to aoc
 * (aws-observability/aws-otel-collector@v0.49.0:cmd/awscollector/Dockerfile).
 * Nothing here survives the task: Fargate's ephemeral storage goes with it.
 */
const WRITABLE_DIR = '/home/aoc';
/** The result file ecs_observer writes and the prometheus receiver reads (under the writable home). */
export const ECS_SD_FILE = `${WRITABLE_DIR}/ecs_sd_targets.yaml`;
/**
 * The label ecs_observer moves the job docker label's value to: it never
 * writes `job` (contrib@v0.156.0:extension/observer/ecsobserver/target.go,
 * targetsToFileSDTargets; default in config.go: defaultJobLabelName).
 */
export const ECS_JOB_LABEL = 'prometheus_job';
/**
 * Environment variables carrying the configuration fragments. NOT
 * AOT_CONFIG_CONTENT: whenever that one exists ADOT replaces every --config
 * with it (aws-observability/aws-otel-collector@v0.49.0:pkg/config/config_factory.go).
 */
export const CONFIG_ENV_PREFIX = 'OTEL_CONFIG_PART_';
/**
 * A value unique to each collector task on Fargate: the agent injects the task
 * metadata endpoint (v4) into every container
 * (docs.aws.amazon.com "Amazon ECS task metadata endpoint version 4 for tasks
 * on Fargate"; cited, not re-read in this session: UNCONFIRMED). Locally it
 * is unset and expands to "" (one collector).
 */
export const TASK_IDENTITY = '${env:ECS_CONTAINER_METADATA_URI_V4}';

/**
 * Feature gates the collector runs with, one `--feature-gates` flag (ADOT
 * registers the registry's flags: aws-otel-collector@v0.49.0:pkg/config/flags.go,
 * `reg.RegisterFlags(flagSet)`).
 * - exporter.prometheusremotewritexporter.RetryOn429: without it AMP's 429
 *   (throttling while catching up after an outage; AMP user guide,
 *   "Troubleshooting": 429 or limit exceeded errors) is a permanent error and the
 *   batch is dropped; with it a 429 is retried like a 5xx (contrib@v0.156.0,
 *   exporter/prometheusremotewriteexporter/exporter.go, execute;
 *   internal/metadata/generated_feature_gates.go registers it, StageAlpha, off by default).
 */
const COLLECTOR_FEATURE_GATES = ['exporter.prometheusremotewritexporter.RetryOn429'] as const;

/** The collector's command-line flags besides its configuration sources. */
export function collectorFlags(): string[] {
  return [`--feature-gates=${COLLECTOR_FEATURE_GATES.join(',')}`];
}
