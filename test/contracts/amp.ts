/**
 * Facts about Amazon Managed Service for Prometheus (AMP) and the CloudWatch
 * metrics it vends, that our constructs depend on and tests check against.
 * Each with its source; read 2026-11-25 unless a date says otherwise. A fact
 * we could not read in full is marked UNCONFIRMED.
 */

/** Sources, cited by the facts below. */
export const SOURCES = {
  cwMetrics:
    'AMP user guide, "Use CloudWatch metrics to monitor Amazon Managed Service for Prometheus resources", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-CW-usage-metrics.html (its markdown version, AMP-CW-usage-metrics.md, read in full 2026-12-07)',
  grafanaDims:
    'grafana/grafana-aws-sdk@bffb8adb3b848a9fe6ea3a79cb8f1697b8003856:pkg/cloudWatchConsts/metrics.go (NamespaceMetricsMap["AWS/Prometheus"], NamespaceDimensionKeysMap["AWS/Prometheus"] = Reason, RuleGroup, Workspace)',
  snsPermission:
    'AMP user guide, "Giving Amazon Managed Service for Prometheus permission to send alert messages to your Amazon SNS topic", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-AMPpermission.html',
  alertManagerConfig:
    'AMP user guide, "Create an alert manager configuration in Amazon Managed Service for Prometheus to manage and route alerts", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-config.html',
  rcfConfig:
    'AMP API reference, RandomCutForestConfiguration, https://docs.aws.amazon.com/prometheus/latest/APIReference/API_RandomCutForestConfiguration.html (read 2026-12-07)',
  rcfCfn:
    'CloudFormation template reference, AWS::APS::AnomalyDetector RandomCutForestConfiguration, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-aps-anomalydetector-randomcutforestconfiguration.html (read 2026-12-07)',
  quotas:
    'AMP user guide, "Amazon Managed Service for Prometheus service quotas", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP_quotas.html (stored copies read 2026-12-07)',
  serviceQuota:
    'awsdocs/amazon-cloudwatch-user-guide@20a560c12498bb7fdbd1325e1c1415367dc601bf:doc_source/using-metric-math.md (SERVICE_QUOTA) and doc_source/CloudWatch-Quotas-Visualize-Alarms.md ("Visualizing your service quotas and setting alarms"; current page https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Quotas-Visualize-Alarms.html)',
  anomalySample:
    'aws-solutions-library-samples/guidance-for-ai-powered-devops-agent-for-prometheus-anomaly-detection@070ca17fb34e0737b9e52f861a147d121a8ab106:cdk/lib/amp-stack.ts and @28f6e5177b6ce311d0561055d192b5da12b68c42:docs/DEMO-RUNBOOK.md',
} as const;

export const AMP_NAMESPACE = 'AWS/Prometheus';

/**
 * Every dimension key AMP publishes in AWS/Prometheus that we know of: Reason, RuleGroup and Workspace (grafanaDims),
 * WorkspaceId and AnomalyDetectorId on the anomaly detector metrics (cwMetrics, its table's "Resource name" column),
 * RuleGroup on the rule metrics and Percentile on OutOfOrderSampleAge (cwMetrics, the notes under its table).
 */
export const AMP_DIMENSION_KEYS = ['AnomalyDetectorId', 'Percentile', 'Reason', 'RuleGroup', 'Workspace', 'WorkspaceId'] as const;

/**
 * What cwMetrics says of one metric AMP vends in AWS/Prometheus that we alarm on: its table's row (metric name,
 * "Resource name", namespace, description, units, valid statistics) and its notes; read in full 2026-12-07 (the
 * stored copy of the page's markdown version: 36 rows in AWS/Usage, 24 in AWS/Prometheus, then its notes).
 */
export interface VendedMetricFact {
  readonly namespace: typeof AMP_NAMESPACE;
  /** The row's "Resource name" column: "-" (none) for all but the anomaly detector metrics. */
  readonly resourceName: readonly string[];
  /** The row's description, verbatim. */
  readonly description: string;
  readonly units: 'Count';
  readonly statistics: readonly string[];
  /** The dimension keys its series carry as far as we know (each key's source in `source`); not a complete set. */
  readonly dimensions: readonly string[];
  /** The key that holds the workspace id, which the alarms filter on (and on nothing else). */
  readonly workspaceKey: 'Workspace' | 'WorkspaceId';
  readonly source: string;
  /** UNCONFIRMED: what no source says. */
  readonly unconfirmed?: string;
}

