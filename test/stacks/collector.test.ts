import { Match } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { ADOT_IMAGE } from '../../lib/render/collector-image';
import { createHash } from 'crypto';
import { FEATURE_GATES } from '../contracts/adot';
import { contractProblems } from '../contracts/adot-checks';
import { resolveJoin, resourcesOf, synth } from '../helpers';
import { collectorConfigOf } from './collector-config-of';

const OTLP = { endpoint: 'https://otlp.vendor.example', authHeader: 'Authorization', authSecretName: 'vendor/otlp-key' };
/** Prod with other exporters, and without auto scaling (its EMF grant is test/stacks/scaling.test.ts's). */
const exporters = (x: Partial<EnvironmentConfig['exporters']>) => (e: EnvironmentConfig) => ({
  ...e,
  exporters: { ...e.exporters, otlp: OTLP, ...x },
  collector: { ...e.collector, autoScaling: undefined },
  scaling: {},
});

function taskRoleStatements(json: Record<string, any>) {
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith('CollectorTaskRole'))
    .flatMap(([, p]) => p.PolicyDocument.Statement);
}
function executionRoleStatements(json: Record<string, any>) {
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith('CollectorTaskExecutionRole'))
    .flatMap(([, p]) => p.PolicyDocument.Statement);
}
const actions = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

