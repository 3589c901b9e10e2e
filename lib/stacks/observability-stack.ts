import { Duration, NestedStack, RemovalPolicy, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AlertRouting } from '../constructs/alert-routing';
import { CollectorService } from '../constructs/collector-service';
import { DashboardImport } from '../constructs/dashboard-import/dashboard-import';
import { GrafanaAccess } from '../constructs/grafana-access/grafana-access';
import { GrafanaWorkspace } from '../constructs/grafana-workspace';
import { GrafanaUpgradeGate } from '../constructs/grafana-upgrade-gate/grafana-upgrade-gate';
import { MonitoringHealth } from '../constructs/monitoring-health';
import { OtelServiceSettings } from '../constructs/otel-service-settings';
import { PlatformNetwork } from '../constructs/platform-network';
import { PlatformServiceScaling } from '../constructs/platform-scaling';
import { LogsKey } from '../constructs/logs-key';
import { PrometheusWorkspace } from '../constructs/prometheus-workspace';
import { saveCrossServiceQueries, ServiceLogGroups } from '../constructs/service-log-groups';
import { Tracing } from '../constructs/tracing';
import { deploysToAws, retainsData } from '../config/environment-policy';
import { platformNetworkOf } from '../config/environment-schema';
import { anomalyDetectorAlias } from '../render/anomaly-detector-alerts';
import { ObservabilityModel } from '../model/model';
import { logAlertFilterPattern } from '../model/log-alerts';
import { route } from '../model/route-walk';
import { SCALING_DIMENSION, SCALING_SIGNALS_LOG_GROUP, scalingNamespace } from '../model/scaling';
import { WATCHDOG_RECEIVER } from '../model/routing';
import { ruleFileShards, serviceShards } from '../model/placement';
import { Naming } from '../naming';
import { renderAmpAlertManagerDefinition } from '../render/alertmanager-config';
import { collectorConfigFragments } from '../render/collector-fragments';
import { QUEUE_SIZE, renderCollectorConfig } from '../render/collector-config';
import { pascalCase } from '../render/pascal-case';
import { exportAlertTopics, exportCollector, exportGrafana, exportLogGroups, exportWorkspace } from './stack-exports';

/** The collector's name among the log groups (and its service name). */
const COLLECTOR_SERVICE = 'otel-collector';

/** The CloudWatch namespace of the services' error-event metrics. */
const LOG_METRICS_NAMESPACE = 'TradingPlatform/Logs';

/** `service.namespace` of the platform's services (their OTEL_RESOURCE_ATTRIBUTES). */
const SERVICE_NAMESPACE = 'trading-platform';

export interface ObservabilityStackProps extends StackProps {
  readonly model: ObservabilityModel;
  /**
   * Any new value (`-c reimport=$(date +%s)`) makes the dashboard importer run again with unchanged
   * dashboards: after a Grafana upgrade whose import it logged as failed (it never fails that deploy).
   * @default - the importer runs when a dashboard, data source setting or the version changes
   */
  readonly reimport?: string;
}

/**
 * Everything one environment deploys to AWS. It only wires constructs (what
 * they contain comes from the model; where they go at scale, from
 * lib/model/placement.ts) and publishes their endpoints as outputs and SSM
 * parameters (./stack-exports.ts).
 */
export class ObservabilityStack extends Stack {
  readonly naming: Naming;
  readonly model: ObservabilityModel;
  readonly workspace?: PrometheusWorkspace;
  readonly alertRouting?: AlertRouting;
  /** The services' log groups: one construct, or one per nested stack at scale. */
  serviceLogs: readonly ServiceLogGroups[] = [];
  readonly collector?: CollectorService;
  readonly grafana?: GrafanaWorkspace;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const env = props.model.environment;
    const naming = (this.naming = Naming.of(env));
    this.model = props.model;
    Tags.of(this).add('app', env.app);
    Tags.of(this).add('env', env.name);
    for (const [k, v] of Object.entries(env.tags)) Tags.of(this).add(k, v);

    if (!deploysToAws(env)) {
      Validations.of(this).acknowledge({
        id: 'CloudFormation-Validate::F0001',
        reason: 'A local environment deploys nothing to AWS: its output is the local bundle, so its template has no resources.',
      });
      return;
    }
    // RetainExceptOnCreate: a create that rolls back deletes what it made, so the retry finds no fixed name taken.
    const retain = retainsData(env) ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;

