import { NestedStack, RemovalPolicy, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AlertRouting } from '../constructs/alert-routing';
import { CollectorService } from '../constructs/collector-service';
import { DashboardImport } from '../constructs/dashboard-import/dashboard-import';
import { GrafanaAccess } from '../constructs/grafana-access/grafana-access';
import { GrafanaWorkspace } from '../constructs/grafana-workspace';
import { MonitoringHealth } from '../constructs/monitoring-health';
import { OtelServiceSettings } from '../constructs/otel-service-settings';
import { PlatformNetwork } from '../constructs/platform-network';
import { LogsKey } from '../constructs/logs-key';
import { PrometheusWorkspace } from '../constructs/prometheus-workspace';
import { saveCrossServiceQueries, ServiceLogGroups } from '../constructs/service-log-groups';
import { Tracing } from '../constructs/tracing';
import { platformNetworkOf } from '../config/environment-schema';
import { anomalyDetectorAlias } from '../model/anomaly-detector-alerts';
import { ObservabilityModel } from '../model/model';
import { Routing, WATCHDOG_RECEIVER } from '../model/routing';
import { Naming } from '../naming';
import { renderAmpAlertManagerDefinition } from '../render/alertmanager-config';
import { collectorConfigFragments, OTLP_HTTP_PORT, renderCollectorConfig } from '../render/collector-config';
import { publishedDashboards } from '../render/cost-dashboard';

/** The collector's name among the log groups (and its service name). */
export const COLLECTOR_SERVICE = 'otel-collector';

/** Rule file bytes kept in this stack's template; more go to nested stacks. */
export const RULES_INLINE_BYTES = 400_000;

/** Services whose per-service resources share one (nested) stack. */
export const SERVICES_PER_SHARD = 40;

/** Consecutive groups of items whose sizes add up to at most `max` each. */
function packBySize<T>(items: readonly T[], size: (t: T) => number, max: number): T[][] {
  const groups: T[][] = [];
  let bytes = 0;
  for (const item of items) {
    if (groups.length === 0 || bytes + size(item) > max) {
      groups.push([]);
      bytes = 0;
    }
    groups[groups.length - 1].push(item);
    bytes += size(item);
  }
  return groups;
}

const chunk = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

export interface ObservabilityStackProps extends StackProps {
  readonly model: ObservabilityModel;
  readonly routing: Routing;
}

/**
 * Everything one environment deploys to AWS. It only wires constructs; what
 * they contain comes from the model.
 */
export class ObservabilityStack extends Stack {
  readonly naming: Naming;
  readonly model: ObservabilityModel;
  readonly routing: Routing;
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
    this.routing = props.routing;
    Tags.of(this).add('app', env.app);
    Tags.of(this).add('env', env.name);
    for (const [k, v] of Object.entries(env.tags)) Tags.of(this).add(k, v);

