import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  AlertRouting,
  AMP_VENDED_METRICS,
  AmpVendedMetric,
  CollectorService,
  DashboardImport,
  GrafanaAccess,
  GrafanaWorkspace,
  PrometheusWorkspace,
  ServiceLogGroups,
} from '../../lib';
import { VENDED_METRICS } from '../contracts/amp';

const stackIn = (region = 'eu-west-1') =>
  new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Other', { env: { account: '111122223333', region } });
const reader = (stack: Stack) => new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
const statements = (t: Template) =>
  Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);

describe('PrometheusWorkspace: import and metrics', () => {
  test('an imported workspace derives its ARN and endpoint from its id, and grants on that ARN', () => {
    const stack = stackIn();
    const ws = PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Ws', { workspaceId: 'ws-abc' });
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':aps:eu-west-1:111122223333:workspace/ws-abc']] };
    expect(stack.resolve(ws.workspaceArn)).toEqual(arn);
    expect(stack.resolve(ws.remoteWriteUrl)).toEqual({
      'Fn::Join': ['', ['https://aps-workspaces.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/workspaces/ws-abc/api/v1/remote_write']],
    });
    const grant = ws.grantQuery(reader(stack));
    expect(grant.success).toBe(true);
    expect(statements(Template.fromStack(stack))).toEqual([
      expect.objectContaining({ Action: expect.arrayContaining(['aps:QueryMetrics']), Resource: arn }),
    ]);
  });

  test.each(Object.keys(AMP_VENDED_METRICS) as AmpVendedMetric[])(
    "metric%s sums every series AMP publishes it with for this workspace: no SCHEMA, the contract's workspace key",
    (name) => {
      const stack = stackIn();
      const ws = PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Ws', { workspaceId: 'ws-abc' });
      const method = `metric${name}` as keyof typeof ws;
      const metric = (ws[method] as () => cloudwatch.IMetric).call(ws) as cloudwatch.MathExpression;
      const fact = VENDED_METRICS[name];
      expect(AMP_VENDED_METRICS[name].workspaceKey).toBe(fact.workspaceKey);
      expect(metric.expression).toBe(`SELECT SUM(${name}) FROM "AWS/Prometheus" WHERE ${fact.workspaceKey} = 'ws-abc'`);
      expect(metric.period.toMinutes()).toBe(5);
    },
  );

  test.each(['ActiveSeries', 'IngestionRate'] as const)(
    'metricUsage(%s) reads the maximum of AWS/Usage ResourceCount for this workspace',
    (resource) => {
      const ws = PrometheusWorkspace.fromWorkspaceAttributes(stackIn(), 'Ws', { workspaceId: 'ws-abc' });
      const metric = ws.metricUsage(resource) as cloudwatch.MathExpression;
      expect(metric.expression).toBe(`SELECT MAX(ResourceCount) FROM "AWS/Usage" WHERE Resource = '${resource}' AND ResourceId = 'ws-abc'`);
      expect(metric.period.toMinutes()).toBe(5);
    },
  );

  test('metric options override the 5-minute period', () => {
    const ws = PrometheusWorkspace.fromWorkspaceAttributes(stackIn(), 'Ws', { workspaceId: 'ws-abc' });
    expect((ws.metricDiscardedSamples({ period: Duration.minutes(1) }) as cloudwatch.MathExpression).period.toMinutes()).toBe(1);
  });
});

