import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { Naming } from '../naming';

/** A Logs Insights query to save, over one service's group or every group. */
export interface SavedLogQuery {
  readonly name: string;
  readonly scope: 'each' | 'all';
  readonly query: string;
}

export interface ServiceLogGroupsProps {
  readonly naming: Naming;
  /** Services (and the collector) that get a log group `/<app>/<env>/<service>`. */
  readonly services: readonly string[];
  readonly retention: logs.RetentionDays;
  readonly encryptionKey: kms.IKey;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Mask email addresses and AWS secret keys in log events. @default false */
  readonly dataProtection?: boolean;
  /** Saved Logs Insights queries. @default - none */
  readonly queries?: readonly SavedLogQuery[];
  /**
   * Save the `all`-scope queries over these groups. Off when the services are
   * split across several constructs (see saveCrossServiceQueries).
   * @default true
   */
  readonly crossServiceQueries?: boolean;
  /** Topic the per-service error alarms notify. @default - no alarms */
  readonly alarmTopic?: sns.ITopic;
  /** Error-level events per 5 minutes that raise the alarm. @default 10 */
  readonly errorAlarmThreshold?: number;
}

/** The CloudWatch metric namespace of the error-event metric filters. */
export const LOG_METRICS_NAMESPACE = 'TradingPlatform/Logs';

/**
 * One KMS-encrypted log group per service, with SSM parameters publishing
 * their names and ARNs, an error-event metric and alarm per service, saved
 * Logs Insights queries, and optional data protection.
 */
export class ServiceLogGroups extends Construct {
  readonly logGroups: Readonly<Record<string, logs.LogGroup>>;
  readonly errorAlarms: Readonly<Record<string, cloudwatch.Alarm>> = {};

  constructor(scope: Construct, id: string, props: ServiceLogGroupsProps) {
    super(scope, id);
    const groups: Record<string, logs.LogGroup> = {};
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const dataProtectionPolicy = props.dataProtection
      ? new logs.DataProtectionPolicy({
          name: props.naming.name('log-data-protection'),
          description: 'Masks email addresses and AWS secret keys in log events',
          identifiers: [logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY],
        })
      : undefined;

    for (const service of props.services) {
      const group = new logs.LogGroup(this, `LogGroup-${service}`, {
        logGroupName: props.naming.path(service),
        retention: props.retention,
        encryptionKey: props.encryptionKey,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
        dataProtectionPolicy,
      });
      groups[service] = group;
      new ssm.StringParameter(this, `Name-${service}`, {
        parameterName: props.naming.path('logs', service, 'name'),
        stringValue: group.logGroupName,
        description: `Log group of ${service} (awslogs-group)`,
      });
      new ssm.StringParameter(this, `Arn-${service}`, {
        parameterName: props.naming.path('logs', service, 'arn'),
        stringValue: group.logGroupArn,
        description: `Log group ARN of ${service}`,
      });

      // structlog writes "level"; error and critical events count as errors.
      const metric = new logs.MetricFilter(this, `Errors-${service}`, {
        logGroup: group,
        filterPattern: logs.FilterPattern.any(
          logs.FilterPattern.stringValue('$.level', '=', 'error'),
          logs.FilterPattern.stringValue('$.level', '=', 'critical'),
        ),
        metricNamespace: LOG_METRICS_NAMESPACE,
        metricName: `${props.naming.env}-${service}-error-events`,
        metricValue: '1',
        defaultValue: 0,
        unit: cloudwatch.Unit.COUNT,
      }).metric({ statistic: 'Sum', period: Duration.minutes(5) });
      if (props.alarmTopic) {
        const alarm = new cloudwatch.Alarm(this, `ErrorAlarm-${service}`, {
          alarmName: props.naming.name(`${service}-error-logs`),
          alarmDescription: `${service} logged ${props.errorAlarmThreshold ?? 10} or more error events in 5 minutes. Logs Insights: ${props.naming.prefix}/errors-by-service`,
          metric,
          threshold: props.errorAlarmThreshold ?? 10,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
        alarms[service] = alarm;
      }
    }
    this.logGroups = groups;
    this.errorAlarms = alarms;

    for (const q of props.queries ?? []) {
      if (q.scope === 'all' && props.crossServiceQueries === false) continue;
      const targets =
        q.scope === 'each' ? props.services.map((s) => [s, [groups[s]]] as const) : ([['all', Object.values(groups)]] as const);
      for (const [target, logGroups] of targets) {
        const name = q.scope === 'each' ? `${target}/${q.name}` : q.name;
        // The L1 takes the query exactly as written in logs/queries.yaml.
        new logs.CfnQueryDefinition(this, `Query-${name.replace('/', '-')}`, {
          // "/" makes folders in the console: <app>-<env>/<service>/<query>.
          name: `${props.naming.prefix}/${name}`,
          queryString: q.query.trim(),
          logGroupNames: logGroups.map((g) => g.logGroupName),
        });
      }
    }
  }

  /** The log group of one service. */
  logGroup(service: string): logs.ILogGroup {
    const group = this.logGroups[service];
    if (!group) throw new Error(`ServiceLogGroups: no log group for "${service}"; known: ${Object.keys(this.logGroups).join(', ')}`);
    return group;
  }

  /** Lets the grantee write to every service's log group (or only the named ones). */
  grantWrite(grantee: iam.IGrantable, services: readonly string[] = Object.keys(this.logGroups)): void {
    for (const s of services) this.logGroup(s).grantWrite(grantee);
  }
}

/**
 * The `all`-scope queries when the services' log groups are split across
 * nested stacks: saved without log groups (Logs Insights asks for them, and
 * a query may name at most 50), under the same names.
 */
export function saveCrossServiceQueries(scope: Construct, naming: Naming, queries: readonly SavedLogQuery[]): void {
  for (const q of queries.filter((x) => x.scope === 'all')) {
    new logs.CfnQueryDefinition(scope, `Query-${q.name}`, { name: `${naming.prefix}/${q.name}`, queryString: q.query.trim() });
  }
}
