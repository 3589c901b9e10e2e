import { createHash } from 'crypto';
import * as path from 'path';
import { CustomResource, Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { bundledNodeCode } from '../bundled-node-code';
import { acknowledgeRoleDependsOn } from '../cfn-lint';
import { IGrafanaWorkspace } from '../grafana-workspace';
import { acknowledgeProviderFramework } from '../provider-framework';
import { ResourceNames } from '../resource-names';
import type { AccessProperties, Assignment, Role } from './handler';

/** Identity Center groups and users for one Grafana role. */
export interface RoleGrant {
  /** Identity Center group ids. @default - none */
  readonly groups?: readonly string[];
  /** Identity Center user ids. @default - none */
  readonly users?: readonly string[];
}

export interface GrafanaAccessProps {
  /** Physical names (function, log groups). @default - names chosen by CloudFormation */
  readonly names?: ResourceNames;
  /** The workspace whose users and groups get roles. */
  readonly workspace: IGrafanaWorkspace;
  /** @default - no one */
  readonly admin?: RoleGrant;
  /** @default - no one */
  readonly editor?: RoleGrant;
  /** @default - no one */
  readonly viewer?: RoleGrant;
  /** Revoke every assignment not listed (made by hand). @default false */
  readonly exclusive?: boolean;
  /** Key of the function's log groups. @default - no customer managed key */
  readonly logsKey?: kms.IKey;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** The workspace outlives this resource (retained): on delete, revoke nothing. @default false - delete revokes what it assigned */
  readonly retainOnDelete?: boolean;
}

/**
 * Who may open an Amazon Managed Grafana workspace that signs in with IAM
 * Identity Center. CloudFormation's AWS::Grafana::Workspace has no property
 * for it, so a custom resource calls AMG's UpdatePermissions (see ./handler).
 * Its properties change only when the configuration does.
 */
export class GrafanaAccess extends Construct {
  readonly handler: lambda.Function;
  readonly resource: CustomResource;
  /** What the resource applies, in order: admins, editors, viewers. */
  readonly assignments: readonly Assignment[];

  constructor(scope: Construct, id: string, props: GrafanaAccessProps) {
    super(scope, id);
    const grants: [Role, RoleGrant | undefined][] = [
      ['ADMIN', props.admin],
      ['EDITOR', props.editor],
      ['VIEWER', props.viewer],
    ];
    this.assignments = grants.flatMap(([role, g]) => [
      ...(g?.groups ?? []).map((gid) => ({ id: gid, type: 'SSO_GROUP' as const, role })),
      ...(g?.users ?? []).map((uid) => ({ id: uid, type: 'SSO_USER' as const, role })),
    ]);
    const seen = new Map<string, Role>();
    for (const a of this.assignments) {
      const other = seen.get(a.id);
      if (other) throw new Error(`GrafanaAccess: ${a.id} is given both ${other} and ${a.role}; give it one role`);
      seen.set(a.id, a.role);
    }

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.names?.path('grafana-access'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Grafana access: lists and updates this workspace's user and group permissions, writes its logs",
    });
    logGroup.grantWrite(role);
    // Exactly this workspace (test/contracts/amg-permissions.ts IAM_ACTIONS.workspace).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WorkspacePermissions',
        actions: ['grafana:ListPermissions', 'grafana:UpdatePermissions'],
        resources: [props.workspace.workspaceArn],
      }),
    );
    // Which resource instance owns the access is a tag on the workspace (a renamed construct's old resource then revokes nothing).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WorkspaceOwnerTag',
        actions: ['grafana:ListTagsForResource', 'grafana:TagResource'],
        resources: [props.workspace.workspaceArn],
      }),
    );
    // The read-only Identity Center calls AWS's AWSGrafanaWorkspacePermissionManagementV2 grants for the same job.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'IdentityCenterRead',
        actions: [
          'sso:DescribeRegisteredRegions',
          'sso:GetSharedSsoConfiguration',
          'sso:ListDirectoryAssociations',
          'sso:GetManagedApplicationInstance',
          'sso:ListProfiles',
          'sso:GetProfile',
          'sso:ListProfileAssociations',
          'sso-directory:DescribeUser',
          'sso-directory:DescribeGroup',
        ],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Read-only IAM Identity Center calls that UpdatePermissions relies on, as AWS\'s AWSGrafanaWorkspacePermissionManagementV2 grants them (Resource "*" there too); the write actions are scoped to the workspace ARN.',
    });

    this.handler = new lambda.Function(this, 'Handler', {
      functionName: props.names?.name('grafana-access'),
      code: bundledNodeCode(path.join(__dirname, 'handler', 'index.ts')),
      handler: 'index.onEvent',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      timeout: Duration.minutes(2),
      role,
      logGroup,
      description: 'Assigns IAM Identity Center groups and users their Amazon Managed Grafana role',
    });
    // cfn-lint W3005: CDK's DependsOn on the function's role repeats its Role GetAtt (see acknowledgeRoleDependsOn).
    acknowledgeRoleDependsOn(this.handler);
    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      logGroupName: props.names?.path('grafana-access-provider'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: this.handler, logGroup: providerLogs });
    const properties: AccessProperties = {
      WorkspaceId: props.workspace.workspaceId,
      Assignments: JSON.stringify(this.assignments),
      Exclusive: String(props.exclusive ?? false),
      ...(props.retainOnDelete ? { RetainOnDelete: 'true' } : {}),
      Owner: createHash('sha256').update(Names.uniqueId(this)).digest('hex').slice(0, 8),
      WorkspaceArn: props.workspace.workspaceArn,
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::GrafanaAccess',
      properties: properties,
    });

    acknowledgeProviderFramework(provider, this.handler, 'the access function');
  }
}