describe('GrafanaWorkspace imported, used by the importer and the access construct', () => {
  const stack = stackIn();
  const grafana = GrafanaWorkspace.fromWorkspaceAttributes(stack, 'Grafana', {
    workspaceId: 'g-123',
    endpoint: 'g-123.grafana-workspace.eu-west-1.amazonaws.com',
    pluginAdminEnabled: true,
  });
  const prometheus = PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Ws', { workspaceId: 'ws-abc' });
  new DashboardImport(stack, 'Dashboards', { grafana, prometheus, dashboards: [], xray: true });
  new GrafanaAccess(stack, 'Access', { workspace: grafana, viewer: { users: ['u-1'] } });
  const t = Template.fromStack(stack);

  test('the importer gets the workspace id, URL, version and the AMP endpoint', () => {
    t.hasResourceProperties('Custom::GrafanaDashboards', {
      WorkspaceId: 'g-123',
      GrafanaUrl: 'https://g-123.grafana-workspace.eu-west-1.amazonaws.com',
      GrafanaVersion: '12.4',
      XRay: 'true',
      PrometheusUrl: { 'Fn::Join': ['', ['https://aps-workspaces.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/workspaces/ws-abc/']] },
      Region: 'eu-west-1',
    });
  });

  test('both may act on that workspace only', () => {
    const arn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':grafana:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':/workspaces/g-123'],
      ],
    };
    const onWorkspace = statements(t).filter((s: any) => JSON.stringify(s.Action).includes('grafana:'));
    // The importer's service accounts; the access construct's permissions and its owner tag.
    expect(onWorkspace).toHaveLength(3);
    for (const s of onWorkspace) expect(s.Resource).toEqual(arn);
  });
});

describe('grants return iam.Grant', () => {
  test('AlertRouting.grantPublish covers every topic', () => {
    const stack = stackIn();
    const routing = new AlertRouting(stack, 'Routing', {
      receivers: ['critical', 'warning', 'watchdog'],
      watchdogReceiver: 'watchdog',
      workspace: PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Ws', { workspaceId: 'ws-abc' }),
    });
    const grant = routing.grantPublish(reader(stack));
    expect(grant.success).toBe(true);
    const published = statements(Template.fromStack(stack)).filter((s: any) => s.Action === 'sns:Publish');
    expect(published.flatMap((s: any) => [s.Resource].flat().map((r: any) => r.Ref)).sort()).toEqual([
      expect.stringMatching(/^RoutingTopiccritical/),
      expect.stringMatching(/^RoutingTopicwarning/),
      expect.stringMatching(/^RoutingTopicwatchdog/),
    ]);
  });

  test('ServiceLogGroups.grantWrite and metricErrorEvents, per service', () => {
    const stack = stackIn();
    const groups = new ServiceLogGroups(stack, 'Logs', {
      services: ['api', 'worker'],
      retention: logs.RetentionDays.ONE_WEEK,
      encryptionKey: new kms.Key(stack, 'Key'),
      errorMetricNamespace: 'Payments/Logs',
    });
    expect(groups.grantWrite(reader(stack), ['api']).success).toBe(true);
    const metric = groups.metricErrorEvents('worker', { period: Duration.minutes(1) });
    expect([metric.namespace, metric.metricName, metric.statistic, metric.period.toMinutes()]).toEqual([
      'Payments/Logs',
      `${groups.queryFolder}-worker-error-events`,
      'Sum',
      1,
    ]);
    expect(() => groups.metricErrorEvents('nope')).toThrow('ServiceLogGroups: no log group for "nope"; known: api, worker');
  });

  test('CollectorService is grantable: a workspace grants remote write to its task role', () => {
    const stack = stackIn();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const collector = new CollectorService(stack, 'Collector', {
      configFragments: ['receivers: {}'],
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      logGroup: new logs.LogGroup(stack, 'Logs'),
    });
    const ws = new PrometheusWorkspace(stack, 'Ws', { retentionDays: 30 });
    expect(ws.grantRemoteWrite(collector).success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^CollectorTaskRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'aps:RemoteWrite' })]) },
    });
    expect(collector.metricRunningTaskCount().dimensions).toEqual({
      ClusterName: collector.service.cluster.clusterName,
      ServiceName: collector.service.serviceName,
    });
  });
});