const STATS = ['Average', 'Minimum', 'Maximum', 'Sum'] as const;
// UNCONFIRMED: cwMetrics never names the workspace dimension of the AWS/Prometheus metrics outside the anomaly detector rows;
// grafanaDims lists Workspace among the namespace's keys.
const WORKSPACE_KEY_UNCONFIRMED =
  'the name of the workspace dimension (Workspace, from grafanaDims: cwMetrics names none for this metric) and the full dimension set: the alarm filters on Workspace alone, with no SCHEMA';

/** Every metric name cwMetrics lists in AWS/Prometheus (read 2026-12-07), in the table's order. */
export const AMP_PAGE_METRICS = [
  'ActiveSeriesPerLabelSet',
  'ActiveSeriesLimitPerLabelSet',
  'AlertManagerAlertsReceived',
  'AlertManagerNotificationsFailed',
  'AlertManagerNotificationsThrottled',
  'AnomalyDetectors',
  'AnomalyDetectorEvaluations',
  'AnomalyDetectorEvaluationFailures',
  'AnomalyDetectorLastEvaluationDuration',
  'AnomalyDetectorMissedEvaluations',
  'DiscardedSamples',
  'DiscardedSeries',
  'DiscardedSamplesPerLabelSet',
  'DiscardedSeriesPerLabelSet',
  'IngestionRatePerLabelSet',
  'NativeHistogramIngestedBucketsRate',
  'NativeHistogramReducedResolutionCount',
  'OutOfOrderIngestionRate',
  'OutOfOrderSampleAge',
  'QuerySamplesProcessed',
  'RuleEvaluations',
  'RuleEvaluationFailures',
  'RuleGroupIterationsMissed',
  'RuleGroupLastEvaluationDuration',
] as const;

// Which of these carry which keys, and how far that is confirmed: cwMetrics' notes say the rule metrics "have the
// RuleGroup dimension" ("{{RuleGroupNamespace}};{{RuleGroup}}") and DiscardedSamples is "by reason" (its reason
// table); the key name Reason and the key Workspace come from grafanaDims. The page adds: "A metric not existing
// or missing is the same as the value of that metric being 0", which is why these alarms treat missing data as
// not breaching.
//
// Why the queries of lib/constructs/prometheus-workspace.ts (AMP_VENDED_METRICS) name no SCHEMA: SCHEMA matches
// only series with exactly the dimension set it lists, and the page documents no full set for these metrics (its
// "Resource name" column is "-" for all but the anomaly detector ones; RuleGroup and "by reason" are in its notes,
// the Workspace key only in grafana/grafana-aws-sdk). A wrong set would match no series, and an alarm on it could
// never fire. Every alarm there is `> 0`, so summing every series of the metric that carries this workspace's id
// (whatever other dimensions it has) fires whenever any of them is above 0. A series without the workspace key does
// not match `WHERE <key> = '<id>'` (Metrics Insights: "Label value must match the specified string",
// metrics-insights.ts): it is no series of this workspace.
export const VENDED_METRICS: Readonly<Record<string, VendedMetricFact>> = {
  DiscardedSamples: {
    namespace: AMP_NAMESPACE,
    resourceName: [],
    description: 'Number of discarded samples by reason',
    units: 'Count',
    statistics: STATS,
    dimensions: ['Reason', 'Workspace'],
    workspaceKey: 'Workspace',
    source: `${SOURCES.cwMetrics} (row DiscardedSamples**, note ** and its table of reasons); ${SOURCES.grafanaDims}`,
    unconfirmed: `${WORKSPACE_KEY_UNCONFIRMED}; the reason's key name (Reason, grafanaDims)`,
  },
  RuleEvaluationFailures: {
    namespace: AMP_NAMESPACE,
    resourceName: [],
    description: 'Number of rule evaluation failures in the interval',
    units: 'Count',
    statistics: STATS,
    dimensions: ['RuleGroup', 'Workspace'],
    workspaceKey: 'Workspace',
    source: `${SOURCES.cwMetrics} (row RuleEvaluationFailures; note on the RuleGroup dimension); ${SOURCES.grafanaDims}`,
    unconfirmed: WORKSPACE_KEY_UNCONFIRMED,
  },
  RuleGroupIterationsMissed: {
    namespace: AMP_NAMESPACE,
    resourceName: [],
    description: 'Number of Rule Group iterations missed in the interval.',
    units: 'Count',
    statistics: STATS,
    dimensions: ['RuleGroup', 'Workspace'],
    workspaceKey: 'Workspace',
    source: `${SOURCES.cwMetrics} (row RuleGroupIterationsMissed; note on the RuleGroup dimension); ${SOURCES.grafanaDims}`,
    unconfirmed: WORKSPACE_KEY_UNCONFIRMED,
  },
  AlertManagerNotificationsFailed: {
    namespace: AMP_NAMESPACE,
    resourceName: [],
    description: 'Number of failed alert deliveries',
    units: 'Count',
    statistics: STATS,
    dimensions: ['Workspace'],
    workspaceKey: 'Workspace',
    source: `${SOURCES.cwMetrics} (row AlertManagerNotificationsFailed); ${SOURCES.grafanaDims}`,
    unconfirmed: WORKSPACE_KEY_UNCONFIRMED,
  },
  AlertManagerNotificationsThrottled: {
    namespace: AMP_NAMESPACE,
    resourceName: [],
    description: 'Number of throttled alerts',
    units: 'Count',
    statistics: STATS,
    dimensions: ['Workspace'],
    workspaceKey: 'Workspace',
    source: `${SOURCES.cwMetrics} (row AlertManagerNotificationsThrottled); ${SOURCES.grafanaDims}`,
    unconfirmed: WORKSPACE_KEY_UNCONFIRMED,
  },
  AnomalyDetectorEvaluationFailures: {
    namespace: AMP_NAMESPACE,
    resourceName: ['WorkspaceId', 'AnomalyDetectorId'],
    description: 'Number of anomaly detector failures in the interval',
    units: 'Count',
    statistics: STATS,
    dimensions: ['AnomalyDetectorId', 'WorkspaceId'],
    workspaceKey: 'WorkspaceId',
    source: `${SOURCES.cwMetrics} (row AnomalyDetectorEvaluationFailures)`,
    unconfirmed:
      'that the "Resource name" column lists the exact dimension set (the column is not called dimensions): the alarm uses no SCHEMA',
  },
  AnomalyDetectorMissedEvaluations: {
    namespace: AMP_NAMESPACE,
    resourceName: ['WorkspaceId', 'AnomalyDetectorId'],
    description: 'Number of missed anomaly detector evaluations in the interval',
    units: 'Count',
    statistics: STATS,
    dimensions: ['AnomalyDetectorId', 'WorkspaceId'],
    workspaceKey: 'WorkspaceId',
    source: `${SOURCES.cwMetrics} (row AnomalyDetectorMissedEvaluations)`,
    unconfirmed: 'as AnomalyDetectorEvaluationFailures',
  },
};

