/**
 * The construct library: what another CDK app imports. One construct per AWS
 * service boundary, each usable alone in any stack (docs/constructs.md, "Using the
 * constructs in another CDK app"). The app of this repository (lib/app.ts,
 * lib/stacks/) is one user of it.
 *
 * Shaped by aws/aws-cdk@02e448394dad45da34dce89ab4bf86ff70d369e6:docs/DESIGN_GUIDELINES.md:
 * "Construct Interface" (IPrometheusWorkspace, IGrafanaWorkspace,
 * ICollectorService; props take them, not ARNs: awslint props-no-arn-refs),
 * "Imports" (fromWorkspaceAttributes), "Grants" (grant* return iam.Grant),
 * "Metrics" (metric* methods), "Defaults" and "Property Documentation"
 * (@default on every optional prop).
 */
export { AlertRouting, AlertRoutingProps, AlertDestinations } from './constructs/alert-routing';
export { CollectorService, CollectorServiceProps, ICollectorService, COLLECTOR_DNS_NAME } from './constructs/collector-service';
export { DashboardImport, DashboardImportProps } from './constructs/dashboard-import/dashboard-import';
export type { BundledDashboard } from './constructs/dashboard-import/handler';
export { GrafanaAccess, GrafanaAccessProps, RoleGrant } from './constructs/grafana-access/grafana-access';
export { GrafanaUpgradeGate, GrafanaUpgradeGateProps } from './constructs/grafana-upgrade-gate/grafana-upgrade-gate';
export {
  DEFAULT_GRAFANA_VERSION,
  GrafanaSamlSettings,
  GrafanaWorkspace,
  GrafanaWorkspaceAttributes,
  GrafanaWorkspaceProps,
  IGrafanaWorkspace,
} from './constructs/grafana-workspace';
export { LogsKey, LogsKeyProps } from './constructs/logs-key';
export { AmpQuotas, MonitoringHealth, MonitoringHealthProps, QUOTA_WARNING_RATIO } from './constructs/monitoring-health';
export { OtelServiceSettings, OtelServiceSettingsProps } from './constructs/otel-service-settings';
export { PlatformNetwork, PlatformNetworkProps } from './constructs/platform-network';
export {
  AMP_USAGE_METRIC,
  AMP_VENDED_METRICS,
  AmpUsageResource,
  AmpVendedMetric,
  IPrometheusWorkspace,
  PrometheusWorkspace,
  PrometheusWorkspaceAttributes,
  PrometheusWorkspaceProps,
} from './constructs/prometheus-workspace';
export { ResourceNames, resourceNames } from './constructs/resource-names';
export { LogAlarm, SavedLogQuery, saveCrossServiceQueries, ServiceLogGroups, ServiceLogGroupsProps } from './constructs/service-log-groups';
export { Tracing, TracingProps } from './constructs/tracing';
