import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { requiredName, ResourceNames } from './resource-names';

/** A Logs Insights query to save, over one service's group or every group. */
export interface SavedLogQuery {
  /** The query's name; "/" makes console folders. */
  readonly name: string;
  /** `each`: one saved query per service's group; `all`: one over every group. */
  readonly scope: 'each' | 'all';
  /** The Logs Insights query. */
  readonly query: string;
}

/** A log-based alert: lines matching a filter pattern in each service's group, alarmed at a threshold. */
export interface LogAlarm {
  /** The alert's name (PascalCase), e.g. PipelineExecutionFailures. */
  readonly name: string;
  /** The services whose groups are watched (those of this construct; others are skipped). */
  readonly services: readonly string[];
  /** A CloudWatch Logs filter pattern, e.g. `{ $.event = "pipeline_execution_failed" }`. */
  readonly filterPattern: string;
  /** Matching lines within the window at or above which the alarm fires. */
  readonly threshold: number;
  /** The window: the alarm's period. */
  readonly window: Duration;
  /** Notified when the alarm fires and when it clears. */
  readonly topic: sns.ITopic;
  /** The alarm's description: what it means and the runbook. */
  readonly description: string;
}

export interface ServiceLogGroupsProps {
  /**
   * Physical names: log groups `names.path(service)`, alarms, the data protection policy, and the folder of the
   * saved queries (`names.prefix`).
   * @default - log group and alarm names chosen by CloudFormation; other names unique in the stack
   */
  readonly names?: ResourceNames;
  /** Services that get a log group each. */
  readonly services: readonly string[];
  /** How long the groups keep events. */
  readonly retention: logs.RetentionDays;
  /** The groups' key (CloudWatch Logs must be allowed to use it, e.g. LogsKey). */
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
  /** Log-based alerts: a metric filter and an alarm per alert and service. @default - none */
  readonly logAlarms?: readonly LogAlarm[];
  /** The CloudWatch namespace of the error-event metrics. @default 'ServiceLogs' */
  readonly errorMetricNamespace?: string;
  /**
   * Prefix of each error-event metric's name, `<prefix><service>-error-events`.
   * @default - `<names.prefix>-`, or a name unique in the stack and a dash (two such constructs never share a metric)
   */
  readonly errorMetricNamePrefix?: string;
}

/**
 * One KMS-encrypted log group per service, an error-event metric and alarm
 * per service, saved Logs Insights queries, and optional data protection.
 * Publishing the groups' names (SSM parameters) is the app's choice.
 */
export class ServiceLogGroups extends Construct {
  readonly logGroups: Readonly<Record<string, logs.LogGroup>>;
  readonly errorAlarms: Readonly<Record<string, cloudwatch.Alarm>> = {};
  /** The log-based alarms, by `<alert>/<service>`. */
  readonly logAlarms: Readonly<Record<string, cloudwatch.Alarm>> = {};
  /** The folder of the saved queries, e.g. `trading-observability-prod` (queries are `<folder>/<name>`). */
  readonly queryFolder: string;
  private readonly errorMetrics: Record<string, cloudwatch.Metric> = {};

