import { Aws, IResource, RemovalPolicy, Resource, Token, Validations } from 'aws-cdk-lib';
import * as grafana from 'aws-cdk-lib/aws-grafana';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GrafanaUpgradeGate, GrafanaUpgradeGateProps } from './grafana-upgrade-gate/grafana-upgrade-gate';
import { IPrometheusWorkspace } from './prometheus-workspace';
import { requiredName, ResourceNames } from './resource-names';

/** SAML settings, when users sign in through an identity provider instead of IAM Identity Center. */
export interface GrafanaSamlSettings {
  /** URL of the identity provider's SAML metadata. */
  readonly idpMetadataUrl: string;
  /** The assertion attribute that carries the user's role. */
  readonly roleAttribute: string;
  /** Values of that attribute that make a Grafana admin. */
  readonly adminRoleValues: readonly string[];
  /** Values of that attribute that make a Grafana editor. */
  readonly editorRoleValues: readonly string[];
}

/** The Grafana version a workspace runs when none is given. */
export const DEFAULT_GRAFANA_VERSION = '12.4';

/**
 * An Amazon Managed Grafana workspace, made here or imported
 * (`GrafanaWorkspace.fromWorkspaceAttributes`). No `metric*` methods: we know
 * of no CloudWatch metrics AMG vends per workspace.
 * @see test/contracts/grafana.ts AMG.vendedMetrics
 */
export interface IGrafanaWorkspace extends IResource {
  /** g-… @attribute */
  readonly workspaceId: string;
  /** @attribute */
  readonly workspaceArn: string;
  /** https://g-xxxx.grafana-workspace.<region>.amazonaws.com */
  readonly url: string;
  /** The Grafana version the workspace runs. */
  readonly grafanaVersion: string;
  /** Whether workspace admins (and the dashboard importer) may install plugins. */
  readonly pluginAdminEnabled: boolean;
  /**
   * Lets the grantee perform the given `grafana:` actions on this workspace (its ARN only), as
   * DESIGN_GUIDELINES.md "Grants" asks of every resource (awslint:grants-grant-method).
   */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;
  /** Lets the grantee manage this workspace's service accounts and their tokens (the dashboard importer). */
  grantServiceAccounts(grantee: iam.IGrantable): iam.Grant;
}

/** An existing workspace, for `GrafanaWorkspace.fromWorkspaceAttributes`. */
export interface GrafanaWorkspaceAttributes {
  /** g-… */
  readonly workspaceId: string;
  /** The workspace's endpoint host, e.g. g-xxxx.grafana-workspace.eu-west-1.amazonaws.com (DescribeWorkspace `endpoint`). */
  readonly endpoint: string;
  /**
   * The workspace's ARN, for one in another account or region.
   * @default - `arn:<partition>:grafana:<region>:<account>:/workspaces/<id>` in the stack's account and region
   */
  readonly workspaceArn?: string;
  /** @default DEFAULT_GRAFANA_VERSION */
  readonly grafanaVersion?: string;
  /** @default false */
  readonly pluginAdminEnabled?: boolean;
}

abstract class GrafanaWorkspaceBase extends Resource implements IGrafanaWorkspace {
  abstract readonly workspaceId: string;
  abstract readonly url: string;
  abstract readonly grafanaVersion: string;
  abstract readonly pluginAdminEnabled: boolean;

  get workspaceArn(): string {
    return `arn:${Aws.PARTITION}:grafana:${Aws.REGION}:${Aws.ACCOUNT_ID}:/workspaces/${this.workspaceId}`;
  }

  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.workspaceArn] });
  }

  grantServiceAccounts(grantee: iam.IGrantable): iam.Grant {
    return this.grant(
      grantee,
      'grafana:ListWorkspaceServiceAccounts',
      'grafana:CreateWorkspaceServiceAccount',
      'grafana:DeleteWorkspaceServiceAccount',
      'grafana:CreateWorkspaceServiceAccountToken',
      'grafana:DeleteWorkspaceServiceAccountToken',
    );
  }
}

