import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { applySecurityChecks } from '../../lib/app';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import {
  AlertRouting,
  CollectorService,
  DashboardImport,
  GrafanaAccess,
  GrafanaWorkspace,
  LogsKey,
  MonitoringHealth,
  OtelServiceSettings,
  PlatformNetwork,
  PrometheusWorkspace,
  ServiceLogGroups,
  Tracing,
} from '../../lib';

/** Every construct of the library, once, with ids ending in `i`; no names given (no Naming of this app). */
function oneOfEach(stack: Stack, i: number): void {
  const key = new LogsKey(stack, `LogsKey${i}`, { description: `logs ${i}` });
  const network = new PlatformNetwork(stack, `Network${i}`, { flowLogsKey: key, flowLogsRetention: logs.RetentionDays.ONE_WEEK });
  const workspace = new PrometheusWorkspace(stack, `Prometheus${i}`, { retentionDays: 30 });
  workspace.addRuleGroupsNamespace('rules', 'groups: []');
  const routing = new AlertRouting(stack, `AlertRouting${i}`, {
    receivers: ['critical', 'warning', 'info', 'watchdog'],
    watchdogReceiver: 'watchdog',
    workspace,
    destinations: {
      emails: ['oncall@example.com'],
      slackWebhookSecret: secretsmanager.Secret.fromSecretNameV2(stack, `Slack${i}`, 'team/slack'),
    },
  });
  const logGroups = new ServiceLogGroups(stack, `Logs${i}`, {
    services: ['api', 'worker'],
    retention: logs.RetentionDays.ONE_WEEK,
    encryptionKey: key,
    dataProtection: true,
    alarmTopic: routing.topic('warning'),
    queries: [
      { name: 'errors', scope: 'each', query: 'fields @message' },
      { name: 'errors-by-service', scope: 'all', query: 'stats count() by @log' },
    ],
  });
  const collector = new CollectorService(stack, `Collector${i}`, {
    configFragments: ['receivers: {}'],
    vpc: network.vpc,
    subnets: network.privateSubnets,
    logGroup: logGroups.logGroup('api'),
  });
  workspace.grantRemoteWrite(collector);
  const grafana = new GrafanaWorkspace(stack, `Grafana${i}`, { prometheus: workspace, notificationTopics: Object.values(routing.topics) });
  new GrafanaAccess(stack, `GrafanaAccess${i}`, { workspace: grafana, viewer: { groups: ['11111111-2222-3333-4444-555555555555'] } });
  const dashboards = new DashboardImport(stack, `Dashboards${i}`, {
    grafana,
    prometheus: workspace,
    dashboards: [{ file: 'a.json', folder: 'Platform', uid: 'a', text: '{"title":"A"}' }],
  });
  new MonitoringHealth(stack, `MonitoringHealth${i}`, {
    collector,
    workspace,
    anomalyDetectors: true,
    dashboardImporter: dashboards.handler,
    criticalTopic: routing.topic('critical'),
    warningTopic: routing.topic('warning'),
  });
  new Tracing(stack, `Tracing${i}`, { sampleRate: 0.05 });
  new OtelServiceSettings(stack, `OtelSettings${i}`, {
    services: ['api'],
    otlpEndpoint: collector.otlpHttpEndpoint,
    deploymentEnvironment: 'test',
  });
}

/** The properties that name a resource in its account and region, per resource type. */
const PHYSICAL_NAMES: Record<string, (p: any) => unknown> = {
  'AWS::APS::Workspace': (p) => p.Alias,
  'AWS::CloudWatch::Alarm': (p) => p.AlarmName,
  'AWS::ECS::Cluster': (p) => p.ClusterName,
  'AWS::ECS::Service': (p) => p.ServiceName,
  'AWS::ECS::TaskDefinition': (p) => p.Family,
  'AWS::Grafana::Workspace': (p) => p.Name,
  'AWS::Lambda::Function': (p) => p.FunctionName,
  'AWS::Logs::LogGroup': (p) => p.LogGroupName,
  'AWS::Logs::MetricFilter': (p) => JSON.stringify(p.MetricTransformations.map((m: any) => [m.MetricNamespace, m.MetricName])),
  'AWS::Logs::QueryDefinition': (p) => p.Name,
  'AWS::ServiceDiscovery::PrivateDnsNamespace': (p) => p.Name,
  'AWS::SNS::Topic': (p) => p.TopicName,
  'AWS::SSM::Parameter': (p) => p.Name,
  'AWS::XRay::Group': (p) => p.GroupName,
  'AWS::XRay::SamplingRule': (p) => p.SamplingRule.RuleName,
};

const cfnResourcesUnder = (c: IConstruct) => c.node.findAll().filter((x): x is CfnResource => CfnResource.isCfnResource(x));