    if (env.target !== 'aws') {
      Validations.of(this).acknowledge({
        id: 'CloudFormation-Validate::F0001',
        reason: 'A local environment deploys nothing to AWS: its output is the local bundle, so its template has no resources.',
      });
      return;
    }
    const retain = env.name === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

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
      parameterPrefix: naming.path(),
      remoteWritePrincipals: env.remoteWritePrincipals.map((arn) => new iam.ArnPrincipal(arn)),
      removalPolicy: retain,
    }));
    // Rule files count against the 1 MB template body: beyond RULES_INLINE_BYTES
    // their namespaces go to nested stacks of at most that size each.
    const ruleBytes = props.model.ruleFiles.reduce((n, f) => n + f.text.length, 0);
    const ruleShards =
      ruleBytes > RULES_INLINE_BYTES
        ? packBySize(props.model.ruleFiles, (f) => f.text.length, RULES_INLINE_BYTES)
        : [props.model.ruleFiles];
    ruleShards.forEach((files, i) => {
      const scope =
        ruleShards.length > 1
          ? new NestedStack(this, `Rules${i}`, { description: `AMP rule groups namespaces of ${naming.prefix}` })
          : undefined;
      for (const file of files) workspace.addRuleGroupsNamespace(file.name, file.text, scope);
    });

    for (const a of props.model.anomalies)
      workspace.addAnomalyDetector(anomalyDetectorAlias(naming, a.name), a.query, { anomaly: a.name, service: a.service });

    const routing = (this.alertRouting = new AlertRouting(this, 'AlertRouting', {
      naming,
      receivers: props.routing.receivers,
      watchdogReceiver: WATCHDOG_RECEIVER,
      workspaceArn: workspace.workspaceArn,
      logsKey,
      logRetention: env.logRetentionDays,
      destinations: {
        emails: env.alerts.email,
        smsNumbers: env.alerts.sms,
        pagerDutySecretName: env.alerts.pagerduty?.secretName,
        slackWebhookSecretName: env.alerts.slack?.webhookSecretName,
      },
    }));
    // Per-service resources (log group, its SSM names, error metric and alarm,
    // saved query, OTEL_* settings: 10 each) go to nested stacks of
    // SERVICES_PER_SHARD services once one stack would pass CloudFormation's
    // 500 resources; the platform's four services stay in this stack.
    const perService = [...env.services.map((s) => s.name), COLLECTOR_SERVICE];
    const shards = chunk(perService, SERVICES_PER_SHARD);
    const sharded = shards.length > 1;
    const otlpEndpoint = `http://${CollectorService.endpointHostFor(naming)}:${OTLP_HTTP_PORT}`;
    this.serviceLogs = shards.map((services, i) => {
      const scope = sharded
        ? new NestedStack(this, `Services${i}`, { description: `Per-service resources ${i + 1}/${shards.length} of ${naming.prefix}` })
        : this;
      const group = new ServiceLogGroups(scope, 'Logs', {
        naming,
        services,
        retention: env.logRetentionDays,
        encryptionKey: logsKey,
        removalPolicy: retain,
        dataProtection: env.logDataProtection,
        queries: props.model.logQueries,
        crossServiceQueries: !sharded,
        alarmTopic: routing.topic('warning'),
        errorAlarmThreshold: env.logErrorAlarmThreshold,
      });
      new OtelServiceSettings(scope, 'OtelSettings', { naming, services: services.filter((s) => s !== COLLECTOR_SERVICE), otlpEndpoint });
      return group;
    });
    if (sharded) saveCrossServiceQueries(this, naming, props.model.logQueries);
    if (env.exporters.traces === 'xray') {
      new Tracing(this, 'Tracing', { naming, sampleRate: env.tracing.sampleRate });
    }

    const network = new PlatformNetwork(this, 'Network', {
      naming,
      existing: platformNetworkOf(env),
      flowLogsKey: logsKey,
      flowLogsRetention: env.logRetentionDays,
      removalPolicy: retain,
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
    const collectorConfig = renderCollectorConfig(
      { environment: env, catalog: props.model.catalog },
      {
        region: this.region,
        ampRemoteWriteUrl: env.exporters.metrics === 'amp' ? workspace.remoteWriteUrl : undefined,
        emfLogGroupName: emfLogGroup?.logGroupName,
      },
    );
    const collector = (this.collector = new CollectorService(this, 'Collector', {
      naming,
      configFragments: collectorConfigFragments(collectorConfig),
      vpc: network.vpc,
      vpcCidr: network.vpcCidr,
      subnets: network.privateSubnets,
      cluster: env.collector.clusterName
        ? ecs.Cluster.fromClusterAttributes(this, 'PlatformCluster', { clusterName: env.collector.clusterName, vpc: network.vpc })
        : undefined,
      replicas: env.collector.replicas,
      cpu: env.collector.cpu,
      memoryMiB: env.collector.memoryMiB,
      logGroup: this.logGroupOf(COLLECTOR_SERVICE),
      otlpAuthSecretName:
        env.exporters.metrics === 'otlp' || env.exporters.traces === 'otlp' ? env.exporters.otlp?.authSecretName : undefined,
      xray: env.exporters.traces === 'xray',
      emfLogGroup,
      ecsDiscoveryClusterName: env.discovery.mode === 'ecs' ? env.discovery.clusterName : undefined,
    }));
    if (env.exporters.metrics === 'amp') workspace.grantRemoteWrite(collector.taskRole);

    const grafanaWorkspace = (this.grafana = new GrafanaWorkspace(this, 'Grafana', {
      naming,
      prometheus: workspace,
      saml: env.grafana.authentication === 'SAML' ? env.grafana.saml : undefined,
      pluginAdminEnabled: env.grafana.pluginAdminEnabled,
      grafanaVersion: env.grafana.version,
      notificationTopics: Object.values(routing.topics),
    }));
    if (env.grafana.authentication === 'AWS_SSO' && env.grafana.access) {
      new GrafanaAccess(this, 'GrafanaAccess', {
        naming,
        workspaceId: grafanaWorkspace.workspaceId,
        workspaceArn: grafanaWorkspace.workspaceArn,
        ...env.grafana.access,
        logsKey,
        logRetention: env.logRetentionDays,
      });
    }
    const dashboardImport = new DashboardImport(this, 'Dashboards', {
      naming,
      grafana: grafanaWorkspace,
      dashboards: publishedDashboards(props.model),
      prometheusEndpoint: workspace.prometheusEndpoint,
      region: this.region,
      logsKey,
      logRetention: env.logRetentionDays,
      xray: env.grafana.xray,
    });

    new MonitoringHealth(this, 'MonitoringHealth', {
      naming,
      collector: collector.service,
      collectorClusterName: collector.service.cluster.clusterName,
      workspaceId: workspace.workspaceId,
      anomalyDetectors: props.model.anomalies.length > 0,
      dashboardImporter: dashboardImport.handler,
      criticalTopic: routing.topic('critical'),
      warningTopic: routing.topic('warning'),
    });

    const topicArns = Object.fromEntries(Object.entries(routing.topics).map(([r, t]) => [r, t.topicArn]));
    workspace.setAlertManagerDefinition(renderAmpAlertManagerDefinition(props.routing, topicArns, this.region));
  }

  /** The log group of one service, whichever (nested) stack holds it. */
  logGroupOf(service: string): logs.ILogGroup {
    const holder = this.serviceLogs.find((l) => service in l.logGroups);
    if (!holder) throw new Error(`ObservabilityStack: no log group for "${service}"`);
    return holder.logGroup(service);
  }
}