describe('collector on ECS Fargate (prod)', () => {
  const { template, json } = synth('prod');

  test('runs the pinned ADOT image with its configuration from SSM, a health check and no public IP', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'trading-observability-prod-otel-collector',
      Cpu: '1024',
      Memory: '2048',
      ContainerDefinitions: [
        Match.objectLike({
          Image: ADOT_IMAGE,
          Command: [
            '--config=env:OTEL_CONFIG_PART_1',
            '--config=env:OTEL_CONFIG_PART_2',
            '--config=env:OTEL_CONFIG_PART_3',
            '--config=env:OTEL_CONFIG_PART_4',
            '--feature-gates=exporter.prometheusremotewritexporter.RetryOn429',
          ],
          Environment: [
            { Name: 'OTEL_CONFIG_SHA256', Value: Match.stringLikeRegexp('^[0-9a-f]{64}$') },
            { Name: 'OTEL_CONFIG_INPUTS', Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
          ],
          Secrets: [1, 2, 3, 4].map((i) => ({
            Name: `OTEL_CONFIG_PART_${i}`,
            ValueFrom: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          })),
          HealthCheck: Match.objectLike({ Command: ['CMD', '/healthcheck'] }),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Match.stringLikeRegexp('^/trading-observability/prod/otel-collector/config-[0-9a-f]{12}$'),
      Tier: 'Advanced',
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      // Auto scaling owns the count (test/stacks/scaling.test.ts).
      DesiredCount: Match.absent(),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
    template.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 'otel-collector' });
  });

  test("the configuration in the template, as ADOT resolves and merges the task's --config sources, is complete and fits the pinned release", () => {
    const cfg = collectorConfigOf(json);
    expect(Object.keys(cfg.service.pipelines)).toEqual([
      'metrics/scraped',
      'metrics/pushed',
      'metrics/self',
      'metrics/scaling',
      'metrics/queue',
      'traces',
    ]);
    for (const pipe of Object.values<any>(cfg.service.pipelines))
      for (const section of ['receivers', 'processors', 'exporters']) for (const c of pipe[section]) expect(cfg[section][c]).toBeDefined();
    expect(contractProblems(cfg)).toEqual([]);
    expect(cfg.exporters['prometheus_remote_write/scraped'].endpoint).toMatch(
      /^getatt-Prometheus.*PrometheusEndpoint.*api\/v1\/remote_write$/,
    );
  });

  test('every feature gate on the command line is registered in the pinned release, and AMP throttling (429) is retried', () => {
    const [[, task]] = resourcesOf(json, 'AWS::ECS::TaskDefinition').filter(([id]) => id.startsWith('CollectorTask'));
    const gates = (task.ContainerDefinitions[0].Command as string[])
      .filter((a) => a.startsWith('--feature-gates='))
      .flatMap((a) => a.slice('--feature-gates='.length).split(','));
    expect(gates.filter((g) => !(g in FEATURE_GATES))).toEqual([]);
    expect(gates).toContain('exporter.prometheusremotewritexporter.RetryOn429');
  });

  test('a configuration change makes a new task definition (ECS reads SSM secrets only at task start)', () => {
    const hashOf = (j: any) => {
      const [[, task]] = resourcesOf(j, 'AWS::ECS::TaskDefinition').filter(([id]) => id.startsWith('CollectorTask'));
      const container = task.ContainerDefinitions[0];
      const params = Object.fromEntries(resourcesOf(j, 'AWS::SSM::Parameter').map(([id, p]) => [id, p.Value]));
      // The parameters' values in the order of the task's --config sources, as the template holds them.
      const values = container.Secrets.filter((x: any) => x.Name.startsWith('OTEL_CONFIG_PART_')).map(
        (x: any) => params[JSON.stringify(x.ValueFrom).match(/"Ref":"(CollectorConfig\d*[A-F0-9]{8})"/)![1]],
      );
      const env = container.Environment.find((e: any) => e.Name === 'OTEL_CONFIG_SHA256').Value;
      return { env, expected: createHash('sha256').update(JSON.stringify(values)).digest('hex') };
    };
    const prod = hashOf(json);
    expect(prod.env).toBe(prod.expected);
    expect(hashOf(synth('staging').json).env).not.toBe(prod.env);
  });

  test('a configuration change writes new parameters under new names, so a rolled-back task definition still reads its own', () => {
    // An ECS circuit-breaker rollback starts the previous task definition; with one parameter updated in place it read
    // the new configuration. CloudFormation deletes the old parameters only after the update succeeds.
    const configNames = (j: any) =>
      resourcesOf(j, 'AWS::SSM::Parameter')
        .filter(([id]) => id.startsWith('CollectorConfig'))
        .map(([, p]) => p.Name as string);
    const before = configNames(json);
    const after = configNames(synth('prod', (e) => ({ ...e, scrapeIntervalSeconds: 30 })).json);
    expect(before.every((n) => /^\/trading-observability\/prod\/otel-collector\/config-[0-9a-f]{12}(-\d+)?$/.test(n))).toBe(true);
    expect(after.filter((n) => before.includes(n))).toEqual([]);
  });

  test("a change only in a deploy-time value the configuration holds (AMP's endpoint) makes a new task definition too", () => {
    // OTEL_CONFIG_SHA256 hashes the template's intrinsics, which stay the same when the value they resolve to changes.
    const [[, task]] = resourcesOf(json, 'AWS::ECS::TaskDefinition').filter(([id]) => id.startsWith('CollectorTask'));
    const inputs = task.ContainerDefinitions[0].Environment.find((e: any) => e.Name === 'OTEL_CONFIG_INPUTS');
    expect(JSON.stringify(inputs?.Value)).toMatch(/"Fn::GetAtt":\["Prometheus[0-9A-F]{8}","PrometheusEndpoint"\]/);
  });

  test('accepts OTLP only from the VPC', () => {
    const [[, sg]] = resourcesOf(json, 'AWS::EC2::SecurityGroup').filter(([id]) => id.startsWith('CollectorSecurityGroup'));
    expect(sg.SecurityGroupIngress.map((r: any) => [r.FromPort, r.CidrIp])).toEqual([
      [4317, { 'Fn::GetAtt': [expect.stringMatching(/^NetworkVpc/), 'CidrBlock'] }],
      [4318, { 'Fn::GetAtt': [expect.stringMatching(/^NetworkVpc/), 'CidrBlock'] }],
    ]);
  });

  test('the task role may only remote-write to this workspace, send traces and write the scaling signals', () => {
    const statements = taskRoleStatements(json);
    expect(actions(statements)).toEqual([
      'aps:RemoteWrite',
      // The scaling signals' log group only (test/stacks/scaling.test.ts).
      'logs:CreateLogStream',
      'logs:DescribeLogStreams',
      'logs:PutLogEvents',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(statements.find((s: any) => s.Action === 'aps:RemoteWrite').Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^Prometheus/), 'Arn'],
    });
  });

  test('the execution role reads only its own configuration parameter', () => {
    const statements = executionRoleStatements(json);
    const ssmRead = statements.filter((s: any) => actions([s]).some((a) => a.startsWith('ssm:')));
    expect(ssmRead).toHaveLength(1);
    expect(JSON.stringify(ssmRead[0].Resource)).toMatch(/"Ref":"CollectorConfig[0-9A-F]+"/);
    expect(actions(statements).some((a) => a.startsWith('secretsmanager:'))).toBe(false);
  });

  test("publishes each service's OTEL_* settings in SSM", () => {
    for (const service of ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher']) {
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/trading-observability/prod/otel/${service}/OTEL_SERVICE_NAME`,
        Value: service,
      });
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/trading-observability/prod/otel/${service}/OTEL_EXPORTER_OTLP_ENDPOINT`,
        Value: 'http://otel-collector.trading-observability-prod.internal:4318',
      });
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/trading-observability/prod/otel/${service}/OTEL_RESOURCE_ATTRIBUTES`,
        Value: Match.stringLikeRegexp('deployment.environment=prod'),
      });
    }
  });

  test('a VPC of its own has private subnets, one NAT gateway and flow logs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });

  test("the VPC's default security group is stripped of its rules (cdk.json's recommended flags reach the tests)", () => {
    // @aws-cdk/aws-ec2:restrictDefaultSecurityGroup, set in cdk.json: a test that
    // synthesized without cdk.json's context would see no such resource.
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {
      DefaultSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkVpc'), 'DefaultSecurityGroup'] },
    });
  });
});

describe('switching exporters changes only configuration, permissions and secrets', () => {
  test('metrics to CloudWatch: no AMP write, EMF log group writes instead', () => {
    const { json } = synth('prod', exporters({ metrics: 'cloudwatch' }));
    const statements = taskRoleStatements(json);
    expect(actions(statements)).not.toContain('aps:RemoteWrite');
    const logsStmt = statements.find((s: any) => [s.Action].flat().includes('logs:PutLogEvents'));
    expect(logsStmt.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EmfLogs/), 'Arn'] });
  });

  test('metrics and traces to an OTLP vendor: no AWS telemetry permissions; the execution role reads the auth secret', () => {
    const { json, template } = synth('prod', exporters({ metrics: 'otlp', traces: 'otlp' }));
    expect(taskRoleStatements(json)).toEqual([]);
    const secretRead = executionRoleStatements(json).find((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(resolveJoin(secretRead.Resource)).toMatch(/:secret:vendor\/otlp-key-\?\?\?\?\?\?$/);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Secrets: Match.arrayWith([Match.objectLike({ Name: 'OTLP_AUTH_HEADER' })]) })],
    });
  });

  test('traces "none": no X-Ray permissions', () => {
    const { json } = synth('prod', exporters({ traces: 'none' }));
    expect(actions(taskRoleStatements(json))).toEqual(['aps:RemoteWrite']);
  });

  test('ECS discovery: the task role reads tasks of that one cluster', () => {
    const { json } = synth('prod', (e) => ({
      ...e,
      discovery: { mode: 'ecs', clusterName: 'trading', serviceLabel: 'com.trading.service' },
    }));
    const list = taskRoleStatements(json).find((s: any) => [s.Action].flat().includes('ecs:ListTasks'));
    expect(resolveJoin(list.Condition.ArnEquals['ecs:cluster'])).toBe('arn:aws:ecs:eu-west-1:123456789012:cluster/trading');
  });

  test("the platform's network, imported by id, replaces the VPC of its own, without warnings", () => {
    const { json, template, warnings } = synth('prod', (e) => ({
      ...e,
      network: {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidr: '10.20.0.0/16',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      },
    }));
    template.resourceCountIs('AWS::EC2::VPC', 0);
    expect(warnings).toEqual([]);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ Subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] }),
      },
    });
    const [[, sg]] = resourcesOf(json, 'AWS::EC2::SecurityGroup').filter(([id]) => id.startsWith('CollectorSecurityGroup'));
    expect(sg.SecurityGroupIngress.map((r: any) => r.CidrIp)).toEqual(['10.20.0.0/16', '10.20.0.0/16']);
  });
});