/**
 * AMP's usage of its active series and ingestion rate quotas, and how the quota alarms compare it with the quota
 * (lib/constructs/monitoring-health.ts, ampQuotas; the query is AMP_USAGE_METRIC's, lib/constructs/prometheus-workspace.ts).
 * - cwMetrics (read 2026-12-07): AWS/Usage, metric ResourceCount, "Resource name" ActiveSeries ("Number of active
 *   series per workspace", Units: Count) and IngestionRate ("Sample ingestion rate", Units: Count per second), both
 *   "Valid Statistics: Average, Minimum, Maximum". The page names no dimension of these rows.
 * - serviceQuota: SERVICE_QUOTA takes a "TS that is a usage metric" and "Returns the service quota for the given
 *   usage metric"; the user guide's alarm recipe is m1/SERVICE_QUOTA(m1)*100 > 80. It works for the services that
 *   "integrate their usage metrics with Service Quotas": the stored copy's list of them does not name AMP, and
 *   quotas only says AMP "vends CloudWatch usage metrics" to monitor usage "to prevent limit errors".
 * Why the alarms compare with config/limits.yaml instead: SERVICE_QUOTA needs the usage metric as a metric, i.e.
 * with its exact dimension set, and the values AMP gives Service, Type and Class are UNCONFIRMED (cost-metrics.ts):
 * a wrong one matches nothing. The Metrics Insights query names only Resource and the workspace key.
 * - quotas: "Active series per workspace", default "10,000,000 per 2 hours" (a newer stored copy: 50,000,000),
 *   adjustable, "dynamically applied": "Capacity from 2M to 10M is automatically adjusted based on the last 30 min
 *   of usage". "Ingestion rate": 140,000 samples per second in the older table of a stored copy; the current row is
 *   UNCONFIRMED (in no copy we could read).
 * Why the quota alarms treat missing data as breaching, on purpose: the workspace's dimension name is UNCONFIRMED
 * (workspaceKey below), and a query that matches nothing must not pass for a workspace far from its quota. A
 * workspace the collector writes to always has active series and an ingestion rate, so no data means a wrong
 * dimension or no ingestion at all (docs/runbooks.md, AmpActiveSeriesNearQuota).
 */
