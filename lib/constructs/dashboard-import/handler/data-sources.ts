import type { ImportProperties } from './import-properties';

/**
 * The auth type of every AWS data source: AMG's "Workspace IAM role", the only
 * value for the workspace's service role that grafana-aws-sdk accepts.
 * @see test/contracts/grafana.ts AWS_AUTH
 */
export const AWS_AUTH_TYPE = 'ec2_iam_role';

/**
 * From AMG 12 on, SigV4 in the core Prometheus data source is removed and AMP
 * is queried through the Amazon Managed Service for Prometheus plugin.
 * @see test/contracts/grafana.ts AMG.ampPluginFromMajor
 */
export function prometheusType(grafanaVersion: string): string {
  return Number.parseInt(grafanaVersion, 10) >= 12 ? 'grafana-amazonprometheus-datasource' : 'prometheus';
}

export const XRAY_PLUGIN_ID = 'grafana-x-ray-datasource';

/** Data sources every workspace gets, with fixed uids so dashboards resolve the same in AMG and locally. */
export function dataSources(props: ImportProperties): DataSourceSpec[] {
  const list: DataSourceSpec[] = [
    {
      uid: 'prometheus',
      name: 'Amazon Managed Prometheus',
      type: prometheusType(props.GrafanaVersion),
      access: 'proxy',
      url: props.PrometheusUrl.replace(/\/$/, ''),
      isDefault: true,
      jsonData: { httpMethod: 'POST', sigV4Auth: true, sigV4AuthType: AWS_AUTH_TYPE, sigV4Region: props.Region, timeInterval: '15s' },
    },
    {
      uid: 'cloudwatch',
      name: 'CloudWatch',
      type: 'cloudwatch',
      access: 'proxy',
      isDefault: false,
      jsonData: { authType: AWS_AUTH_TYPE, defaultRegion: props.Region },
    },
  ];
  // X-Ray is a plugin that AMG 9+ workspaces may need installed, which needs
  // plugin management ("Connect to an AWS X-Ray data source", AMG user guide).
  if (props.XRay === 'true') {
    list.push({
      uid: 'xray',
      name: 'X-Ray',
      type: XRAY_PLUGIN_ID,
      access: 'proxy',
      isDefault: false,
      jsonData: { authType: AWS_AUTH_TYPE, defaultRegion: props.Region },
    });
  }
  return list;
}

export interface DataSourceSpec {
  readonly uid: string;
  readonly name: string;
  readonly type: string;
  readonly access: string;
  readonly url?: string;
  readonly isDefault: boolean;
  readonly jsonData: Record<string, unknown>;
}
