import { CfnOutput, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as aps from 'aws-cdk-lib/aws-aps';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface PrometheusWorkspaceProps {
  /** Workspace alias, e.g. `trading-observability-prod`. */
  readonly alias: string;
  /** How long AMP keeps samples (1-1095 days). */
  readonly retentionDays: number;
  /**
   * Customer managed key for the workspace's data. AMP, ADOT's remote write
   * (SigV4) and Amazon Managed Grafana's queries all work with it; AMP uses
   * KMS grants, so the key's default policy (account root) suffices.
   * @default - a key with rotation is created
   */
  readonly encryptionKey?: kms.IKey;
  /** Log group for alert manager and ruler errors. */
  readonly logGroup: logs.ILogGroup;
  /** Path prefix of the SSM parameters that publish the endpoints, e.g. `/app/env`. */
  readonly parameterPrefix: string;
  /**
   * Principals that may assume a role allowed only `aps:RemoteWrite` here
   * (an existing Prometheus server that remote-writes, seed 8.3 step 3).
   * @default - no such role
   */
  readonly remoteWritePrincipals?: readonly iam.IPrincipal[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An Amazon Managed Service for Prometheus workspace, its rule groups
 * namespaces and alert manager definition, with grants for writers and readers.
 */
export class PrometheusWorkspace extends Construct {
  readonly workspace: aps.CfnWorkspace;
  readonly workspaceArn: string;
  readonly workspaceId: string;
  /** e.g. https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123/ */
  readonly prometheusEndpoint: string;
  readonly remoteWriteUrl: string;
  readonly queryUrl: string;
  readonly encryptionKey: kms.IKey;
  /** The remote-write-only role, when principals were given. */
  readonly remoteWriteRole?: iam.Role;
  private readonly namespaces = new Map<string, aps.CfnRuleGroupsNamespace>();

  constructor(scope: Construct, id: string, props: PrometheusWorkspaceProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.retentionDays) && (props.retentionDays < 1 || props.retentionDays > 1095)) {
      throw new Error(`PrometheusWorkspace: retentionDays must be 1-1095, got ${props.retentionDays}`);
    }
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `Encrypts the AMP workspace ${props.alias}`,
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });

    this.workspace = new aps.CfnWorkspace(this, 'Resource', {
      alias: props.alias,
      kmsKeyArn: this.encryptionKey.keyArn,
      loggingConfiguration: { logGroupArn: props.logGroup.logGroupArn },
      workspaceConfiguration: { retentionPeriodInDays: props.retentionDays },
    });
    this.workspace.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.workspaceArn = this.workspace.attrArn;
    this.workspaceId = this.workspace.attrWorkspaceId;
    this.prometheusEndpoint = this.workspace.attrPrometheusEndpoint;
    this.remoteWriteUrl = `${this.prometheusEndpoint}api/v1/remote_write`;
    this.queryUrl = `${this.prometheusEndpoint}api/v1/query`;

    const params = {
      'remote-write-url': this.remoteWriteUrl,
      'query-url': this.queryUrl,
      'workspace-arn': this.workspaceArn,
    };
    for (const [name, value] of Object.entries(params)) {
      new ssm.StringParameter(this, `Param-${name}`, {
        parameterName: `${props.parameterPrefix}/amp/${name}`,
        stringValue: value,
        description: `AMP ${name} of ${props.alias}`,
      });
    }
    const stack = Stack.of(this);
    new CfnOutput(stack, 'AmpRemoteWriteUrl', { value: this.remoteWriteUrl, description: 'AMP remote-write URL' });
    new CfnOutput(stack, 'AmpQueryUrl', { value: this.queryUrl, description: 'AMP query URL' });
    new CfnOutput(stack, 'AmpWorkspaceArn', { value: this.workspaceArn, description: 'AMP workspace ARN' });

    if (props.remoteWritePrincipals && props.remoteWritePrincipals.length > 0) {
      this.remoteWriteRole = new iam.Role(this, 'RemoteWriteRole', {
        assumedBy: new iam.CompositePrincipal(...props.remoteWritePrincipals),
        description: `May only remote-write to AMP workspace ${props.alias}`,
      });
      this.grantRemoteWrite(this.remoteWriteRole);
      new CfnOutput(stack, 'AmpRemoteWriteRoleArn', {
        value: this.remoteWriteRole.roleArn,
        description: 'Role an existing Prometheus assumes to remote-write',
      });
    }
  }

  /** Lets the grantee remote-write samples to this workspace, and nothing else. */
  grantRemoteWrite(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['aps:RemoteWrite'], resourceArns: [this.workspaceArn] });
  }

  /** Lets the grantee query this workspace (PromQL, series, labels, metadata). */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata'],
      resourceArns: [this.workspaceArn],
    });
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