export interface GrafanaWorkspaceProps {
  /** Physical names (the workspace's name). @default - a name unique in the stack, from the construct path */
  readonly names?: ResourceNames;
  /** @default 'Amazon Managed Grafana workspace' */
  readonly description?: string;
  /** The AMP workspace Grafana may query (read-only). */
  readonly prometheus: IPrometheusWorkspace;
  /** How users sign in. @default - IAM Identity Center (AWS_SSO) */
  readonly saml?: GrafanaSamlSettings;
  /** Let workspace admins install plugins. @default false */
  readonly pluginAdminEnabled?: boolean;
  /** Topics Grafana alerting may notify. @default - none */
  readonly notificationTopics?: readonly sns.ITopic[];
  /**
   * Grafana version of the workspace. AMG upgrades a workspace in place and
   * never downgrades it ("Update your workspace version", AMG user guide), so
   * raising it is one-way and lowering it fails the deployment. A raise must
   * be deployed on its own: the workspace waits for a GrafanaUpgradeGate,
   * which refuses one that comes with other changes (see `upgradeGate`).
   * @default 12.4 - the newest version string confirmed from sources (test/contracts/grafana.ts)
   */
  readonly grafanaVersion?: string;
  /**
   * Log groups whose events Grafana may read and query with Logs Insights (any
   * editor can), by name prefix, e.g. "/app/prod/".
   * @default - every log group of the account and Region
   */
  readonly logGroupNamePrefix?: string;
  /**
   * What happens to the workspace (its hand-made dashboards, users, Grafana
   * alert rules) when it leaves the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Only these managed prefix lists and VPC endpoints may reach the workspace
   * (AWS::Grafana::Workspace NetworkAccessControl).
   * @default - any address (AMG allows all when it is absent; Grafana sign-in still applies)
   */
  readonly networkAccessControl?: { readonly prefixListIds: readonly string[]; readonly vpceIds: readonly string[] };
  /**
   * The upgrade gate's function settings. The stack must fill the gate's
   * fingerprint (GrafanaUpgradeGate.fingerprint in its _toCloudFormation), or
   * the gate refuses every version raise.
   * @default - a gate with the workspace's names, no customer managed key, one month of logs
   */
  readonly upgradeGate?: Pick<GrafanaUpgradeGateProps, 'logsKey' | 'logRetention' | 'setting'>;
}

/**
 * Amazon Managed Grafana (there is no L2; this wraps the L1): current-account
 * access, service-managed permissions with a workspace role that reads only
 * this AMP workspace, CloudWatch and X-Ray, and may publish to the alert topics.
 */
export class GrafanaWorkspace extends GrafanaWorkspaceBase {
  /** An existing workspace, by id and endpoint. */
  static fromWorkspaceAttributes(scope: Construct, id: string, attrs: GrafanaWorkspaceAttributes): IGrafanaWorkspace {
    class Imported extends GrafanaWorkspaceBase {
      readonly workspaceId = attrs.workspaceId;
      get workspaceArn(): string {
        return attrs.workspaceArn ?? super.workspaceArn;
      }
      readonly url = `https://${attrs.endpoint}`;
      readonly grafanaVersion = attrs.grafanaVersion ?? DEFAULT_GRAFANA_VERSION;
      readonly pluginAdminEnabled = attrs.pluginAdminEnabled ?? false;
    }
    return new Imported(scope, id, {
      environmentFromArn: attrs.workspaceArn && !Token.isUnresolved(attrs.workspaceArn) ? attrs.workspaceArn : undefined,
    });
  }

  readonly workspace: grafana.CfnWorkspace;
  readonly role: iam.Role;
  readonly workspaceId: string;
  readonly url: string;
  readonly grafanaVersion: string;
  readonly pluginAdminEnabled: boolean;

