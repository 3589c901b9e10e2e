/**
 * The CloudWatch metrics the AWS cost dashboard reads (lib/render/cost-dashboard.ts),
 * with their sources; read 2026-11-25. What we could not read is UNCONFIRMED.
 */
const AMP_PAGE =
  'AMP user guide, "Use CloudWatch metrics to monitor Amazon Managed Service for Prometheus resources", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-CW-usage-metrics.html';
const GRAFANA_DIMS =
  'grafana/grafana-aws-sdk@bffb8adb3b848a9fe6ea3a79cb8f1697b8003856:pkg/cloudWatchConsts/metrics.go (NamespaceMetricsMap, NamespaceDimensionKeysMap)';

export interface CostMetricFact {
  readonly namespace: string;
  readonly metricName: string;
  /** The usage metric's Resource dimension values we read (AWS/Usage only). */
  readonly resource?: readonly string[];
  /** Dimension keys the namespace publishes. */
  readonly dimensionKeys: readonly string[];
  readonly statistics: readonly string[];
  readonly source: string;
  /** What the sources do not say. */
  readonly unconfirmed?: string;
}

export const COST_METRICS: readonly CostMetricFact[] = [
  {
    namespace: 'AWS/Usage',
    metricName: 'ResourceCount',
    // "IngestionRate: Sample ingestion rate, Units: Count per second"; "ActiveSeries: Number of active series per workspace, Units: Count";
    // both "Valid Statistics: Average, Minimum, Maximum".
    resource: ['IngestionRate', 'ActiveSeries'],
    dimensionKeys: ['Class', 'Resource', 'Service', 'Type'],
    statistics: ['Average', 'Minimum', 'Maximum'],
    source: `${AMP_PAGE}; ${GRAFANA_DIMS} ("AWS/Usage": Class, Resource, Service, Type)`,
    unconfirmed:
      'the values AMP gives Service, Type and Class, and whether a per-workspace dimension (ResourceId) exists: the dashboard matches on Resource alone (matchExact false)',
  },
  {
    namespace: 'AWS/Prometheus',
    metricName: 'QuerySamplesProcessed',
    // "Number of query samples processed, Units: Count, Valid Statistics: Average, Minimum, Maximum, Sum".
    dimensionKeys: ['Reason', 'RuleGroup', 'Workspace'],
    statistics: ['Average', 'Minimum', 'Maximum', 'Sum'],
    source: `${AMP_PAGE}; ${GRAFANA_DIMS} ("AWS/Prometheus" lists QuerySamplesProcessed; keys Reason, RuleGroup, Workspace)`,
    unconfirmed: 'its dimension set (the page lists none for it): the dashboard sums every series of the metric',
  },
  {
    namespace: 'AWS/Logs',
    metricName: 'IncomingBytes',
    dimensionKeys: ['DestinationType', 'FilterName', 'LogGroupName'],
    statistics: ['Sum'],
    source:
      'aws-cdk-lib@2.276.0:aws-logs/lib/logs-canned-metrics.generated.js (LogsMetrics.incomingBytesSum: AWS/Logs IncomingBytes, LogGroupName, Sum); ' +
      GRAFANA_DIMS,
  },
];
