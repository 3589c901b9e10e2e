import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CustomResource, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { bundledNodeCode } from '../bundled-node-code';
import { acknowledgeRoleDependsOn } from '../cfn-lint';
import { acknowledgeProviderFramework } from '../provider-framework';
import { IGrafanaWorkspace } from '../grafana-workspace';
import { IPrometheusWorkspace } from '../prometheus-workspace';
import { ResourceNames } from '../resource-names';
import type { BundledDashboard, ImportProperties } from './handler';
import { IMPORT_TIMEOUT_SECONDS } from './handler/import-properties';

export interface DashboardImportProps {
  /**
   * Physical names (function, log groups); `names.prefix` also marks what the importer owns in Grafana
   * (`managed-by:<prefix>`). @default - names chosen by CloudFormation; the marker from the construct's unique id
   */
  readonly names?: ResourceNames;
  readonly grafana: IGrafanaWorkspace;
  /** The dashboards to publish (the validated files of dashboards/). */
  readonly dashboards: readonly BundledDashboard[];
  /** The AMP workspace the Prometheus data source reads. */
  readonly prometheus: IPrometheusWorkspace;
  /** Region of the workspaces (SigV4 of the data source). @default - the stack's region */
  readonly region?: string;
  /** Key of the importer's log groups. @default - no customer managed key */
  readonly logsKey?: kms.IKey;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Make the X-Ray data source, installing its plugin through the Grafana API.
   * Needs plugin management on the workspace (AMG 9+ may not have the plugin).
   * @default false - no X-Ray data source
   */
  readonly xray?: boolean;
  /**
   * The workspace outlives this resource (its removal policy retains it): on
   * delete, leave the dashboards, folders and data sources in it (hand-made
   * dashboards use the data sources) and remove only the importer's service account.
   * @default false - delete removes what the importer made
   */
  readonly retainOnDelete?: boolean;
  /**
   * Run the importer in this VPC: a workspace restricted to VPC endpoints is
   * reached through one there (its private DNS name). It also needs egress to
   * S3 and the AMG API. @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Any new value makes the importer run again with the same dashboards. @default - none */
  readonly reimport?: string;
}

/**
 * Publishes dashboards/ to Amazon Managed Grafana: the files ship as one S3
 * asset, and a custom resource imports them (see ./handler). Its properties
 * change only when a dashboard does, so an unchanged redeploy calls nothing.
 */
export class DashboardImport extends Construct {
  readonly handler: lambda.Function;
  readonly resource: CustomResource;
  private readonly failedImports: logs.MetricFilter;

  constructor(scope: Construct, id: string, props: DashboardImportProps) {
    super(scope, id);
    // One JSON document: a file asset is hashed by content and not zipped. The
    // file is named by its content, so repeated synths reuse it instead of
    // leaving a new temporary folder behind each time.
    const content = JSON.stringify({ dashboards: props.dashboards.map(({ file, folder, uid, text }) => ({ file, folder, uid, text })) });
    const dir = path.join(os.tmpdir(), 'trading-observability-dashboards');
    const bundleFile = path.join(dir, `${createHash('sha256').update(content).digest('hex')}.json`);
    if (!fs.existsSync(bundleFile)) {
      fs.mkdirSync(dir, { recursive: true });
      // Written under a name of its own, then renamed: a concurrent synth sees the whole file or none.
      const partial = `${bundleFile}.${process.pid}.${Date.now()}`;
      fs.writeFileSync(partial, content);
      fs.renameSync(partial, bundleFile);
    }
    const bundle = new s3assets.Asset(this, 'Bundle', { path: bundleFile });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.names?.path('dashboard-import'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An import that fails after a Grafana upgrade is logged at level error and does not fail the deploy (see
    // ./handler): this counts those lines, so an alarm can say what the deploy could not.
    this.failedImports = new logs.MetricFilter(this, 'FailedImports', {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'error'),
      metricNamespace: 'DashboardImport',
      metricName: `${props.names?.prefix ?? Names.uniqueId(this)}-failed-imports`,
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Dashboard importer: reads its bundle, manages Grafana service account tokens, writes its logs',
    });
    logGroup.grantWrite(role);
    // Exactly the bundle object (bundle.grantRead would add bucket-wide wildcards).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bundle.bucket.arnForObjects(bundle.s3ObjectKey)] }),
    );
    props.grafana.grantServiceAccounts(role);

    this.handler = new lambda.Function(this, 'Handler', {
      functionName: props.names?.name('dashboard-import'),
      code: bundledNodeCode(path.join(__dirname, 'handler', 'index.ts')),
      handler: 'index.onEvent',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(IMPORT_TIMEOUT_SECONDS),
      role,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      description: 'Imports dashboards/ into Amazon Managed Grafana',
    });
    // cfn-lint W3005: CDK's DependsOn on the function's role repeats its Role GetAtt (see acknowledgeRoleDependsOn).
    acknowledgeRoleDependsOn(this.handler);

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      logGroupName: props.names?.path('dashboard-import-provider'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: this.handler, logGroup: providerLogs });
    if (props.xray && !props.grafana.pluginAdminEnabled) {
      throw new Error(
        "DashboardImport: xray needs the workspace's plugin management (pluginAdminEnabled) to install the X-Ray plugin; turn it on or leave xray off",
      );
    }
    const owner = createHash('sha256').update(Names.uniqueId(this)).digest('hex').slice(0, 8);
    const properties: ImportProperties = {
      WorkspaceId: props.grafana.workspaceId,
      GrafanaUrl: props.grafana.url,
      BundleBucket: bundle.s3BucketName,
      BundleKey: bundle.s3ObjectKey,
      Region: props.region ?? Stack.of(this).region,
      PrometheusUrl: props.prometheus.prometheusEndpoint,
      // One account per resource instance, named by it: the importer deletes only the account of its own name.
      ServiceAccountName: `tobs-importer-${owner}`,
      Marker: `managed-by:${props.names?.prefix ?? Names.uniqueId(this)}`,
      GrafanaVersion: props.grafana.grafanaVersion,
      XRay: String(props.xray ?? false),
      ...(props.retainOnDelete ? { RetainOnDelete: 'true' } : {}),
      DashboardUids: JSON.stringify(props.dashboards.map((d) => d.uid)),
      Folders: JSON.stringify([...new Set(props.dashboards.map((d) => d.folder).filter(Boolean))]),
      Owner: owner,
      ...(props.reimport !== undefined ? { Reimport: props.reimport } : {}),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::GrafanaDashboards',
      properties: properties,
    });

    acknowledgeProviderFramework(provider, this.handler, 'the importer function');
  }

  /**
   * Imports that failed without failing their deploy (after a Grafana upgrade, which cannot be rolled back): the
   * importer's error log lines.
   * @default - Sum over 5 minutes
   */
  metricFailedImports(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.failedImports.metric({ statistic: 'Sum', period: Duration.minutes(5), ...props });
  }
}