    const logsKey = new LogsKey(this, 'LogsKey', { description: `Encrypts the log groups of ${naming.prefix}`, removalPolicy: retain });
    const ampLogs = new logs.LogGroup(this, 'AmpLogs', {
      logGroupName: naming.path('amp'),
      retention: env.logRetentionDays as logs.RetentionDays,
      encryptionKey: logsKey,
      removalPolicy: retain,
    });
    const workspace = (this.workspace = new PrometheusWorkspace(this, 'Prometheus', {
      alias: naming.prefix,
      retentionDays: env.metricsRetentionDays,
      logGroup: ampLogs,
      remoteWritePrincipals: env.remoteWritePrincipals.map((arn) => new iam.ArnPrincipal(arn)),
      removalPolicy: retain,
    }));
    exportWorkspace(this, workspace, naming);
    const ruleShards = ruleFileShards(props.model.ruleFiles);
    ruleShards.shards.forEach(({ index, items: files }) => {
      const scope = ruleShards.nested
        ? new NestedStack(this, `Rules${index}`, { description: `AMP rule groups namespaces of ${naming.prefix}` })
        : undefined;
      for (const file of files) workspace.addRuleGroupsNamespace(file.name, file.text, scope);
    });

    for (const a of props.model.anomalies)
      workspace.addAnomalyDetector(anomalyDetectorAlias(naming, a.name), a.query, { anomaly: a.name, service: a.service });

    const routing = (this.alertRouting = new AlertRouting(this, 'AlertRouting', {
      names: naming,
      receivers: props.model.routing.receivers,
      watchdogReceiver: WATCHDOG_RECEIVER,
      workspace,
      logsKey,
      logRetention: env.logRetentionDays,
      destinations: {
        emails: env.alerts.email,
        smsNumbers: env.alerts.sms,
        pagerDutySecretName: env.alerts.pagerduty?.secretName,
        slackWebhookSecret: env.alerts.slack?.webhookSecretName
          ? secretsmanager.Secret.fromSecretNameV2(this, 'SlackWebhookSecret', env.alerts.slack.webhookSecretName)
          : undefined,
      },
    }));
    exportAlertTopics(this, routing);
    // Per-service resources go to nested stacks at scale (serviceShards); the
    // platform's four services stay in this stack.
    const placement = serviceShards([...env.services.map((s) => s.name), COLLECTOR_SERVICE]);
    const sharded = placement.nested;
    const collectorNamespace = `${naming.prefix}.internal`;
    const otlpEndpoint = CollectorService.otlpHttpEndpointIn(collectorNamespace);
    const savedQueries = props.model.logQueries.queries.map((q) => ({ name: q.name, scope: q.scope, query: q.insights }));
    // Each log alert notifies the topic of the receiver the routing tree gives its labels, as a metric alert would reach.
    const logAlarms = props.model.logAlerts.map((a) => ({
      name: a.name,
      services: a.services,
      filterPattern: logAlertFilterPattern(a),
      threshold: a.threshold,
      window: Duration.minutes(a.windowMinutes),
      topic: routing.topic(route(props.model.routing, { alertname: a.name, severity: a.severity, source: 'logs' })[0].receiver),
      description: `${a.summary}. ${a.description} Runbook: ${a.runbookUrl}`,
    }));
    this.serviceLogs = placement.shards.map(({ index, items: services }) => {
      const scope = sharded
        ? new NestedStack(this, `Services${index}`, { description: `Per-service resources (shard ${index}) of ${naming.prefix}` })
        : this;
      const group = new ServiceLogGroups(scope, 'Logs', {
        names: naming,
        services,
        retention: env.logRetentionDays,
        encryptionKey: logsKey,
        removalPolicy: retain,
        dataProtection: env.logDataProtection,
        queries: savedQueries,
        crossServiceQueries: !sharded,
        logAlarms,
        alarmTopic: routing.topic('warning'),
        errorAlarmThreshold: env.logErrorAlarmThreshold,
        errorMetricNamespace: LOG_METRICS_NAMESPACE,
        errorMetricNamePrefix: `${env.name}-`,
      });
      exportLogGroups(group, naming);
      new OtelServiceSettings(scope, 'OtelSettings', {
        names: naming,
        services: services.filter((s) => s !== COLLECTOR_SERVICE),
        otlpEndpoint,
        deploymentEnvironment: env.name,
        serviceNamespace: SERVICE_NAMESPACE,
      });
      return group;
    });
    if (sharded) saveCrossServiceQueries(this, naming.prefix, savedQueries);
    if (env.exporters.traces === 'xray') {
      new Tracing(this, 'Tracing', { names: naming, deploymentEnvironment: env.name, sampleRate: env.tracing.sampleRate });
    }

