import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { CollectorService, CollectorServiceProps } from '../../lib/constructs/collector-service';
import { Naming } from '../../lib/naming';

/** The construct alone in a bare stack with a VPC of its own. */
function collector(props: Partial<CollectorServiceProps> | ((stack: Stack) => Partial<CollectorServiceProps>) = {}): Template {
  const stack = new Stack(new App(), 'Bare');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  new CollectorService(stack, 'Collector', {
    names: Naming.of({ app: 'app', name: 'test' }),
    configFragments: ['receivers: {}', 'exporters: {}'],
    vpc,
    vpcCidr: '10.0.0.0/16',
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    logGroup: new logs.LogGroup(stack, 'Logs'),
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return Template.fromStack(stack);
}

describe('CollectorService, alone', () => {
  test('an ARM64 Fargate task whose configuration comes from SSM parameters, one --config=env: per fragment', () => {
    const t = collector();
    t.resourceCountIs('AWS::SSM::Parameter', 2);
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r) => r.Properties);
    expect(task.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    expect(task.Cpu).toBe('1024');
    expect(task.Memory).toBe('2048');
    const [container] = task.ContainerDefinitions;
    expect(container.Command.filter((c: string) => c.startsWith('--config='))).toEqual([
      expect.stringMatching(/^--config=env:/),
      expect.stringMatching(/^--config=env:/),
    ]);
    expect(container.Secrets).toHaveLength(2);
    // Never AOT_CONFIG_CONTENT (ADOT would ignore every --config).
    expect(JSON.stringify(container)).not.toContain('AOT_CONFIG_CONTENT');
    expect(t.toJSON()).toMatchSnapshot();
  });

  test('OTLP ingress only from the VPC CIDR, on the OTLP ports', () => {
    const t = collector();
    const [sg] = Object.values(t.findResources('AWS::EC2::SecurityGroup'))
      .map((r) => r.Properties)
      .filter((p) => p.SecurityGroupIngress);
    expect(sg.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort]).sort()).toEqual([
      ['10.0.0.0/16', 4317],
      ['10.0.0.0/16', 4318],
    ]);
  });

  test('replicas set the desired count; the OTLP auth header comes from Secrets Manager when named', () => {
    const t = collector((stack) => ({
      replicas: 2,
      otlpAuthSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'OtlpAuth', 'vendor/otlp-auth'),
    }));
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r) => r.Properties);
    expect(task.ContainerDefinitions[0].Secrets).toHaveLength(3);
    expect(JSON.stringify(task.ContainerDefinitions[0].Secrets)).toContain(':secret:vendor/otlp-auth');
  });

  test('fails when there is no configuration fragment', () => {
    expect(() => collector({ configFragments: [] })).toThrow('CollectorService: configFragments is empty');
  });
});
