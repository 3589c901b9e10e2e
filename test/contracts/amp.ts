/**
 * Facts about Amazon Managed Service for Prometheus (AMP) and the CloudWatch
 * metrics it vends, that our constructs depend on and tests check against.
 * Each with its source; read 2026-11-25. A fact we could not read in full is
 * marked UNCONFIRMED.
 */

/** Sources, cited by the facts below. */
export const SOURCES = {
  cwMetrics:
    'AMP user guide, "Use CloudWatch metrics to monitor Amazon Managed Service for Prometheus resources", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-CW-usage-metrics.html',
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
  anomalySample:
    'aws-solutions-library-samples/guidance-for-ai-powered-devops-agent-for-prometheus-anomaly-detection@070ca17fb34e0737b9e52f861a147d121a8ab106:cdk/lib/amp-stack.ts and @28f6e5177b6ce311d0561055d192b5da12b68c42:docs/DEMO-RUNBOOK.md',
} as const;

export const AMP_NAMESPACE = 'AWS/Prometheus';

/**
 * Every dimension key AMP publishes in AWS/Prometheus: Reason, RuleGroup and Workspace (grafanaDims), and
 * WorkspaceId and AnomalyDetectorId on the anomaly detector metrics (cwMetrics, its table's "Resource name" column).
 */
export const AMP_DIMENSION_KEYS = ['AnomalyDetectorId', 'Reason', 'RuleGroup', 'Workspace', 'WorkspaceId'] as const;

/** Metric names AMP vends in AWS/Prometheus that we alarm on (grafanaDims lists all of them). */
export interface VendedMetricFact {
  /** The exact dimension set of the published metric: an alarm sees it only with exactly this set. */
  readonly dimensions: readonly string[];
  /** True: queried with SCHEMA(namespace, dimensions); false: without SCHEMA (any set holding Workspace). */
  readonly confirmed: boolean;
  readonly source: string;
}

// How far each set is confirmed: grafanaDims confirms the metric names and the
// namespace's dimension keys (Reason, RuleGroup, Workspace). Which metric
// carries which key is as the issue reads cwMetrics (RuleGroup "<namespace>;<group>"
// on the rule metrics, Reason on DiscardedSamples); our stored copy of that
// page shows only its AWS/Usage rows, so the per-metric rows themselves are
// UNCONFIRMED here. Re-read cwMetrics when one of these alarms never fires.
export const VENDED_METRICS: Readonly<Record<string, VendedMetricFact>> = {
  // Published per discard reason (e.g. rate limiting, per-user series limit).
  DiscardedSamples: { dimensions: ['Reason', 'Workspace'], confirmed: true, source: `${SOURCES.cwMetrics}; ${SOURCES.grafanaDims}` },
  // Published per rule group, the RuleGroup value being "<namespace>;<group>".
  RuleEvaluationFailures: {
    dimensions: ['RuleGroup', 'Workspace'],
    confirmed: true,
    source: `${SOURCES.cwMetrics}; ${SOURCES.grafanaDims}`,
  },
  RuleGroupIterationsMissed: {
    dimensions: ['RuleGroup', 'Workspace'],
    confirmed: true,
    source: `${SOURCES.cwMetrics}; ${SOURCES.grafanaDims}`,
  },
  // UNCONFIRMED: the metric name is in grafanaDims, but we could not read its
  // row of the cwMetrics table; Workspace is the only dimension we assume.
  // The alarm therefore queries it without SCHEMA (any dimension set holding
  // Workspace), so it sees data whatever its other dimensions are.
  AlertManagerNotificationsFailed: { dimensions: ['Workspace'], confirmed: false, source: SOURCES.grafanaDims },
  // "Number of throttled alerts" (cwMetrics); dimensions as AlertManagerNotificationsFailed, UNCONFIRMED likewise.
  AlertManagerNotificationsThrottled: { dimensions: ['Workspace'], confirmed: false, source: SOURCES.cwMetrics },
  // cwMetrics' table names the dimensions of the anomaly detector metrics: WorkspaceId, AnomalyDetectorId.
  AnomalyDetectorEvaluationFailures: { dimensions: ['AnomalyDetectorId', 'WorkspaceId'], confirmed: true, source: SOURCES.cwMetrics },
  AnomalyDetectorMissedEvaluations: { dimensions: ['AnomalyDetectorId', 'WorkspaceId'], confirmed: true, source: SOURCES.cwMetrics },
};

/**
 * The AMP statement of a KMS key policy for SSE-enabled topics (snsPermission):
 * "add kms:GenerateDataKey* and kms:Decrypt to the key policy", principal
 * aps.amazonaws.com. Our stored copy of the example is cut after its Action,
 * so "no conditions" rests on the reading too (UNCONFIRMED in full).
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

/** The anomaly detector's output series (anomalySample). */
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
