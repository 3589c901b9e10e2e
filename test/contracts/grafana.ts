/**
 * What the dashboard importer, the fake Grafana and the dashboard linter rely
 * on about Grafana's HTTP API, grafana-aws-sdk and Amazon Managed Grafana.
 * Read on 2026-11-25. Grafana's source is cited at the commit the stored copy
 * was read at (grafana/grafana is too large to fetch whole here; the files
 * were read one by one). Bumping the AMG version means re-reading these.
 *
 * A fact marked UNCONFIRMED could not be read in a source and is not guessed
 * anywhere else.
 */
export const READ_ON = '2026-11-25';

const DB = 'grafana/grafana@8673c5bd60126b16ed8003616416a79c7b86f4fb:pkg/services/dashboards/database/database.go';
const FOLDER_ERRORS = 'grafana/grafana@3e9248b748cb1a54f54d92ea29b946b5afe20fe6:pkg/api/apierrors/folder.go';
const DATASOURCES_API = 'grafana/grafana pkg/api/datasources.go (AddDataSource; stored copy read 2026-11-25)';
const UID_RULES = 'grafana/grafana pkg/util/shortid_generator.go (IsValidShortUID, IsShortUIDTooLong; stored copy read 2026-11-25)';
const AWS_SDK = 'grafana/grafana-aws-sdk@v1.5.2';

/** AWS auth types grafana-aws-sdk accepts; anything else is refused. */
export const AWS_AUTH = {
  source: [`${AWS_SDK}:pkg/awsds/settings.go (ToAuthType)`, `${AWS_SDK}:pkg/awsauth/auth.go (GetConfig)`],
  /** `ToAuthType`: every other string is "invalid auth type". */
  accepted: ['default', 'keys', 'credentials', 'sharedCreds', 'ec2_iam_role', 'arn', 'grafana_assume_role'],
  /**
   * The SigV4 middleware (Prometheus/AMP data sources) casts `sigV4AuthType`
   * straight to an auth type and refuses it unless it is in the allowed
   * providers: "trying to use non-allowed auth method ec2". Our old value.
   */
  refusedExample: 'ec2',
  /** AMG's "Workspace IAM role" provider (the workspace's service role). */
  workspaceIamRole: 'ec2_iam_role',
} as const;

/** Dashboard save (`POST /api/dashboards/db`) and its overwrite semantics. */
export const DASHBOARD_SAVE = {
  source: `${DB} (ValidateDashboardBeforeSave, getExistingDashboardByIDOrUIDForUpdate, getExistingDashboardByTitleAndFolder)`,
  /**
   * After the uid match, Grafana looks up `slug` (the title, slugified) in
   * the target folder. With overwrite it takes over that dashboard's id and
   * uid: a hand-made dashboard with the same title is replaced. Without
   * overwrite: ErrDashboardWithSameNameInFolderExists.
   */
  overwriteMatchesTitleInFolder: true,
  /** Without overwrite, a version other than the stored one: 412 version-mismatch. */
  versionMismatchStatus: 412,
  /** UNCONFIRMED for Grafana 12/13 (dashboards moved to unified storage); the importer checks titles itself before any write, so it does not depend on it. */
  laterVersions: 'UNCONFIRMED',
} as const;

/** Folder API status codes. */
export const FOLDERS = {
  source: [FOLDER_ERRORS, `${DB} (deleteDashboard, deleteFolderRules)`],
  /** DELETE of a folder deletes every dashboard in it (`DELETE FROM dashboard WHERE folder_id = ?`). */
  deleteCascadesToDashboards: true,
  /** A folder holding alert rules is refused unless forceDeleteRules: ErrFolderContainsAlertRules → 400. */
  deleteWithAlertRulesStatus: 400,
  /** ErrFolderSameNameExists / ErrFolderWithSameUIDExists → 409. */
  createConflictStatus: 409,
  notFoundStatus: 404,
} as const;

/** Data source API. */
export const DATA_SOURCES = {
  source: DATASOURCES_API,
  /** ErrDataSourceNameExists or ErrDataSourceUidExists → 409 "data source with the same name already exists". */
  createConflictStatus: 409,
  nameConflictMessage: 'data source with the same name already exists',
  /**
   * `GET /api/datasources/uid/:uid/health` runs the plugin's CheckHealth:
   * 200 {status:"OK", message} or, when not OK, 400 {status:"ERROR", message}
   * (older releases answered 503).
   */
  healthPath: (uid: string) => `/api/datasources/uid/${uid}/health`,
  healthFailStatus: 400,
  healthSource: 'grafana/grafana pkg/api/datasources.go and pkg/api/plugins.go (CheckHealth; stored copies read 2026-11-25)',
} as const;

/** Dashboard and folder uids. */
export const UIDS = {
  source: UID_RULES,
  /** `^[a-zA-Z0-9\-\_]*$` */
  pattern: /^[a-zA-Z0-9_-]*$/,
  maxLength: 40,
} as const;