  constructor(scope: Construct, id: string, props: GrafanaWorkspaceProps) {
    super(scope, id);
    const name = requiredName(this, props.names);
    this.grafanaVersion = props.grafanaVersion ?? DEFAULT_GRAFANA_VERSION;
    this.pluginAdminEnabled = props.pluginAdminEnabled ?? false;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('grafana.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          StringLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:grafana:${Aws.REGION}:${Aws.ACCOUNT_ID}:/workspaces/*` },
        },
      }),
      description: `Amazon Managed Grafana of ${name}: read-only AMP, CloudWatch, X-Ray`,
    });
    props.prometheus.grantQuery(this.role);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchRead',
        actions: [
          'cloudwatch:DescribeAlarmsForMetric',
          'cloudwatch:DescribeAlarmHistory',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:ListMetrics',
          'cloudwatch:GetMetricData',
          'cloudwatch:GetInsightRuleReport',
          'logs:DescribeLogGroups',
          'logs:StopQuery',
          'logs:GetQueryResults',
          'ec2:DescribeTags',
          'ec2:DescribeInstances',
          'ec2:DescribeRegions',
          'tag:GetResources',
        ],
        resources: ['*'],
      }),
    );
    // These three authorize on the log group they read (Service Authorization Reference, CloudWatch Logs).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LogGroupRead',
        actions: ['logs:GetLogEvents', 'logs:GetLogGroupFields', 'logs:StartQuery'],
        resources: [
          props.logGroupNamePrefix === undefined
            ? '*'
            : `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${props.logGroupNamePrefix}*`,
        ],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'XRayRead',
        actions: [
          'xray:BatchGetTraces',
          'xray:GetTraceSummaries',
          'xray:GetTraceGraph',
          'xray:GetGroups',
          'xray:GetTimeSeriesServiceStatistics',
          'xray:GetInsightSummaries',
          'xray:GetInsight',
          'xray:GetServiceGraph',
        ],
        resources: ['*'],
      }),
    );
    for (const topic of props.notificationTopics ?? []) topic.grantPublish(this.role);
    if ((props.notificationTopics ?? []).length > 0) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "Publishing to a KMS-encrypted topic needs GenerateDataKey* on the topics' key (the grant is scoped to that key).",
      });
    }
    if (props.logGroupNamePrefix !== undefined) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${props.logGroupNamePrefix}*]`,
        reason: "Log reads are scoped to this app's log groups by their shared name prefix (one per service, created alongside).",
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Read-only data source access as AWS's AmazonGrafanaCloudWatchAccess and X-Ray read policies grant it: CloudWatch metric reads, Logs Insights queries and X-Ray reads support no resource-level permissions.",
    });

    this.workspace = new grafana.CfnWorkspace(this, 'Resource', {
      name,
      description: props.description ?? 'Amazon Managed Grafana workspace',
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: [props.saml ? 'SAML' : 'AWS_SSO'],
      // The role above is ours: outside the console AMG supports only CUSTOMER_MANAGED.
      // @see test/contracts/grafana.ts AMG.permissionTypeOutsideConsole
      permissionType: 'CUSTOMER_MANAGED',
      roleArn: this.role.roleArn,
      dataSources: ['PROMETHEUS', 'CLOUDWATCH', 'XRAY'],
      notificationDestinations: ['SNS'],
      grafanaVersion: this.grafanaVersion,
      pluginAdminEnabled: this.pluginAdminEnabled,
      networkAccessControl: props.networkAccessControl && {
        prefixListIds: [...props.networkAccessControl.prefixListIds],
        vpceIds: [...props.networkAccessControl.vpceIds],
      },
      samlConfiguration: props.saml && {
        idpMetadata: { url: props.saml.idpMetadataUrl },
        assertionAttributes: { role: props.saml.roleAttribute },
        roleValues: { admin: [...props.saml.adminRoleValues], editor: [...props.saml.editorRoleValues] },
      },
    });
    if (props.removalPolicy) this.workspace.applyRemovalPolicy(props.removalPolicy);
    // The workspace changes only after the gate let the deploy go on (a version raise deployed alone).
    new GrafanaUpgradeGate(this, 'UpgradeGate', {
      grafanaVersion: this.grafanaVersion,
      names: props.names,
      ...props.upgradeGate,
    }).guard(this.workspace);
    this.workspaceId = this.workspace.attrId;
    this.url = `https://${this.workspace.attrEndpoint}`;
  }
}
