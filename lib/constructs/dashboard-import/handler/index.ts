/**
 * Imports the dashboards of dashboards/ into an Amazon Managed Grafana
 * workspace (a CloudFormation custom resource, behind the custom-resources
 * Provider). The Lambda entry point is `onEvent`; the parts:
 * - cloudformation-adapter.ts: the custom resource events (Create, Update, Delete);
 * - service-account-token.ts: a short-lived service account token per run;
 * - reconciler.ts: what to create, change and remove in Grafana, and what to refuse;
 * - grafana-client.ts: Grafana's HTTP API (timeouts, retries of idempotent requests);
 * - data-sources.ts: the data sources every workspace gets.
 */
export { onEvent } from './cloudformation-adapter';
export { AWS_AUTH_TYPE, dataSources, prometheusType, XRAY_PLUGIN_ID } from './data-sources';
export { GrafanaApi, GrafanaError } from './grafana-client';
export type { BundledDashboard, ImportProperties } from './import-properties';
export { importDashboards, OwnershipError, removeAll } from './reconciler';
export { withToken } from './service-account-token';