/** Amazon Managed Grafana, from the AMG user guide and API reference. */
export const AMG = {
  /** "Working in Grafana version 13" / "... version 12" (AMG user guide): majors AMG offers. */
  majors: [9, 10, 12, 13],
  versionsSource: 'https://docs.aws.amazon.com/grafana/latest/userguide/using-grafana-v13.html',
  /**
   * The exact `GrafanaVersion` strings. "10.4": AMG API reference (CreateWorkspace,
   * "for example, 10.4") and the 10.4 launch note. "12.4": seen in public
   * Terraform configurations of AMG workspaces (not an AWS page). A 13.x string:
   * UNCONFIRMED (no source read gives it), so it is not offered by default.
   */
  knownVersions: ['9.4', '10.4', '12.4'],
  newestConfirmedVersion: '12.4',
  /**
   * "You can only update the version to a newer version of Grafana. You can't downgrade" and "The update process is
   * irreversible" (user guide, Update your workspace version); AMG API reference, UpdateWorkspaceConfiguration
   * grafanaVersion: "Can only be used to upgrade ..., not downgrade". Why lib/constructs/grafana-upgrade-gate exists.
   */
  upgradeOnly: true,
  upgradeSource: 'https://docs.aws.amazon.com/grafana/latest/userguide/AMG-workspace-version-update.html',
  /** Whether CloudFormation updates AWS::Grafana::Workspace GrafanaVersion in place or replaces the workspace: not found in a source read. */
  cloudFormationUpdateOfVersion: 'UNCONFIRMED',
  /**
   * "Starting with Amazon Managed Grafana version 12, support for SigV4
   * authentication in the Core Prometheus plugin has been removed" — AMP data
   * sources use the Amazon Managed Service for Prometheus plugin
   * (`grafana-amazonprometheus-datasource`), available from AMG 12.
   */
  ampPluginFromMajor: 12,
  ampPluginType: 'grafana-amazonprometheus-datasource',
  ampSource: [
    'https://docs.aws.amazon.com/grafana/latest/userguide/prometheus-manually-adding.html',
    'https://docs.aws.amazon.com/grafana/latest/userguide/amazon-prometheus-data-source.html',
  ],
  /**
   * "In workspaces that support version 9 or newer, this data source might
   * require you to install the appropriate plugin" (Connect to an AWS X-Ray
   * data source); installing needs plugin management on
   * (`PluginAdminEnabled`) and `POST /api/plugins/:id/install` (AMG Plugin API).
   */
  xrayPluginId: 'grafana-x-ray-datasource',
  xraySource: [
    'https://docs.aws.amazon.com/grafana/latest/userguide/x-ray-data-source.html',
    'https://docs.aws.amazon.com/grafana/latest/userguide/Grafana-API-Plugin.html',
  ],
  pluginInstallPath: (id: string) => `/api/plugins/${id}/install`,
  /**
   * `GET /api/health` reports the version the workspace runs (grafana/grafana
   * pkg/api/health.go). With upgradeOnly: after a deploy that raised the
   * version fails later, the rollback's properties name the old version while
   * the workspace runs the new one, so the importer follows the newer one.
   */
  runningVersionPath: '/api/health',
  /**
   * "Use only the CUSTOMER_MANAGED permission type when creating a workspace with the API, CLI or AWS
   * CloudFormation" (AMG API reference, CreateWorkspace permissionType; @aws-sdk/client-grafana@3.1048.0
   * models_0.d.ts): the workspace's role is ours (lib/constructs/grafana-workspace.ts).
   */
  permissionTypeOutsideConsole: 'CUSTOMER_MANAGED',
  runningVersionSource: 'grafana/grafana pkg/api/health.go',
  /**
   * CloudWatch metrics AMG vends per workspace: we found none (UNCONFIRMED: not
   * searched beyond the AMG user guide pages the project already cites), so
   * GrafanaWorkspace has no `metric*` methods.
   */
  vendedMetrics: 'UNCONFIRMED',
} as const;

/**
 * Who may reach a workspace (AMG API reference, NetworkAccessConfiguration;
 * CloudFormation AWS::Grafana::Workspace NetworkAccessControl): "If this is not
 * configured, or is removed, then all IP addresses and VPC endpoints are
 * allowed"; when configured, a caller in either list is admitted, and both
 * lists are required (empty allowed). The workspace's interface endpoint
 * service is `com.amazonaws.<region>.grafana-workspace` (aws-cdk-lib 2.276
 * InterfaceVpcEndpointAwsService.GRAFANA_WORKSPACE); that its private DNS name
 * makes the workspace URL resolve to the endpoint inside the VPC is
 * UNCONFIRMED here (AMG user guide, "Interface VPC endpoints", not read).
 */
export const NETWORK_ACCESS = {
  endpointService: 'grafana-workspace',
  source: [
    'https://docs.aws.amazon.com/grafana/latest/APIReference/API_NetworkAccessConfiguration.html',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-grafana-workspace-networkaccesscontrol.html',
  ],
} as const;
