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
  /** The dashboard importer, whose failures are alarmed. @default - none */
  readonly dashboardImporter?: lambda.IFunction;
  readonly criticalTopic: sns.ITopic;
  readonly warningTopic: sns.ITopic;
}

/**
 * "Monitor monitoring" (seed 11.2) with CloudWatch alarms that do not depend
 * on AMP: the collector's tasks, CPU and memory; AMP's discarded samples and
 * rule evaluation failures from its vended metrics; dashboard import failures.
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
    const amp = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Prometheus',
        metricName,
        dimensionsMap: { Workspace: props.workspaceId },
        statistic: 'Sum',
        period: Duration.minutes(5),
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