  constructor(scope: Construct, id: string, props: ServiceLogGroupsProps) {
    super(scope, id);
    const folder = (this.queryFolder = requiredName(this, props.names));
    const groups: Record<string, logs.LogGroup> = {};
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const dataProtectionPolicy = props.dataProtection
      ? new logs.DataProtectionPolicy({
          name: props.names?.name('log-data-protection') ?? `${folder}-log-data-protection`,
          description: 'Masks email addresses and AWS secret keys in log events',
          identifiers: [logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY],
        })
      : undefined;

    for (const service of props.services) {
      const group = new logs.LogGroup(this, `LogGroup-${service}`, {
        logGroupName: props.names?.path(service),
        retention: props.retention,
        encryptionKey: props.encryptionKey,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
        dataProtectionPolicy,
      });
      groups[service] = group;

      // structlog writes "level"; error and critical events count as errors.
      const metric = new logs.MetricFilter(this, `Errors-${service}`, {
        logGroup: group,
        filterPattern: logs.FilterPattern.any(
          logs.FilterPattern.stringValue('$.level', '=', 'error'),
          logs.FilterPattern.stringValue('$.level', '=', 'critical'),
        ),
        metricNamespace: props.errorMetricNamespace ?? 'ServiceLogs',
        metricName: `${props.errorMetricNamePrefix ?? `${folder}-`}${service}-error-events`,
        metricValue: '1',
        defaultValue: 0,
        unit: cloudwatch.Unit.COUNT,
      }).metric({ statistic: 'Sum', period: Duration.minutes(5) });
      this.errorMetrics[service] = metric;
      if (props.alarmTopic) {
        const alarm = new cloudwatch.Alarm(this, `ErrorAlarm-${service}`, {
          alarmName: props.names?.name(`${service}-error-logs`),
          alarmDescription: `${service} logged ${props.errorAlarmThreshold ?? 10} or more error events in 5 minutes. Logs Insights: ${folder}/errors-by-service`,
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

    const logAlarms: Record<string, cloudwatch.Alarm> = {};
    for (const a of props.logAlarms ?? []) {
      for (const service of a.services.filter((s) => groups[s] !== undefined)) {
        const metric = new logs.MetricFilter(this, `LogAlert-${a.name}-${service}`, {
          logGroup: groups[service],
          filterPattern: logs.FilterPattern.literal(a.filterPattern),
          metricNamespace: props.errorMetricNamespace ?? 'ServiceLogs',
          metricName: `${props.errorMetricNamePrefix ?? `${folder}-`}${service}-${a.name}`,
          metricValue: '1',
          defaultValue: 0,
          unit: cloudwatch.Unit.COUNT,
        }).metric({ statistic: 'Sum', period: a.window });
        const alarm = new cloudwatch.Alarm(this, `LogAlarm-${a.name}-${service}`, {
          alarmName: props.names?.name(`${service}-${a.name}`),
          alarmDescription: a.description,
          metric,
          threshold: a.threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // No line is no event: the metric filter's default value is 0 and quiet periods are not breaching.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        // Fired and resolved, as Alertmanager notifies for the metric alerts (send_resolved).
        alarm.addAlarmAction(new cwActions.SnsAction(a.topic));
        alarm.addOkAction(new cwActions.SnsAction(a.topic));
        logAlarms[`${a.name}/${service}`] = alarm;
      }
    }
    this.logAlarms = logAlarms;

    for (const q of props.queries ?? []) {
      if (q.scope === 'all' && props.crossServiceQueries === false) continue;
      const targets =
        q.scope === 'each' ? props.services.map((s) => [s, [groups[s]]] as const) : ([['all', Object.values(groups)]] as const);
      for (const [target, logGroups] of targets) {
        const name = q.scope === 'each' ? `${target}/${q.name}` : q.name;
        // The L1 takes the query exactly as written in logs/queries.yaml.
        new logs.CfnQueryDefinition(this, `Query-${name.replace('/', '-')}`, {
          // "/" makes folders in the console: <app>-<env>/<service>/<query>.
          name: `${folder}/${name}`,
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

  /**
   * Error-level events of one service (the metric filter's metric).
   * @default sum over 5 minutes
   */
  metricErrorEvents(service: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.logGroup(service);
    return this.errorMetrics[service].with(options ?? {});
  }

  /** Lets the grantee write to every service's log group (or only the named ones). */
  grantWrite(grantee: iam.IGrantable, services: readonly string[] = Object.keys(this.logGroups)): iam.Grant {
    return services.map((s) => this.logGroup(s).grantWrite(grantee)).reduce((all, g) => all.combine(g));
  }
}

/**
 * The `all`-scope queries when the services' log groups are split across
 * nested stacks: saved without log groups (Logs Insights asks for them, and
 * a query may name at most 50), under the same names.
 */
export function saveCrossServiceQueries(scope: Construct, folder: string, queries: readonly SavedLogQuery[]): void {
  for (const q of queries.filter((x) => x.scope === 'all')) {
    new logs.CfnQueryDefinition(scope, `Query-${q.name}`, { name: `${folder}/${q.name}`, queryString: q.query.trim() });
  }
}
