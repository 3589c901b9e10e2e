/**
 * How big the collector's queues and memory limits must be, computed from the
 * catalog's series estimate and the environment's scrape interval, so an AMP
 * outage of OUTAGE_SECONDS loses nothing. Read by collector-config.ts.
 */
import { EnvironmentConfig } from '../config/environment-schema';
import { MetricCatalog } from '../model/metric-catalog';
import { ScalingSignal } from '../model/scaling';

export interface CollectorInput {
  readonly environment: EnvironmentConfig;
  readonly catalog: MetricCatalog;
  /** Platform services' scaling signals the collector carries to CloudWatch (AWS). @default - none */
  readonly scaling?: readonly ScalingSignal[];
}

/** How long an AMP outage the collector must ride out without losing samples (seed: 5 minutes). */
export const OUTAGE_SECONDS = 300;
/** The batch processor's batch, in metric data points (batchprocessor counts data points for metrics). */
export const BATCH_POINTS = 8192;

/**
 * Sizing from the catalog for an AMP outage of OUTAGE_SECONDS: a push retries
 * for the whole outage, the queue (counted in batches) holds every batch made
 * meanwhile, twice over, and memory_limiter takes 80 % of the task's memory.
 * @see docs/collector.md#riding-out-a-5-minute-amp-outage
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
