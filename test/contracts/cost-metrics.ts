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
    // both "Valid Statistics: Average, Minimum, Maximum" (the page's table, re-read in full 2026-12-07: Sum, listed on
    // 2026-11-25, is gone from both rows).
    resource: ['IngestionRate', 'ActiveSeries'],
    // ResourceId is not in Grafana's key list nor on the page; the page calls the metrics "per workspace", so a workspace dimension exists.
    dimensionKeys: ['Class', 'Resource', 'ResourceId', 'Service', 'Type'],
    statistics: ['Average', 'Minimum', 'Maximum'],
    source: `${AMP_PAGE}; ${GRAFANA_DIMS} ("AWS/Usage": Class, Resource, Service, Type)`,
    // UNCONFIRMED, still after the re-read of 2026-12-07: the page names no dimension of its AWS/Usage rows.
    unconfirmed:
      'the values AMP gives Service, Type and Class, and the name of the per-workspace dimension (ResourceId): the dashboard matches Resource and ResourceId=<its workspace> (matchExact false), so a wrong name shows empty panels, never other workspaces; the quota alarms (lib/constructs/monitoring-health.ts) filter on the same two keys, and treat no data as breaching',
  },
  {
    namespace: 'AWS/Prometheus',
    metricName: 'QuerySamplesProcessed',
    // "Number of query samples processed, Units: Count, Valid Statistics: Average, Minimum, Maximum, Sum".
    dimensionKeys: ['Reason', 'RuleGroup', 'Workspace'],
    statistics: ['Average', 'Minimum', 'Maximum', 'Sum'],
    source: `${AMP_PAGE}; ${GRAFANA_DIMS} ("AWS/Prometheus" lists QuerySamplesProcessed; keys Reason, RuleGroup, Workspace)`,
    unconfirmed:
      "its dimension set (the page lists none for it): the dashboard matches Workspace=<its workspace> (Grafana's key), so a metric without it shows an empty panel, never other workspaces",
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

const METRIC_MATH =
  'awsdocs/amazon-cloudwatch-user-guide@20a560c12498bb7fdbd1325e1c1415367dc601bf:doc_source/using-metric-math.md ("Functions supported for metric math", "Using IF expressions")';
const GRAFANA_CW_QUERY = 'grafana/grafana@ec129a119e3eecbe6e54cb12812ec71ee7e63c6a:pkg/tsdb/cloudwatch/models/cloudwatch_query.go';

/**
 * How Grafana's CloudWatch data source turns a dashboard target into a
 * GetMetricData query, and what CloudWatch metric math accepts: the facts the
 * cost dashboard's math relies on.
 */
export const CLOUDWATCH_QUERY_FACTS = {
  /**
   * A Builder-mode Search query is sent as a SEARCH expression (an array of time
   * series), not as a metric, when matchExact is false, when it has no
   * dimensions and matchExact is not true, or when a dimension has several
   * values or '*' (IsInferredSearchExpression).
   */
  isInferredSearch(t: {
    metricQueryType?: number;
    metricEditorMode?: number;
    matchExact?: boolean;
    dimensions?: Record<string, unknown>;
  }): boolean {
    if ((t.metricQueryType ?? 0) !== 0 || (t.metricEditorMode ?? 0) !== 0) return false;
    const matchExact = t.matchExact ?? true;
    const dims = Object.values(t.dimensions ?? {}).map((v) => (Array.isArray(v) ? v : [v]));
    if (dims.length === 0) return !matchExact;
    if (!matchExact) return true;
    return dims.some((v) => v.length > 1 || v.includes('*'));
  },
  inferredSearchSource: `${GRAFANA_CW_QUERY} (IsInferredSearchExpression)`,
  /** "query must have either statistic or statistics field" (validateAndSetDefaults), math expressions included. */
  statisticRequired: `${GRAFANA_CW_QUERY} (validateAndSetDefaults)`,
  /** PERIOD: "Returns the period of the metric in seconds. Valid input is metrics, not the results of other expressions." */
  periodTakesMetricsOnly: METRIC_MATH,
  /** The functions the cost dashboard's math uses, each listed in the table. */
  functions: ['IF', 'SUM'],
  functionsSource: METRIC_MATH,
} as const;
