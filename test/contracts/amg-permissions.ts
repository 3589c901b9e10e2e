/**
 * Amazon Managed Grafana's permissions API, as our access custom resource and
 * its tests depend on it. Read 2026-11-25 from:
 *
 * - [SDK] @aws-sdk/client-grafana@3.1048.0 (node_modules), dist-types/models/models_0.d.ts
 *   (ListPermissionsRequest/Response, PermissionEntry, User, UpdateInstruction,
 *   UpdatePermissionsRequest/Response, UpdateError) and dist-types/models/enums.d.ts
 *   (Role, UserType, UpdateAction).
 * - [API-UP] AMG API reference, UpdatePermissions:
 *   https://docs.aws.amazon.com/grafana/latest/APIReference/API_UpdatePermissions.html
 * - [API-UI] AMG API reference, UpdateInstruction:
 *   https://docs.aws.amazon.com/grafana/latest/APIReference/API_UpdateInstruction.html
 * - [CLI-UP] AWS CLI, grafana update-permissions (User.id pattern):
 *   https://docs.aws.amazon.com/cli/latest/reference/grafana/update-permissions.html
 * - [CLI-LP] AWS CLI, grafana list-permissions ("paginated operation", result key `permissions`):
 *   https://docs.aws.amazon.com/cli/latest/reference/grafana/list-permissions.html
 * - [POLICY] AWS managed policy AWSGrafanaWorkspacePermissionManagementV2:
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGrafanaWorkspacePermissionManagementV2.html
 * - [CFN-RV] AWS::Grafana::Workspace RoleValues:
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-grafana-workspace-rolevalues.html
 */

/** Roles UpdatePermissions and ListPermissions use. [SDK enums.d.ts Role] [API-UI "Valid Values: ADMIN | EDITOR | VIEWER"] */
export const ROLES = ['ADMIN', 'EDITOR', 'VIEWER'] as const;

/** Principal types. [SDK enums.d.ts UserType] */
export const USER_TYPES = ['SSO_USER', 'SSO_GROUP'] as const;

/** Instruction actions. [SDK enums.d.ts UpdateAction] [API-UI "Valid Values: ADD | REVOKE"] */
export const ACTIONS = ['ADD', 'REVOKE'] as const;

/** User.id pattern. [SDK models_0.d.ts User.id] [CLI-UP] */
export const USER_ID_PATTERN = /^([0-9a-fA-F]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;

/** workspaceId pattern in the request URI. [API-UP "Pattern: g-[0-9a-f]{10}"] */
export const WORKSPACE_ID_PATTERN = /^g-[0-9a-f]{10}$/;

/** updateInstructionBatch: "Minimum number of 0 items. Maximum number of 20 items." [API-UP] */
export const MAX_INSTRUCTIONS_PER_CALL = 20;

/**
 * UpdatePermissions answers HTTP 200 with `errors`, one UpdateError
 * ({ code: number, message: string, causedBy: UpdateInstruction }) per
 * instruction that failed: a 200 is not success unless `errors` is empty.
 * [API-UP Response Syntax] [SDK UpdatePermissionsResponse.errors, UpdateError]
 */
export const UPDATE_ERRORS_ON_200 = true;

/**
 * ListPermissions returns `permissions` (PermissionEntry: { user: { id, type }, role })
 * and, when there are more, `nextToken` to pass back. [SDK ListPermissionsResponse] [CLI-LP]
 */
export const LIST_IS_PAGINATED = true;

/**
 * UNCONFIRMED: whether ListPermissions lists Viewer assignments. Its description
 * says it "lists the users and groups who have the Grafana Admin and Editor roles
 * in this workspace" [SDK ListPermissionsCommand.d.ts], while PermissionEntry.role
 * may be VIEWER [SDK models_0.d.ts]. The handler learns what to revoke from this
 * list only, so if viewers are not listed, a viewer removed from the configuration
 * (or left at stack deletion, or under `exclusive`) keeps access. Check
 * `aws grafana list-permissions` once in a real account.
 */
export const LIST_INCLUDES_VIEWERS: boolean | 'unconfirmed' = 'unconfirmed';

/**
 * IAM actions a caller of the permissions API needs, per AWS's managed
 * policy for exactly this job: the grafana actions on workspaces, and read-only
 * Identity Center actions on "*". [POLICY, statements AWSGrafanaPermissions and
 * IAMIdentityCenterPermissions]. UNCONFIRMED: that UpdatePermissions needs
 * every one of the Identity Center reads (the policy grants them; no page
 * lists which call uses which).
 */
export const IAM_ACTIONS = {
  workspace: ['grafana:ListPermissions', 'grafana:UpdatePermissions'],
  identityCenter: [
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
} as const;

/**
 * With SAML, roles come from the assertion: RoleValues has only Admin and
 * Editor lists; "SAML authenticated users not part of Admin or Editor role
 * groups have Viewer permission over the workspace." [CFN-RV]
 */
export const SAML_ROLE_VALUE_KEYS = ['Admin', 'Editor'] as const;

/** A ListPermissions page in the response shape. [SDK ListPermissionsResponse] */
export const listPage = (
  entries: { id: string; type: (typeof USER_TYPES)[number]; role: (typeof ROLES)[number] }[],
  nextToken?: string,
) => ({
  permissions: entries.map(({ id, type, role }) => ({ user: { id, type }, role })),
  ...(nextToken ? { nextToken } : {}),
});

/**
 * Tagging a workspace (AMG API reference, TagResource and ListTagsForResource:
 * resourceArn, tags as a map; @aws-sdk/client-grafana@3.1048.0
 * models_0.d.ts TagResourceRequest). IAM action names as the API's, UNCONFIRMED
 * against the Service Authorization Reference (not read here).
 */
export const TAG_ACTIONS = {
  actions: ['grafana:ListTagsForResource', 'grafana:TagResource'],
  source: 'https://docs.aws.amazon.com/grafana/latest/APIReference/API_TagResource.html',
} as const;
