import { RemovalPolicy, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AlertRouting } from '../constructs/alert-routing';
import { CollectorService } from '../constructs/collector-service';
import { DashboardImport } from '../constructs/dashboard-import/dashboard-import';
import { GrafanaWorkspace } from '../constructs/grafana-workspace';
import { MonitoringHealth } from '../constructs/monitoring-health';
import { OtelServiceSettings } from '../constructs/otel-service-settings';
import { PlatformNetwork } from '../constructs/platform-network';
import { LogsKey } from '../constructs/logs-key';
import { PrometheusWorkspace } from '../constructs/prometheus-workspace';
import { ServiceLogGroups } from '../constructs/service-log-groups';
import { Tracing } from '../constructs/tracing';
import { ObservabilityModel } from '../model/model';
import { Routing, WATCHDOG_RECEIVER } from '../model/routing';
import { Naming } from '../naming';
import { renderAmpAlertManagerDefinition } from '../render/alertmanager-config';
import { collectorConfigYaml, OTLP_HTTP_PORT, renderCollectorConfig } from '../render/collector-config';

/** The collector's name among the log groups (and its service name). */
export const COLLECTOR_SERVICE = 'otel-collector';

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
  readonly logGroups?: ServiceLogGroups;
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
    for (const file of props.model.ruleFiles) workspace.addRuleGroupsNamespace(file.name, file.text);

    const routing = (this.alertRouting = new AlertRouting(this, 'AlertRouting', {
      naming,
      receivers: props.routing.receivers,
      watchdogReceiver: WATCHDOG_RECEIVER,
      workspaceArn: workspace.workspaceArn,
      logsKey,
      logRetention: env.logRetentionDays as logs.RetentionDays,
      destinations: {
        emails: env.alerts.email,
        smsNumbers: env.alerts.sms,
        pagerDutySecretName: env.alerts.pagerduty?.secretName,
        slackWebhookSecretName: env.alerts.slack?.webhookSecretName,
      },
    }));
    this.logGroups = new ServiceLogGroups(this, 'Logs', {
      naming,
      services: [...env.services.map((s) => s.name), COLLECTOR_SERVICE],
      retention: env.logRetentionDays as logs.RetentionDays,
      encryptionKey: logsKey,
      removalPolicy: retain,
      dataProtection: env.logDataProtection,
      queries: props.model.logQueries,
      alarmTopic: routing.topic('warning'),
      errorAlarmThreshold: env.logErrorAlarmThreshold,
    });
    if (env.exporters.traces === 'xray') {
      new Tracing(this, 'Tracing', { naming, services: env.services.map((s) => s.name), sampleRate: env.tracing.sampleRate });
    }

    const network = new PlatformNetwork(this, 'Network', {
      naming,
      existing: env.network,
      flowLogsKey: logsKey,
      flowLogsRetention: env.logRetentionDays as logs.RetentionDays,
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
      configYaml: collectorConfigYaml(collectorConfig),
      vpc: network.vpc,
      vpcCidr: network.vpcCidr,
      subnets: network.privateSubnets,
      cluster: env.collector.clusterName
        ? ecs.Cluster.fromClusterAttributes(this, 'PlatformCluster', { clusterName: env.collector.clusterName, vpc: network.vpc })
        : undefined,
      replicas: env.collector.replicas,
      cpu: env.collector.cpu,
      memoryMiB: env.collector.memoryMiB,
      logGroup: this.logGroups.logGroup(COLLECTOR_SERVICE),
      otlpAuthSecretName:
        env.exporters.metrics === 'otlp' || env.exporters.traces === 'otlp' ? env.exporters.otlp?.authSecretName : undefined,
      xray: env.exporters.traces === 'xray',
      emfLogGroup,
      ecsDiscoveryClusterName: env.discovery.mode === 'ecs' ? env.discovery.clusterName : undefined,
    }));
    if (env.exporters.metrics === 'amp') workspace.grantRemoteWrite(collector.taskRole);
    new OtelServiceSettings(this, 'OtelSettings', {
      naming,
      services: env.services.map((s) => s.name),
      otlpEndpoint: `http://${collector.endpointHost}:${OTLP_HTTP_PORT}`,
    });

    const grafanaWorkspace = (this.grafana = new GrafanaWorkspace(this, 'Grafana', {
      naming,
      prometheus: workspace,
      saml: env.grafana.authentication === 'SAML' ? env.grafana.saml : undefined,
      pluginAdminEnabled: env.grafana.pluginAdminEnabled,
      notificationTopics: Object.values(routing.topics),
    }));
    const dashboardImport = new DashboardImport(this, 'Dashboards', {
      naming,
      grafana: grafanaWorkspace,
      dashboards: props.model.dashboards,
      prometheusEndpoint: workspace.prometheusEndpoint,
      region: this.region,
      logsKey,
      logRetention: env.logRetentionDays as logs.RetentionDays,
    });

    new MonitoringHealth(this, 'MonitoringHealth', {
      naming,
      collector: collector.service,
      collectorClusterName: collector.service.cluster.clusterName,
      workspaceId: workspace.workspaceId,
      dashboardImporter: dashboardImport.handler,
      criticalTopic: routing.topic('critical'),
      warningTopic: routing.topic('warning'),
    });

    const topicArns = Object.fromEntries(Object.entries(routing.topics).map(([r, t]) => [r, t.topicArn]));
    workspace.setAlertManagerDefinition(renderAmpAlertManagerDefinition(props.routing, topicArns, this.region));
  }
}