export const USAGE_QUOTAS = {
  namespace: 'AWS/Usage',
  metricName: 'ResourceCount',
  resources: { ActiveSeries: 'Count', IngestionRate: 'Count/Second' },
  statistics: ['Average', 'Minimum', 'Maximum'],
  /** UNCONFIRMED (no source names it): the key holding the workspace id, as the cost dashboard reads it too. */
  workspaceKey: 'ResourceId',
  serviceQuotaArgument: 'TS that is a usage metric',
  serviceQuotaNamesAmp: false,
  defaults: { activeSeriesPerWorkspace: 10_000_000, ingestionRatePerWorkspace: 140_000 },
  source: `${SOURCES.cwMetrics}; ${SOURCES.serviceQuota}; ${SOURCES.quotas}`,
} as const;

/**
 * The AMP statement of a KMS key policy for SSE-enabled topics (snsPermission):
 * "add kms:GenerateDataKey* and kms:Decrypt to the key policy", principal
 * aps.amazonaws.com. Our stored copy of the example is cut after its Action,
 * so "no conditions" rests on the reading too (UNCONFIRMED in full).
 * Why lib/constructs/alert-routing.ts adds no conditions: the KMS call is made
 * by SNS on AMP's behalf, and nothing documents that it carries
 * aws:SourceAccount/aws:SourceArn, so conditions there could deny every
 * notification. The pinning to the workspace lives in the topic policies
 * (TOPIC_STATEMENT: ArnEquals aws:SourceArn = workspace ARN, StringEquals
 * aws:SourceAccount), and a publish needs the topic policy to allow it.
 */
export const KMS_STATEMENT = {
  principal: 'aps.amazonaws.com',
  actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
  conditions: undefined,
  source: SOURCES.snsPermission,
} as const;

/** The topic statement (snsPermission): pinned by aws:SourceArn (workspace) and aws:SourceAccount. */
export const TOPIC_STATEMENT = {
  principal: 'aps.amazonaws.com',
  actions: ['sns:GetTopicAttributes', 'sns:Publish'],
  source: SOURCES.snsPermission,
} as const;

/** repeat_interval above five days is treated as five days (alertManagerConfig). */
export const MAX_REPEAT_INTERVAL_SECONDS = 5 * 24 * 3600;

/**
 * The anomaly detector's output series (anomalySample). What the detector
 * writes, and how to alert on it (lib/render/anomaly-detector-alerts.ts),
 * follows AWS's own sample
 * aws-solutions-library-samples/guidance-for-ai-powered-devops-agent-for-prometheus-anomaly-detection
 * (@070ca17fb34e0737b9e52f861a147d121a8ab106:cdk/lib/amp-stack.ts and
 * @28f6e5177b6ce311d0561055d192b5da12b68c42:docs/DEMO-RUNBOOK.md): a detector
 * created with `alias: X` is queried as `anomaly_detector:score{alias="X"}`
 * (beside `anomaly_detector:value`, `:lower_band` and `:upper_band`), and the
 * sample alerts on `max_over_time(anomaly_detector:score{alias="X"}[2m]) > 0.1`
 * because "the score spike lasts a single ~30s cycle, then the model adapts
 * and the score returns to 0". Whether AMP copies the detector's own labels
 * onto these series is UNCONFIRMED, so the alert sets its labels itself.
 */
export const ANOMALY_DETECTOR_SERIES = [
  'anomaly_detector:score',
  'anomaly_detector:value',
  'anomaly_detector:lower_band',
  'anomaly_detector:upper_band',
] as const;

/**
 * What AMP accepts as an anomaly detector's query (rcfConfig, and the same
 * "Important" note on CloudFormation's AWS::APS::AnomalyDetector Query,
 * rcfCfn): "Random Cut Forest queries must be wrapped by a supported PromQL
 * aggregation operator", listing these. Read as: the query's outermost node is
 * one of these aggregations (`sum(x) * 60` is a product, not wrapped). That
 * AMP refuses parentheses around the aggregation, `(sum(x))`, is UNCONFIRMED;
 * we refuse it too rather than find out at deploy.
 */
export const RANDOM_CUT_FOREST = {
  aggregations: ['avg', 'count', 'group', 'max', 'min', 'quantile', 'stddev', 'stdvar', 'sum'],
  maxQueryLength: 8192,
  source: `${SOURCES.rcfConfig}; ${SOURCES.rcfCfn}`,
} as const;
