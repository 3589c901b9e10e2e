import { ArnFormat, Duration, IResource, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as aps from 'aws-cdk-lib/aws-aps';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The CloudWatch metrics AMP vends in `AWS/Prometheus` that this library
 * exposes (`metric*` methods), with the dimension that names the workspace.
 * Their queries name no SCHEMA (no source gives the full dimension set) and sum
 * every series carrying this workspace's id, which is enough for `> 0` alarms.
 * @see test/contracts/amp.ts VENDED_METRICS
 */
export const AMP_VENDED_METRICS = {
  DiscardedSamples: { workspaceKey: 'Workspace' },
  RuleEvaluationFailures: { workspaceKey: 'Workspace' },
  RuleGroupIterationsMissed: { workspaceKey: 'Workspace' },
  AlertManagerNotificationsFailed: { workspaceKey: 'Workspace' },
  AlertManagerNotificationsThrottled: { workspaceKey: 'Workspace' },
  // The anomaly detector metrics name the workspace WorkspaceId, not Workspace (the page's "Resource name" column).
  AnomalyDetectorEvaluationFailures: { workspaceKey: 'WorkspaceId' },
  AnomalyDetectorMissedEvaluations: { workspaceKey: 'WorkspaceId' },
} as const;

/** A metric AMP vends in `AWS/Prometheus` (see AMP_VENDED_METRICS). */
export type AmpVendedMetric = keyof typeof AMP_VENDED_METRICS;

/**
 * The CloudWatch Metrics Insights query summing one AMP vended metric over
 * every series of one workspace, whatever its other dimensions, e.g.
 * `SELECT SUM(RuleEvaluationFailures) FROM "AWS/Prometheus" WHERE Workspace = 'ws-1'`.
 */
function ampInsightsQuery(metricName: AmpVendedMetric, workspaceId: string): string {
  return `SELECT SUM(${metricName}) FROM "AWS/Prometheus" WHERE ${AMP_VENDED_METRICS[metricName].workspaceKey} = '${workspaceId}'`;
}

/**
 * AMP's usage of a quota, per workspace, in `AWS/Usage`: metric `ResourceCount`, dimension `Resource` =
 * `ActiveSeries` or `IngestionRate`, and the workspace's id under `ResourceId` (the cost dashboard's choice too;
 * no source names that key). The query names no SCHEMA: it matches whatever else the series carry.
 * @see test/contracts/amp.ts USAGE_QUOTAS
 */
export const AMP_USAGE_METRIC = { namespace: 'AWS/Usage', metricName: 'ResourceCount', workspaceKey: 'ResourceId' } as const;

/** The AMP quotas whose usage `metricUsage` reads (the `Resource` dimension's values). */
export type AmpUsageResource = 'ActiveSeries' | 'IngestionRate';

/**
 * The CloudWatch Metrics Insights query of one AMP usage metric of one workspace, its maximum per period, e.g.
 * `SELECT MAX(ResourceCount) FROM "AWS/Usage" WHERE Resource = 'ActiveSeries' AND ResourceId = 'ws-1'`.
 */
function ampUsageQuery(resource: AmpUsageResource, workspaceId: string): string {
  const u = AMP_USAGE_METRIC;
  return `SELECT MAX(${u.metricName}) FROM "${u.namespace}" WHERE Resource = '${resource}' AND ${u.workspaceKey} = '${workspaceId}'`;
}

/**
 * An Amazon Managed Service for Prometheus workspace, made here or imported
 * (`PrometheusWorkspace.fromWorkspaceAttributes`).
 */
export interface IPrometheusWorkspace extends IResource {
  /** @attribute */
  readonly workspaceId: string;
  /** @attribute */
  readonly workspaceArn: string;
  /** e.g. https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123/ */
  readonly prometheusEndpoint: string;
  /** `<prometheusEndpoint>api/v1/remote_write` */
  readonly remoteWriteUrl: string;
  /** `<prometheusEndpoint>api/v1/query` */
  readonly queryUrl: string;
  /**
   * Lets the grantee perform the given `aps:` actions on this workspace (its ARN only), as
   * DESIGN_GUIDELINES.md "Grants" asks of every resource (awslint:grants-grant-method).
   */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;
  /** Lets the grantee remote-write samples to this workspace, and nothing else. */
  grantRemoteWrite(grantee: iam.IGrantable): iam.Grant;
  /** Lets the grantee query this workspace (PromQL, series, labels, metadata). */
  grantQuery(grantee: iam.IGrantable): iam.Grant;
  /**
   * One of AMP's vended metrics of this workspace, summed over every series AMP
   * publishes it with for this workspace (a Metrics Insights query without
   * SCHEMA: AMP adds dimensions such as Reason or RuleGroup, and a plain metric
   * sees only the exact dimension set it names). An IMetric, not the
   * cloudwatch.Metric that DESIGN_GUIDELINES.md "Metrics" describes: a Metric
   * with only the workspace dimension would match no series AMP publishes with
   * more dimensions.
   */
  metric(metricName: AmpVendedMetric, options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** Samples AMP discarded (throttling, limits, out-of-order), all reasons. */
  metricDiscardedSamples(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** Failed rule evaluations, all rule groups. */
  metricRuleEvaluationFailures(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** Missed rule group iterations, all rule groups. */
  metricRuleGroupIterationsMissed(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** Notifications the alert manager failed to deliver. */
  metricAlertManagerNotificationsFailed(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** Notifications the alert manager throttled. */
  metricAlertManagerNotificationsThrottled(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** Failed anomaly detector evaluations, all detectors. */
  metricAnomalyDetectorEvaluationFailures(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** Missed anomaly detector evaluations, all detectors. */
  metricAnomalyDetectorMissedEvaluations(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /**
   * This workspace's usage of one AMP quota (`AWS/Usage`, see AMP_USAGE_METRIC), its maximum per period: a
   * Metrics Insights query, for the reason `metric` is one. UNCONFIRMED: the workspace dimension's name.
   */
  metricUsage(resource: AmpUsageResource, options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
}

/** An existing workspace, for `PrometheusWorkspace.fromWorkspaceAttributes`. */
export interface PrometheusWorkspaceAttributes {
  /** e.g. ws-0123abcd-… */
  readonly workspaceId: string;
  /** @default - the ARN of `workspaceId` in the scope's account and region */
  readonly workspaceArn?: string;
  /**
   * @default - `https://aps-workspaces.<region>.<url suffix>/workspaces/<id>/`, the form of the endpoint an AMP
   * workspace reports (its PrometheusEndpoint attribute, e.g. https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123/).
   * UNCONFIRMED outside the aws partition (the URL suffix there).
   */
  readonly prometheusEndpoint?: string;
}

abstract class PrometheusWorkspaceBase extends Resource implements IPrometheusWorkspace {
  abstract readonly workspaceId: string;
  abstract readonly workspaceArn: string;
  abstract readonly prometheusEndpoint: string;

  get remoteWriteUrl(): string {
    return `${this.prometheusEndpoint}api/v1/remote_write`;
  }

  get queryUrl(): string {
    return `${this.prometheusEndpoint}api/v1/query`;
  }

  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.workspaceArn] });
  }

  grantRemoteWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, 'aps:RemoteWrite');
  }

  grantQuery(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, 'aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata');
  }

  /** @default period 5 minutes, label the metric name */
  metric(metricName: AmpVendedMetric, options: cloudwatch.MathExpressionOptions = {}): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: ampInsightsQuery(metricName, this.workspaceId),
      period: Duration.minutes(5),
      label: metricName,
      ...options,
    });
  }

  metricDiscardedSamples(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return this.metric('DiscardedSamples', options);
  }

  metricRuleEvaluationFailures(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return this.metric('RuleEvaluationFailures', options);
  }

  metricRuleGroupIterationsMissed(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return this.metric('RuleGroupIterationsMissed', options);
  }

  metricAlertManagerNotificationsFailed(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return this.metric('AlertManagerNotificationsFailed', options);
  }

  metricAlertManagerNotificationsThrottled(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return this.metric('AlertManagerNotificationsThrottled', options);
  }

  metricAnomalyDetectorEvaluationFailures(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return this.metric('AnomalyDetectorEvaluationFailures', options);
  }

  metricAnomalyDetectorMissedEvaluations(options?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return this.metric('AnomalyDetectorMissedEvaluations', options);
  }

  /** @default period 5 minutes, label `<resource> (max)` */
  metricUsage(resource: AmpUsageResource, options: cloudwatch.MathExpressionOptions = {}): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: ampUsageQuery(resource, this.workspaceId),
      period: Duration.minutes(5),
      label: `${resource} (max)`,
      ...options,
    });
  }
}

