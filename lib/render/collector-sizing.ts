/**
 * How big the collector's queues and memory limits must be, computed from the
 * catalog's series estimate and the environment's scrape interval, so an AMP
 * outage of OUTAGE_SECONDS loses nothing. Read by collector-config.ts.
 */
import { EnvironmentConfig } from '../config/environment-schema';
import { MetricCatalog } from '../model/metric-catalog';

export interface CollectorInput {
  readonly environment: EnvironmentConfig;
  readonly catalog: MetricCatalog;
}

/** How long an AMP outage the collector must ride out without losing samples (seed: 5 minutes). */
export const OUTAGE_SECONDS = 300;
/** The batch processor's batch, in metric data points (batchprocessor counts data points for metrics). */
export const BATCH_POINTS = 8192;

/**
 * Sizing from the catalog (seed section 4 with the label cardinalities
 * declared in catalog/metrics.yaml), for an AMP outage of OUTAGE_SECONDS.
 *
 * What prometheusremotewrite really does (contrib@v0.156.0, vendored in
 * aws-observability/aws-otel-collector@v0.49.0:vendor/.../prometheusremotewriteexporter):
 * - factory.go: its queue is exporterhelper's, sized in *requests*
 *   (RequestSizerTypeRequests), i.e. batches from the batch processor, with
 *   one consumer; exporterhelper's own retry is not used.
 * - exporter.go (execute): the exporter retries inside one push with
 *   backoff.Retry bounded by the push's context, whose deadline is `timeout`
 *   (default 5 s), and by retry_on_failure.max_elapsed_time; a deadline
 *   error is returned as permanent, so the batch is dropped. With the
 *   defaults an outage longer than 5 s loses the batch being sent.
 *
 * So: `timeout` and `max_elapsed_time` cover the outage plus a margin (the
 * head batch keeps retrying until AMP is back), and the queue holds every
 * batch produced meanwhile:
 *
 *   series               = catalog.estimateSeries()          (an upper bound on data points per scrape:
 *                                                            a histogram is one data point, counted here per bucket)
 *   scrapes in outage    = OUTAGE_SECONDS / scrapeIntervalSeconds          (20 at 15 s)
 *   full batches         = ceil(series * scrapes / BATCH_POINTS)
 *   timer batches        = OUTAGE_SECONDS / batch timeout (5 s) = 60       (partial batches flushed by time)
 *   queue_size           = 2 * (full + timer batches)                     (x2: margin for OTLP bursts)
 *
 * Memory: the queue holds up to series * scrapes series-samples (1.7M at 87k
 * series, 15 s). Measured on the real collector (test/e2e/collector-outage.test.ts,
 * docs/collector.md "Measured"): about 350 bytes per queued series-sample (25 MiB for
 * 74,760), so ~600 MiB at prod's size (extrapolated), inside memory_limiter's
 * 80 % of a 2 GiB task beside the receiver's series state.
 */
export function collectorSizing(input: CollectorInput, memoryMiB: number) {
  const series = input.catalog.estimateSeries();
  const scrapesInOutage = Math.ceil(OUTAGE_SECONDS / input.environment.scrapeIntervalSeconds);
  const fullBatches = Math.ceil((series * scrapesInOutage) / BATCH_POINTS);
  const timerBatches = Math.ceil(OUTAGE_SECONDS / BATCH_TIMEOUT_SECONDS);
  return {
    series,
    scrapesInOutage,
    queueSize: 2 * (fullBatches + timerBatches),
    /** Per push: retries until AMP answers, for the outage plus one minute. */
    exportTimeoutSeconds: OUTAGE_SECONDS + 60,
    limitMiB: Math.floor(memoryMiB * 0.8),
    spikeLimitMiB: Math.floor(memoryMiB * 0.2),
  };
}
/** The batch processor's flush timeout: a partial batch waits at most this long. */
export const BATCH_TIMEOUT_SECONDS = 5;