describe('the construct library in another app', () => {
  // Another app: a plain stack, no Naming, no configuration of this project; bundling skipped.
  // The same security gate as this app's (cdk-nag AwsSolutions as a validation plugin).
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  applySecurityChecks(app);
  const stack = new Stack(app, 'Other', { env: { account: '111122223333', region: 'eu-west-1' } });
  oneOfEach(stack, 0);
  oneOfEach(stack, 1);
  const json = Template.fromStack(stack).toJSON();
  const resources = Object.values<any>(json.Resources);

  test.each([
    'LogsKey',
    'Network',
    'Prometheus',
    'AlertRouting',
    'Logs',
    'Collector',
    'Grafana',
    'GrafanaAccess',
    'Dashboards',
    'MonitoringHealth',
    'Tracing',
    'OtelSettings',
  ])('two %s in one stack: both sets of resources exist, alike', (id) => {
    const [first, second] = [0, 1].map((i) => cfnResourcesUnder(stack.node.findChild(`${id}${i}`)));
    expect(first.length).toBeGreaterThan(0);
    expect(second.map((r) => r.cfnResourceType)).toEqual(first.map((r) => r.cfnResourceType));
    for (const r of [...first, ...second]) expect(json.Resources[stack.getLogicalId(r)]).toBeDefined();
  });

  test('no two resources of a type share a physical name or a metric (CloudFormation would refuse the second name; alarms would mix the metrics)', () => {
    const duplicates: string[] = [];
    for (const [type, nameOf] of Object.entries(PHYSICAL_NAMES)) {
      const names = resources
        .filter((r) => r.Type === type)
        .map((r) => nameOf(r.Properties ?? {}))
        .filter((n) => n !== undefined)
        .map((n) => JSON.stringify(stack.resolve(n)));
      duplicates.push(...names.filter((n, k) => names.indexOf(n) !== k).map((n) => `${type} ${n}`));
    }
    expect(duplicates).toEqual([]);
  });

  test('no two resources of a type share any name-like property (Name, *Name, Alias, Family), whatever the type', () => {
    // Catches a fixed name on a resource type PHYSICAL_NAMES does not list. Names that are unique only inside
    // their parent are exempt: a rule groups namespace per workspace, a Cloud Map service per namespace; SNS DisplayName and an alarm's MetricName name nothing; references (Ref, GetAtt) are distinct by construction.
    const scopedOrNotNames = new Set([
      'AWS::APS::RuleGroupsNamespace Name',
      'AWS::ServiceDiscovery::Service Name',
      'AWS::SNS::Topic DisplayName',
      'AWS::CloudWatch::Alarm MetricName', // AWS metrics told apart by their dimensions (the metric filters' own names are checked above)
    ]);
    const seen = new Map<string, string[]>();
    for (const r of resources)
      for (const [key, value] of Object.entries<any>(r.Properties ?? {})) {
        if (!/(^|Name|Alias|Family)$/.test(key) || !/Name$|^Alias$|^Family$/.test(key)) continue;
        if (typeof value !== 'string' || scopedOrNotNames.has(`${r.Type} ${key}`)) continue;
        const k = `${r.Type} ${key}`;
        seen.set(k, [...(seen.get(k) ?? []), value]);
      }
    expect(seen.size).toBeGreaterThanOrEqual(4); // the check sees names (Grafana, X-Ray, Cloud Map, task families at least)
    const duplicates = [...seen].flatMap(([k, names]) => names.filter((n, i) => names.indexOf(n) !== i).map((n) => `${k} ${n}`));
    expect(duplicates).toEqual([]);
  });

  test('each importer has a Grafana service account of its own name, the only one it uses and deletes: tobs-importer-<its Owner>', () => {
    const importers = resources.filter((r) => r.Type === 'Custom::GrafanaDashboards').map((r) => r.Properties);
    expect(importers).toHaveLength(2);
    for (const p of importers) expect(p.ServiceAccountName).toBe(`tobs-importer-${p.Owner}`);
    expect(new Set(importers.map((p) => p.ServiceAccountName)).size).toBe(2);
  });

  test('names that CloudFormation requires are derived per construct, not fixed', () => {
    const named = (type: string) =>
      resources
        .filter((r) => r.Type === type)
        .map((r) => PHYSICAL_NAMES[type](r.Properties))
        .sort();
    expect(named('AWS::XRay::Group')).toHaveLength(2);
    expect(named('AWS::Grafana::Workspace')).toHaveLength(2);
    expect(named('AWS::ServiceDiscovery::PrivateDnsNamespace')).toHaveLength(2);
    for (const name of named('AWS::ServiceDiscovery::PrivateDnsNamespace')) expect(name).toMatch(/^[a-z0-9-]+\.internal$/);
    for (const name of named('AWS::XRay::Group')) expect((name as string).length).toBeLessThanOrEqual(32);
  });

  test('secure by default in another app: synth passes cdk-nag AwsSolutions (each acknowledgement sits in its construct)', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
  });

  test("no construct adds stack outputs (they are the app's to choose)", () => {
    expect(json.Outputs).toBeUndefined();
  });
});
