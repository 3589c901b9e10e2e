import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeRoleDependsOn } from './cfn-lint';
import { ResourceNames } from './resource-names';

export interface PlatformNetworkProps {
  /** Physical names (the created VPC and its flow logs group). @default - names chosen by CloudFormation */
  readonly names?: ResourceNames;
  /** The platform's VPC, by id; no lookup happens at synth. @default - a minimal VPC is created */
  readonly existing?: {
    readonly vpcId: string;
    readonly vpcCidr: string;
    readonly availabilityZones: readonly string[];
    readonly privateSubnetIds: readonly string[];
  };
  /** Key of the created VPC's flow logs group. @default - no customer managed key */
  readonly flowLogsKey?: kms.IKey;
  /** Retention of the created VPC's flow logs. @default logs.RetentionDays.ONE_MONTH */
  readonly flowLogsRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How to give the collector the platform's network, said in the warning when a minimal VPC is created
   * (the app names its environment file's fields).
   * @default 'Pass `existing` (the VPC id, CIDR, availability zones and private subnet ids) to monitor the platform.'
   */
  readonly minimalVpcFix?: string;
}

/** The network the collector runs in: the platform's VPC imported by id, or a minimal one of its own. */
export class PlatformNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly vpcCidr: string;
  readonly privateSubnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: PlatformNetworkProps) {
    super(scope, id);
    if (props.existing) {
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: props.existing.vpcId,
        vpcCidrBlock: props.existing.vpcCidr,
        availabilityZones: [...props.existing.availabilityZones],
        privateSubnetIds: [...props.existing.privateSubnetIds],
      });
      this.vpcCidr = props.existing.vpcCidr;
      this.privateSubnets = { subnets: this.vpc.privateSubnets };
      for (const subnet of this.vpc.privateSubnets)
        Annotations.of(subnet).acknowledgeWarning(
          '@aws-cdk/aws-ec2:noSubnetRouteTableId',
          'Only the subnet ids are used (to place the collector tasks); nothing here reads or adds routes.',
        );
      return;
    }
    // Only by explicit opt-in (network.createMinimalVpc, see the environment
    // schema): nothing of the platform is reachable from here.
    Annotations.of(this).addWarningV2(
      'trading-observability:minimalVpc',
      `The collector runs in a VPC of its own: it can reach no service and no Cloud Map name, so it scrapes nothing and ServiceDown cannot fire. ${
        props.minimalVpcFix ?? 'Pass `existing` (the VPC id, CIDR, availability zones and private subnet ids) to monitor the platform.'
      }`,
    );
    // Two AZs, one NAT gateway: the collector needs egress to AMP, X-Ray and
    // the public ECR image; nothing is reachable from outside.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: props.names?.name('vpc'),
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    // The VPC's default security group is emptied by a custom resource
    // (ec2.Vpc's restrictDefaultSecurityGroup, on by cdk.json's feature flag),
    // whose handler is a function of one provider per stack, made by CDK's
    // core CustomResourceProvider. cfn-lint W3005 on it: CDK's DependsOn on
    // its role repeats its Role GetAtt (see acknowledgeRoleDependsOn).
    const restrictDefaultSg = Stack.of(vpc).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    const restrictDefaultSgHandler = restrictDefaultSg?.node.tryFindChild('Handler');
    if (restrictDefaultSgHandler) acknowledgeRoleDependsOn(restrictDefaultSgHandler);
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogsGroup', {
          logGroupName: props.names?.path('vpc-flow-logs'),
          retention: props.flowLogsRetention ?? logs.RetentionDays.ONE_MONTH,
          encryptionKey: props.flowLogsKey,
          removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
        }),
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    this.vpc = vpc;
    this.vpcCidr = vpc.vpcCidrBlock;
    this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  }
}
