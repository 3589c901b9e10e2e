/**
 * What the ADOT collector's own telemetry (otelcol_*) looks like once it is
 * in Prometheus or AMP, at the pinned image: aws-observability/aws-otel-collector
 * v0.49.0, built on collector core v0.156.0 and contrib v0.156.0 (its go.mod and
 * vendor/modules.txt). Read 2026-11-25 from the sources cited per fact
 * (ADOT vendors both; paths below are under its vendor/ where noted).
 *
 * The path of a series: the collector's Prometheus reader on :8888 ->
 * its own `prometheus/self` receiver -> the prometheusremotewrite exporter.
 *
 * - Names on :8888 carry no `_total` and no unit: the default reader sets
 *   without_type_suffix and without_units, which otelconf turns into the
 *   NoTranslation strategy (open-telemetry/opentelemetry-collector@v0.156.0:
 *   service/telemetry/otelconftelemetry/factory.go, applyPrometheusDefaults in
 *   .../internal/migration/v0.3.0.go; ADOT@v0.49.0:vendor/go.opentelemetry.io/
 *   contrib/otelconf/v0.3.0/metric.go prometheusReaderOpts).
 * - No otel_scope_* labels: without_scope_info is set (same files).
 * - The remote-write exporter adds `_total` to monotonic sums: add_metric_suffixes
 *   defaults to true (ADOT@v0.49.0:vendor/github.com/open-telemetry/
 *   opentelemetry-collector-contrib/exporter/prometheusremotewriteexporter/factory.go
 *   createDefaultConfig), its converter builds names with that setting
 *   (.../pkg/translator/prometheusremotewrite/metrics_to_prw.go
 *   newPrometheusConverter) and the namer appends `total` to every monotonic
 *   counter (vendor/github.com/prometheus/otlptranslator/metric_namer.go), so the
 *   stored names below end in `_total`. The units are annotations only
 *   ({datapoint}, {batch}), so no unit suffix and no `_ratio`.
 *   The prometheus receiver turns a scraped counter into a monotonic sum
 *   (.../receiver/prometheusreceiver/internal/util.go convToMetricType).
 * - Every series also has `job` and `instance` from the scrape.
 */
export const ADOT_TAG = 'v0.49.0';
export const COLLECTOR_CORE_VERSION = 'v0.156.0';

export interface CollectorMetricFact {
  /** The name as stored in Prometheus/AMP. */
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  /** The metric's own labels (besides job and instance). */
  readonly labels: readonly string[];
  /**
   * `always`: exists once the component has run once; `after-failure`: the
   * collector records it only when something fails, so it is absent while healthy.
   */
  readonly presence: 'always' | 'after-failure';
  readonly source: string;
}

const CORE = `open-telemetry/opentelemetry-collector@${COLLECTOR_CORE_VERSION}`;

export const COLLECTOR_METRICS: readonly CollectorMetricFact[] = [
  {
    name: 'otelcol_receiver_accepted_metric_points_total',
    type: 'counter',
    labels: ['receiver', 'transport'],
    presence: 'always',
    source: `${CORE}:receiver/receiverhelper/obsreport.go (newReceiver attributes; recordMetrics adds accepted, refused and failed on every operation, zero included)`,
  },
  {
    name: 'otelcol_receiver_refused_metric_points_total',
    type: 'counter',
    labels: ['receiver', 'transport'],
    presence: 'always',
    source: `${CORE}:receiver/receiverhelper/obsreport.go recordMetrics (refusedMeasure.Add with numRefused, zero included)`,
  },
  {
    name: 'otelcol_exporter_sent_metric_points_total',
    type: 'counter',
    labels: ['exporter'],
    presence: 'always',
    source: `${CORE}:exporter/exporterhelper/internal/obs_report_sender.go endOp (itemsSentInst.Add on every send, metricAttr = exporter)`,
  },
  {
    name: 'otelcol_exporter_send_failed_metric_points_total',
    type: 'counter',
    labels: ['exporter'],
    presence: 'after-failure',
    source:
      `${CORE}:exporter/exporterhelper/internal/obs_report_sender.go endOp (Add only when numFailedToSend > 0; ` +
      'error.type and error.permanent are dropped below the detailed level by service/internal/metricviews/views.go)',
  },
  {
    name: 'otelcol_exporter_enqueue_failed_metric_points_total',
    type: 'counter',
    labels: ['exporter'],
    presence: 'after-failure',
    source: `${CORE}:exporter/exporterhelper/internal/queue/obs_queue.go Offer (Add only when the queue refuses a request)`,
  },
  {
    name: 'otelcol_exporter_queue_size',
    type: 'gauge',
    labels: ['exporter', 'data_type'],
    presence: 'always',
    source: `${CORE}:exporter/exporterhelper/internal/queue/obs_queue.go newObsQueue (asyncAttr = exporter, data_type)`,
  },
  {
    name: 'otelcol_exporter_queue_capacity',
    type: 'gauge',
    labels: ['exporter', 'data_type'],
    presence: 'always',
    source:
      `${CORE}:exporter/exporterhelper/internal/queue/obs_queue.go newObsQueue (the same asyncAttr as queue_size, so the two match one to one; ` +
      'older collectors gave capacity the exporter label only: aws-observability/aws-otel-collector@v0.42.0:vendor/go.opentelemetry.io/' +
      'collector/exporter/exporterhelper/internal/queue_sender.go, so the dashboard divides per exporter after aggregating each side). The remote-write exporter has this queue when remote_write_queue.enabled: ' +
      `aws-observability/aws-otel-collector@${ADOT_TAG}:vendor/.../prometheusremotewriteexporter/factory.go createMetricsExporter`,
  },
];