describe('AlertRouting with receivers of another routing tree', () => {
  test('SMS and the Watchdog alarm go to the critical receiver named; email to the receivers named', () => {
    const stack = stackIn();
    new AlertRouting(stack, 'Routing', {
      receivers: ['page', 'ticket', 'fyi', 'deadman'],
      watchdogReceiver: 'deadman',
      criticalReceiver: 'page',
      emailReceivers: ['ticket'],
      workspace: PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Ws', { workspaceId: 'ws-abc' }),
      destinations: { emails: ['a@example.com'], smsNumbers: ['+14155550100'] },
    });
    const t = Template.fromStack(stack);
    const subs = Object.values(t.findResources('AWS::SNS::Subscription')).map((r: any) => [
      r.Properties.Protocol,
      r.Properties.TopicArn.Ref,
    ]);
    expect(subs.sort()).toEqual([
      ['email', expect.stringMatching(/^RoutingTopicticket/)],
      ['sms', expect.stringMatching(/^RoutingTopicpage/)],
    ]);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^RoutingTopicpage') }] });
  });

  test('fails when the critical receiver named is not in the routing tree', () => {
    const stack = stackIn();
    expect(
      () =>
        new AlertRouting(stack, 'Routing', {
          receivers: ['ticket', 'deadman'],
          watchdogReceiver: 'deadman',
          criticalReceiver: 'page',
          workspace: PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Ws', { workspaceId: 'ws-abc' }),
        }),
    ).toThrow('AlertRouting: the routing tree has no "page" receiver; receivers are ticket, deadman');
  });
});

describe('DESIGN_GUIDELINES.md "Imports" and "Grants": fromWorkspaceArn, grant()', () => {
  test('fromWorkspaceArn takes the id, the environment and the endpoint region from the ARN (another account and region)', () => {
    const stack = stackIn();
    const ws = PrometheusWorkspace.fromWorkspaceArn(stack, 'Ws', 'arn:aws:aps:us-east-1:444455556666:workspace/ws-xyz');
    expect(ws.workspaceId).toBe('ws-xyz');
    expect(ws.env).toEqual({ account: '444455556666', region: 'us-east-1' });
    expect(stack.resolve(ws.queryUrl)).toEqual({
      'Fn::Join': ['', ['https://aps-workspaces.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/workspaces/ws-xyz/api/v1/query']],
    });
    ws.grantRemoteWrite(reader(stack));
    expect(statements(Template.fromStack(stack))).toEqual([
      expect.objectContaining({ Action: 'aps:RemoteWrite', Resource: 'arn:aws:aps:us-east-1:444455556666:workspace/ws-xyz' }),
    ]);
  });

  test('fails when the ARN names no workspace id', () => {
    expect(() => PrometheusWorkspace.fromWorkspaceArn(stackIn(), 'Ws', 'arn:aws:aps:us-east-1:444455556666:workspace')).toThrow(
      /names no workspace id/,
    );
  });

  test('grant(grantee, ...actions) scopes the given actions to the workspace ARN, on AMP and on AMG', () => {
    const stack = stackIn();
    const amp = PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Amp', { workspaceId: 'ws-abc' });
    const amg = GrafanaWorkspace.fromWorkspaceAttributes(stack, 'Amg', { workspaceId: 'g-abc', endpoint: 'g-abc.example' });
    const role = reader(stack);
    expect(amp.grant(role, 'aps:DescribeWorkspace').success).toBe(true);
    expect(amg.grant(role, 'grafana:DescribeWorkspace').success).toBe(true);
    const byAction = Object.fromEntries(statements(Template.fromStack(stack)).map((s: any) => [s.Action, stack.resolve(s.Resource)]));
    expect(byAction['aps:DescribeWorkspace']).toEqual(stack.resolve(amp.workspaceArn));
    expect(byAction['grafana:DescribeWorkspace']).toEqual(stack.resolve(amg.workspaceArn));
    expect(JSON.stringify(byAction)).not.toContain('"*"');
  });

  test('an imported Grafana workspace in another account and region grants on the ARN given', () => {
    const stack = stackIn();
    const arn = 'arn:aws:grafana:us-east-1:444455556666:/workspaces/g-abc';
    const amg = GrafanaWorkspace.fromWorkspaceAttributes(stack, 'Amg', {
      workspaceId: 'g-abc',
      endpoint: 'g-abc.example',
      workspaceArn: arn,
    });
    expect(amg.env).toEqual({ account: '444455556666', region: 'us-east-1' });
    amg.grantServiceAccounts(reader(stack));
    expect(statements(Template.fromStack(stack))).toEqual([expect.objectContaining({ Resource: arn })]);
  });
});