    const network = new PlatformNetwork(this, 'Network', {
      names: naming,
      existing: platformNetworkOf(env),
      flowLogsKey: logsKey,
      flowLogsRetention: env.logRetentionDays,
      removalPolicy: retain,
      minimalVpcFix:
        'It is there by network.createMinimalVpc: set network.vpcId, vpcCidr, availabilityZones and privateSubnetIds in config/environments.yaml to monitor the platform.',
    });
    const emfLogGroup =
      env.exporters.metrics === 'cloudwatch'
        ? new logs.LogGroup(this, 'EmfLogs', {
            logGroupName: naming.path('metrics-emf'),
            retention: env.logRetentionDays as logs.RetentionDays,
            encryptionKey: logsKey,
            removalPolicy: retain,
          })
        : undefined;
    const scaling = props.model.scaling;
    // The scaling signals' EMF: kept like every log group of the environment (the seed's 30+ days in prod).
    const scalingLogGroup =
      scaling.length > 0 || env.collector.autoScaling
        ? new logs.LogGroup(this, 'ScalingSignalLogs', {
            logGroupName: naming.path(SCALING_SIGNALS_LOG_GROUP),
            retention: env.logRetentionDays as logs.RetentionDays,
            encryptionKey: logsKey,
            removalPolicy: retain,
          })
        : undefined;
    const collectorConfig = renderCollectorConfig(
      { environment: env, catalog: props.model.catalog, scaling },
      {
        region: this.region,
        ampRemoteWriteUrl: env.exporters.metrics === 'amp' ? workspace.remoteWriteUrl : undefined,
        emfLogGroupName: emfLogGroup?.logGroupName,
        scalingLogGroupName: scalingLogGroup?.logGroupName,
      },
    );
    const otlpAuthSecretName =
      env.exporters.metrics === 'otlp' || env.exporters.traces === 'otlp' ? env.exporters.otlp?.authSecretName : undefined;
    const collector = (this.collector = new CollectorService(this, 'Collector', {
      names: naming,
      namespaceName: collectorNamespace,
      configFragments: collectorConfigFragments(collectorConfig),
      vpc: network.vpc,
      vpcCidr: network.vpcCidr,
      subnets: network.privateSubnets,
      cluster: env.collector.clusterName
        ? ecs.Cluster.fromClusterAttributes(this, 'PlatformCluster', { clusterName: env.collector.clusterName, vpc: network.vpc })
        : undefined,
      replicas: env.collector.replicas,
      autoScaling: env.collector.autoScaling && {
        maxReplicas: env.collector.autoScaling.maxReplicas,
        cpuTargetPercent: env.collector.autoScaling.cpuTargetPercent,
        scaleOutCooldown: Duration.seconds(env.collector.autoScaling.scaleOutCooldownSeconds),
        scaleInBelowPercent: env.collector.autoScaling.scaleInBelowPercent,
        scaleInAfterMinutes: env.collector.autoScaling.scaleInAfterMinutes,
        scaleInCooldown: Duration.seconds(env.collector.autoScaling.scaleInCooldownSeconds),
        queueMetric: new cloudwatch.Metric({
          namespace: scalingNamespace(naming),
          metricName: QUEUE_SIZE,
          dimensionsMap: { [SCALING_DIMENSION]: COLLECTOR_SERVICE },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
      },
      cpu: env.collector.cpu,
      memoryMiB: env.collector.memoryMiB,
      logGroup: this.logGroupOf(COLLECTOR_SERVICE),
      otlpAuthSecret: otlpAuthSecretName ? secretsmanager.Secret.fromSecretNameV2(this, 'OtlpAuthSecret', otlpAuthSecretName) : undefined,
      xray: env.exporters.traces === 'xray',
      emfLogGroup,
      scalingLogGroup,
      ecsDiscoveryCluster:
        env.discovery.mode === 'ecs'
          ? ecs.Cluster.fromClusterAttributes(this, 'DiscoveryCluster', { clusterName: env.discovery.clusterName, vpc: network.vpc })
          : undefined,
    }));
    exportCollector(this, collector);
    for (const signal of scaling) {
      new PlatformServiceScaling(this, `Scaling${pascalCase(signal.service)}`, {
        clusterName: signal.cluster!,
        serviceName: signal.ecsService,
        minTasks: signal.minTasks,
        maxTasks: signal.maxTasks,
        signal: new cloudwatch.Metric({
          namespace: signal.cloudWatch.namespace,
          metricName: signal.cloudWatch.metricName,
          dimensionsMap: signal.cloudWatch.dimensions,
          statistic: signal.statistic,
          period: Duration.minutes(1),
        }),
        perTask: signal.perTask,
        targetValue: signal.target,
        scaleOutCooldown: Duration.seconds(signal.scaleOutCooldownSeconds),
        scaleInCooldown: Duration.seconds(signal.scaleInCooldownSeconds),
      });
    }
    if (env.exporters.metrics === 'amp') workspace.grantRemoteWrite(collector);

    // A restricted workspace admits the listed prefix lists and endpoints, and the importer through an endpoint of its own.
    const restricted = env.grafana.networkAccess === 'public' ? undefined : env.grafana.networkAccess;
    const grafanaEndpoint =
      restricted &&
      new ec2.InterfaceVpcEndpoint(this, 'GrafanaEndpoint', {
        vpc: network.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.GRAFANA_WORKSPACE,
        subnets: network.privateSubnets,
        privateDnsEnabled: true,
      });
    if (grafanaEndpoint) {
      Validations.of(grafanaEndpoint).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          "The endpoint's security group admits HTTPS from the VPC's own CIDR only (a deploy-time value in the minimal VPC, which the rule cannot read), not from anywhere.",
      });
    }
    const grafanaWorkspace = (this.grafana = new GrafanaWorkspace(this, 'Grafana', {
      names: naming,
      description: `Dashboards of the trading platform (${env.name})`,
      prometheus: workspace,
      saml: env.grafana.authentication === 'SAML' ? env.grafana.saml : undefined,
      pluginAdminEnabled: env.grafana.pluginAdminEnabled,
      grafanaVersion: env.grafana.version,
      notificationTopics: Object.values(routing.topics),
      logGroupNamePrefix: naming.path(''),
      removalPolicy: retain,
      upgradeGate: {
        logsKey,
        logRetention: env.logRetentionDays as logs.RetentionDays,
        setting: `config/environments.yaml ${env.name}.grafana.version`,
      },
      networkAccessControl: restricted && {
        prefixListIds: restricted.prefixListIds,
        vpceIds: [...restricted.vpceIds, grafanaEndpoint!.vpcEndpointId],
      },
    }));
    exportGrafana(this, grafanaWorkspace);
    if (env.grafana.authentication === 'AWS_SSO' && env.grafana.access) {
      new GrafanaAccess(this, 'GrafanaAccess', {
        names: naming,
        workspace: grafanaWorkspace,
        ...env.grafana.access,
        logsKey,
        logRetention: env.logRetentionDays,
        retainOnDelete: retainsData(env),
      });
    }
    const dashboardImport = new DashboardImport(this, 'Dashboards', {
      names: naming,
      grafana: grafanaWorkspace,
      dashboards: props.model.publishedDashboards,
      prometheus: workspace,
      logsKey,
      logRetention: env.logRetentionDays,
      xray: env.grafana.xray,
      retainOnDelete: retainsData(env),
      reimport: props.reimport,
      vpc: restricted ? network.vpc : undefined,
      vpcSubnets: network.privateSubnets,
    });