export interface PrometheusWorkspaceProps {
  /** Workspace alias, e.g. `trading-observability-prod`. @default - no alias */
  readonly alias?: string;
  /** How long AMP keeps samples (1-1095 days). */
  readonly retentionDays: number;
  /**
   * Customer managed key for the workspace's data. AMP, ADOT's remote write
   * (SigV4) and Amazon Managed Grafana's queries all work with it; AMP uses
   * KMS grants, so the key's default policy (account root) suffices.
   * @default - a key with rotation is created
   */
  readonly encryptionKey?: kms.IKey;
  /** Log group for alert manager and ruler errors. @default - no logging configuration */
  readonly logGroup?: logs.ILogGroup;
  /**
   * Principals that may assume a role allowed only `aps:RemoteWrite` here
   * (an existing Prometheus server that remote-writes, seed 8.3 step 3).
   * @default - no such role
   */
  readonly remoteWritePrincipals?: readonly iam.IPrincipal[];
  /** @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An Amazon Managed Service for Prometheus workspace, its rule groups
 * namespaces, anomaly detectors and alert manager definition, with grants for
 * writers and readers and its vended CloudWatch metrics. Publishing its
 * endpoints (outputs, SSM parameters) is the app's choice.
 */
export class PrometheusWorkspace extends PrometheusWorkspaceBase {
  /**
   * An existing workspace, by ARN (`arn:<partition>:aps:<region>:<account>:workspace/<id>`: AMP API reference,
   * WorkspaceDescription `arn`, https://docs.aws.amazon.com/prometheus/latest/APIReference/API_WorkspaceDescription.html). DESIGN_GUIDELINES.md "Imports": a resource with an ARN attribute has a `fromFooArn`
   * (awslint:from-arn). The endpoint is derived as in `fromWorkspaceAttributes`.
   */
  static fromWorkspaceArn(scope: Construct, id: string, workspaceArn: string): IPrometheusWorkspace {
    const workspaceId = Stack.of(scope).splitArn(workspaceArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName;
    if (!workspaceId)
      throw new Error(`PrometheusWorkspace.fromWorkspaceArn: "${workspaceArn}" names no workspace id (expected .../workspace/<id>)`);
    return PrometheusWorkspace.fromWorkspaceAttributes(scope, id, { workspaceId, workspaceArn });
  }

  /** An existing workspace, by id (and optionally ARN and endpoint). */
  static fromWorkspaceAttributes(scope: Construct, id: string, attrs: PrometheusWorkspaceAttributes): IPrometheusWorkspace {
    class Imported extends PrometheusWorkspaceBase {
      readonly workspaceId = attrs.workspaceId;
      readonly workspaceArn =
        attrs.workspaceArn ?? Stack.of(scope).formatArn({ service: 'aps', resource: 'workspace', resourceName: attrs.workspaceId });
      // The workspace's own region (the ARN's, when one is given), not necessarily the stack's.
      readonly prometheusEndpoint =
        attrs.prometheusEndpoint ??
        `https://aps-workspaces.${this.env.region}.${Stack.of(scope).urlSuffix}/workspaces/${attrs.workspaceId}/`;
    }
    return new Imported(scope, id, {
      environmentFromArn: attrs.workspaceArn && !Token.isUnresolved(attrs.workspaceArn) ? attrs.workspaceArn : undefined,
    });
  }

  readonly workspace: aps.CfnWorkspace;
  readonly workspaceArn: string;
  readonly workspaceId: string;
  readonly prometheusEndpoint: string;
  readonly encryptionKey: kms.IKey;
  /** The remote-write-only role, when principals were given. */
  readonly remoteWriteRole?: iam.Role;
  private readonly namespaces = new Map<string, aps.CfnRuleGroupsNamespace>();

  constructor(scope: Construct, id: string, props: PrometheusWorkspaceProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.retentionDays) && (props.retentionDays < 1 || props.retentionDays > 1095)) {
      throw new Error(`PrometheusWorkspace: retentionDays must be 1-1095, got ${props.retentionDays}`);
    }
    const label = props.alias ?? this.node.path;
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `Encrypts the AMP workspace ${label}`,
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });

    this.workspace = new aps.CfnWorkspace(this, 'Resource', {
      alias: props.alias,
      kmsKeyArn: this.encryptionKey.keyArn,
      loggingConfiguration: props.logGroup && { logGroupArn: props.logGroup.logGroupArn },
      workspaceConfiguration: { retentionPeriodInDays: props.retentionDays },
    });
    this.workspace.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    this.workspaceArn = this.workspace.attrArn;
    this.workspaceId = this.workspace.attrWorkspaceId;
    this.prometheusEndpoint = this.workspace.attrPrometheusEndpoint;

    if (props.remoteWritePrincipals && props.remoteWritePrincipals.length > 0) {
      this.remoteWriteRole = new iam.Role(this, 'RemoteWriteRole', {
        assumedBy: new iam.CompositePrincipal(...props.remoteWritePrincipals),
        description: `May only remote-write to AMP workspace ${label}`,
      });
      this.grantRemoteWrite(this.remoteWriteRole);
    }
  }

  /**
   * Adds one rule groups namespace; `data` is a Prometheus rule file.
   * @param scope where the resource goes (e.g. a nested stack, at scale). @default this construct
   */
  addRuleGroupsNamespace(name: string, data: string, scope?: Construct): aps.CfnRuleGroupsNamespace {
    if (this.namespaces.has(name)) throw new Error(`PrometheusWorkspace: rule groups namespace "${name}" added twice`);
    const ns = new aps.CfnRuleGroupsNamespace(scope ?? this, `Rules-${name}`, { workspace: this.workspaceArn, name, data });
    this.namespaces.set(name, ns);
    return ns;
  }

  /**
   * Adds an AMP anomaly detector (Random Cut Forest) on an aggregated query,
   * evaluated every minute; missing data is skipped.
   */
  addAnomalyDetector(alias: string, query: string, labels: Readonly<Record<string, string>>): aps.CfnAnomalyDetector {
    return new aps.CfnAnomalyDetector(this, `Anomaly-${alias}`, {
      workspace: this.workspaceArn,
      alias,
      evaluationIntervalInSeconds: 60,
      configuration: { randomCutForest: { query } },
      missingDataAction: { skip: true },
      labels: Object.entries(labels).map(([key, value]) => ({ key, value })),
    });
  }

  /** Sets the alert manager definition (the AMP wrapper with alertmanager_config and template_files). */
  setAlertManagerDefinition(definition: string): void {
    this.workspace.alertManagerDefinition = definition;
  }
}
