import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { Naming } from '../naming';

export interface MonitoringHealthProps {
  readonly naming: Naming;
  /** The collector's ECS service. */
  readonly collector: ecs.FargateService;
  /** The collector's cluster name (Container Insights metrics). */
  readonly collectorClusterName: string;
  /** The AMP workspace id (its vended metrics' Workspace dimension). */
  readonly workspaceId: string;
  /** Whether the workspace has anomaly detectors, whose failed and missed evaluations are then alarmed. @default false */
  readonly anomalyDetectors?: boolean;
  /** The dashboard importer, whose failures are alarmed. @default - none */
  readonly dashboardImporter?: lambda.IFunction;
  readonly criticalTopic: sns.ITopic;
  readonly warningTopic: sns.ITopic;
}

/**
 * AMP's vended metrics we alarm on, with the exact dimension set AMP publishes
 * each with (test/contracts/amp.ts holds the facts and their sources). A set
 * marked `exact: false` is not confirmed: its query names no SCHEMA, so it
 * matches any dimension set that holds Workspace.
 */
export const AMP_VENDED_METRICS = {
  DiscardedSamples: { dimensions: ['Reason', 'Workspace'], exact: true, workspaceKey: 'Workspace' },
  RuleEvaluationFailures: { dimensions: ['RuleGroup', 'Workspace'], exact: true, workspaceKey: 'Workspace' },
  RuleGroupIterationsMissed: { dimensions: ['RuleGroup', 'Workspace'], exact: true, workspaceKey: 'Workspace' },
  AlertManagerNotificationsFailed: { dimensions: ['Workspace'], exact: false, workspaceKey: 'Workspace' },
  AlertManagerNotificationsThrottled: { dimensions: ['Workspace'], exact: false, workspaceKey: 'Workspace' },
  // The anomaly detector metrics name the workspace WorkspaceId, not Workspace (AMP user guide, AMP-CW-usage-metrics).
  AnomalyDetectorEvaluationFailures: { dimensions: ['AnomalyDetectorId', 'WorkspaceId'], exact: true, workspaceKey: 'WorkspaceId' },
  AnomalyDetectorMissedEvaluations: { dimensions: ['AnomalyDetectorId', 'WorkspaceId'], exact: true, workspaceKey: 'WorkspaceId' },
} as const;

/**
 * The CloudWatch Metrics Insights query summing one AMP vended metric over
 * every series of one workspace, e.g.
 * `SELECT SUM(RuleEvaluationFailures) FROM SCHEMA("AWS/Prometheus", RuleGroup, Workspace) WHERE Workspace = 'ws-1'`.
 */
export function ampInsightsQuery(metricName: keyof typeof AMP_VENDED_METRICS, workspaceId: string): string {
  const m = AMP_VENDED_METRICS[metricName];
  const from = m.exact ? `SCHEMA("AWS/Prometheus", ${m.dimensions.join(', ')})` : '"AWS/Prometheus"';
  return `SELECT SUM(${metricName}) FROM ${from} WHERE ${m.workspaceKey} = '${workspaceId}'`;
}

/**
 * "Monitor monitoring" (seed 11.2) with CloudWatch alarms that do not depend
 * on AMP: the collector's tasks, CPU and memory; AMP's discarded samples, rule
 * evaluation failures, missed rule group iterations and failed notifications
 * from its vended metrics; dashboard import failures.
 */
