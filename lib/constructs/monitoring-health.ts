import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ICollectorService } from './collector-service';
import { AMP_USAGE_METRIC, IPrometheusWorkspace } from './prometheus-workspace';
import { ResourceNames } from './resource-names';

export interface MonitoringHealthProps {
  /** Physical names of the alarms (`names.name(<alarm>)`). @default - names chosen by CloudFormation */
  readonly names?: ResourceNames;
  /** The collector whose tasks, CPU and memory are alarmed. */
  readonly collector: ICollectorService;
  /** The AMP workspace whose vended metrics are alarmed. */
  readonly workspace: IPrometheusWorkspace;
  /** Whether the workspace has anomaly detectors, whose failed and missed evaluations are then alarmed. @default false */
  readonly anomalyDetectors?: boolean;
  /**
   * The quotas applied to the workspace (config/limits.yaml `amp.activeSeriesPerWorkspace`,
   * `amp.ingestionRatePerWorkspace`): its usage is alarmed at 80 % of each, before AMP discards samples.
   * @default - no quota alarms
   */
  readonly ampQuotas?: AmpQuotas;
  /** The dashboard importer, whose failures are alarmed. @default - none */
  readonly dashboardImporter?: lambda.IFunction;
  /**
   * The importer's failed imports that did not fail their deploy (after a Grafana upgrade), alarmed too.
   * @default - none
   */
  readonly dashboardImportFailures?: cloudwatch.IMetric;
  /** Where alarms that mean lost alerts go. */
  readonly criticalTopic: sns.ITopic;
  /** Where alarms that mean degraded monitoring go. */
  readonly warningTopic: sns.ITopic;
}

/** AMP quotas of one workspace, as applied (not necessarily the defaults). */
export interface AmpQuotas {
  /** Active series per workspace. */
  readonly activeSeries: number;
  /** Ingested samples per second per workspace. */
  readonly ingestionRate: number;
}

/** The share of a quota at which its alarm warns. */
export const QUOTA_WARNING_RATIO = 0.8;

/**
 * "Monitor monitoring" (seed 11.2) with CloudWatch alarms that do not depend
 * on AMP: the collector's tasks, CPU and memory; AMP's discarded samples, rule
 * evaluation failures, missed rule group iterations and failed notifications
 * from its vended metrics; its usage near the active series and ingestion rate
 * quotas; dashboard import failures.
 */
export class MonitoringHealth extends Construct {
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: MonitoringHealthProps) {
    super(scope, id);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (name: string, topic: sns.ITopic, alarmProps: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, name, { ...alarmProps, alarmName: props.names?.name(alarmProps.alarmName!) });
      alarm.addAlarmAction(new cwActions.SnsAction(topic));
      alarm.addOkAction(new cwActions.SnsAction(topic));
      alarms[name] = alarm;
    };
    add('CollectorTasksBelowDesired', props.criticalTopic, {
      alarmName: 'collector-tasks-below-desired',
      alarmDescription: 'Fewer ADOT collector tasks run than desired for 5 minutes: metrics and traces may be lost.',
      metric: new cloudwatch.MathExpression({
        expression: 'desired - running',
        usingMetrics: { desired: props.collector.metricDesiredTaskCount(), running: props.collector.metricRunningTaskCount() },
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
    // by Reason, rule metrics by RuleGroup): the workspace's metric* methods sum
    // over every series of the set AMP publishes (a Metrics Insights query).
    add('AmpSamplesDiscarded', props.warningTopic, {
      alarmName: 'amp-samples-discarded',
      alarmDescription:
        'AMP discarded samples (throttling, limits, out-of-order) in 2 of the last 3 five-minute periods: data is being lost.',
      metric: props.workspace.metricDiscardedSamples(),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('AmpRuleEvaluationFailures', props.criticalTopic, {
      alarmName: 'amp-rule-evaluation-failures',
      alarmDescription: 'AMP failed to evaluate rules: alerts may not fire. See the ruler log group /<app>/<env>/amp.',
      metric: props.workspace.metricRuleEvaluationFailures(),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('AmpRuleGroupIterationsMissed', props.warningTopic, {
      alarmName: 'amp-rule-group-iterations-missed',
      alarmDescription:
        'AMP skipped rule group evaluations (a group takes longer than its interval) in 2 of the last 3 five-minute periods: alerts fire late or not at all.',
      metric: props.workspace.metricRuleGroupIterationsMissed(),
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
      metric: props.workspace.metricAlertManagerNotificationsFailed(),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('AmpNotificationsThrottled', props.criticalTopic, {
      alarmName: 'amp-alert-manager-notifications-throttled',
      alarmDescription:
        "AMP's alert manager throttled notifications (its quota on alerts and notifications): some alerts were not delivered. See the alertmanager log group /<app>/<env>/amp.",
      metric: props.workspace.metricAlertManagerNotificationsThrottled(),
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
          metric: props.workspace.metric(metricName),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
    }
    if (props.ampQuotas) {
      // 80 % of the quota as configured, not CloudWatch's SERVICE_QUOTA(), which AMP's usage metrics cannot feed.
      // Missing data is breaching, on purpose: a query that matches nothing must not pass for a workspace far from
      // its quota.
      // @see test/contracts/amp.ts USAGE_QUOTAS
      for (const [name, resource, quota, what] of [
        ['AmpActiveSeriesNearQuota', 'ActiveSeries', props.ampQuotas.activeSeries, 'active series'],
        ['AmpIngestionRateNearQuota', 'IngestionRate', props.ampQuotas.ingestionRate, 'ingestion rate (samples/s)'],
      ] as const) {
        if (!Number.isFinite(quota) || quota <= 0)
          throw new Error(`MonitoringHealth: ampQuotas: the ${what} quota must be positive, got ${quota}`);
        const threshold = QUOTA_WARNING_RATIO * quota;
        const slug = resource === 'ActiveSeries' ? 'active-series' : 'ingestion-rate';
        add(name, props.warningTopic, {
          alarmName: `amp-${slug}-near-quota`,
          alarmDescription:
            `AMP's ${what} at or above ${threshold} (80 % of the quota of ${quota}, config/limits.yaml) for 15 minutes: request a quota increase before AMP discards samples. ` +
            `In ALARM with no data, the usage metric is missing (no ingestion, or its workspace dimension is not ${AMP_USAGE_METRIC.workspaceKey}). See docs/runbooks.md#${name.toLowerCase()}.`,
          metric: props.workspace.metricUsage(resource),
          threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        });
      }
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
    if (props.dashboardImportFailures) {
      add('DashboardImportFailedAfterUpgrade', props.warningTopic, {
        alarmName: 'dashboard-import-failed-after-upgrade',
        alarmDescription:
          'The dashboard import after a Grafana upgrade failed; the deploy went on (the upgrade cannot be rolled back). Fix the cause from the importer log, then deploy with -c reimport=$(date +%s). See docs/runbooks.md#dashboardimportfailedafterupgrade.',
        metric: props.dashboardImportFailures,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.alarms = alarms;
  }
}