    new MonitoringHealth(this, 'MonitoringHealth', {
      names: naming,
      collector,
      workspace,
      anomalyDetectors: props.model.anomalies.length > 0,
      ampQuotas: {
        activeSeries: props.model.ampLimits.activeSeriesPerWorkspace,
        ingestionRate: props.model.ampLimits.ingestionRatePerWorkspace,
      },
      dashboardImporter: dashboardImport.handler,
      dashboardImportFailures: dashboardImport.metricFailedImports(),
      criticalTopic: routing.topic('critical'),
      warningTopic: routing.topic('warning'),
    });

    const topicArns = Object.fromEntries(Object.entries(routing.topics).map(([r, t]) => [r, t.topicArn]));
    workspace.setAlertManagerDefinition(renderAmpAlertManagerDefinition(props.model.routing, topicArns, this.region));
  }

  /** The template, with the Grafana upgrade gate's fingerprint of the rest of it (see GrafanaUpgradeGate). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Stack's own signature
  protected _toCloudFormation(): any {
    const template = super._toCloudFormation() as Parameters<typeof GrafanaUpgradeGate.fingerprint>[0];
    GrafanaUpgradeGate.fingerprint(template);
    return template;
  }

  /** The log group of one service, whichever (nested) stack holds it. */
  logGroupOf(service: string): logs.ILogGroup {
    const holder = this.serviceLogs.find((l) => service in l.logGroups);
    if (!holder) throw new Error(`ObservabilityStack: no log group for "${service}"`);
    return holder.logGroup(service);
  }
}