export class MonitoringHealth extends Construct {
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: MonitoringHealthProps) {
    super(scope, id);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (name: string, topic: sns.ITopic, props2: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, name, { ...props2, alarmName: props.naming.name(props2.alarmName!) });
      alarm.addAlarmAction(new cwActions.SnsAction(topic));
      alarm.addOkAction(new cwActions.SnsAction(topic));
      alarms[name] = alarm;
    };
    const insights = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensionsMap: { ClusterName: props.collectorClusterName, ServiceName: props.collector.serviceName },
        statistic: 'Average',
        period: Duration.minutes(1),
      });
    add('CollectorTasksBelowDesired', props.criticalTopic, {
      alarmName: 'collector-tasks-below-desired',
      alarmDescription: 'Fewer ADOT collector tasks run than desired for 5 minutes: metrics and traces may be lost.',
      metric: new cloudwatch.MathExpression({
        expression: 'desired - running',
        usingMetrics: { desired: insights('DesiredTaskCount'), running: insights('RunningTaskCount') },
        period: Duration.minutes(1),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // No data means the collector's service reports nothing at all.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    add('CollectorCpuHigh', props.warningTopic, {
      alarmName: 'collector-cpu-high',
      alarmDescription: 'ADOT collector CPU above 80 % for 15 minutes: scale the task or the replicas.',
      metric: props.collector.metricCpuUtilization({ period: Duration.minutes(5) }),
      threshold: 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    add('CollectorMemoryHigh', props.warningTopic, {
      alarmName: 'collector-memory-high',
      alarmDescription: 'ADOT collector memory above 80 % for 15 minutes: memory_limiter is about to refuse data.',
      metric: props.collector.metricMemoryUtilization({ period: Duration.minutes(5) }),
      threshold: 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    // AMP's vended metrics carry more dimensions than Workspace (DiscardedSamples
    // by Reason, rule metrics by RuleGroup), and an alarm on a plain metric
    // sees only the exact dimension set it names. A Metrics Insights query
    // sums over every series of the set AMP publishes, for this workspace.
    // The sets are in AMP_VENDED_METRICS, checked against test/contracts/amp.ts.
    const amp = (metricName: keyof typeof AMP_VENDED_METRICS) =>
      new cloudwatch.MathExpression({
        expression: ampInsightsQuery(metricName, props.workspaceId),
        period: Duration.minutes(5),
        label: metricName,
      });
    add('AmpSamplesDiscarded', props.warningTopic, {
      alarmName: 'amp-samples-discarded',
      alarmDescription:
        'AMP discarded samples (throttling, limits, out-of-order) in 2 of the last 3 five-minute periods: data is being lost.',
      metric: amp('DiscardedSamples'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('AmpRuleEvaluationFailures', props.criticalTopic, {
      alarmName: 'amp-rule-evaluation-failures',
      alarmDescription: 'AMP failed to evaluate rules: alerts may not fire. See the ruler log group /<app>/<env>/amp.',
      metric: amp('RuleEvaluationFailures'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('AmpRuleGroupIterationsMissed', props.warningTopic, {
      alarmName: 'amp-rule-group-iterations-missed',
      alarmDescription:
        'AMP skipped rule group evaluations (a group takes longer than its interval) in 2 of the last 3 five-minute periods: alerts fire late or not at all.',
      metric: amp('RuleGroupIterationsMissed'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('AmpNotificationsFailed', props.criticalTopic, {
      alarmName: 'amp-alert-manager-notifications-failed',
      alarmDescription:
        "AMP's alert manager could not deliver notifications (SNS publish or KMS denied, throttled): alerts are firing but nobody is told. See the alertmanager log group /<app>/<env>/amp.",
      metric: amp('AlertManagerNotificationsFailed'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('AmpNotificationsThrottled', props.criticalTopic, {
      alarmName: 'amp-alert-manager-notifications-throttled',
      alarmDescription:
        "AMP's alert manager throttled notifications (its quota on alerts and notifications): some alerts were not delivered. See the alertmanager log group /<app>/<env>/amp.",
      metric: amp('AlertManagerNotificationsThrottled'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.anomalyDetectors) {
      // A detector that fails or misses its evaluations stops writing anomaly_detector:score, and the alerts on the
      // score then stay quiet: these say so.
      for (const [name, metricName, what] of [
        ['AmpAnomalyDetectorFailures', 'AnomalyDetectorEvaluationFailures', 'failed'],
        ['AmpAnomalyDetectorMissedEvaluations', 'AnomalyDetectorMissedEvaluations', 'missed'],
      ] as const)
        add(name, props.warningTopic, {
          alarmName: `amp-anomaly-detector-${what === 'failed' ? 'evaluation-failures' : 'missed-evaluations'}`,
          alarmDescription: `An AMP anomaly detector ${what} evaluations in 2 of the last 3 five-minute periods: its anomaly alerts cannot fire meanwhile.`,
          metric: amp(metricName),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
    }
    if (props.dashboardImporter) {
      add('DashboardImportFailures', props.warningTopic, {
        alarmName: 'dashboard-import-failures',
        alarmDescription: 'The dashboard importer failed: dashboards in Grafana may be stale. See its log group.',
        metric: props.dashboardImporter.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.alarms = alarms;
  }
}
