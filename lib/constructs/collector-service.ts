import { createHash } from 'crypto';
import { Aws, Duration, Fn, Lazy, Stack, Token, Tokenization, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import {
  ADOT_IMAGE,
  collectorFlags,
  CONFIG_ENV_PREFIX,
  HEALTH_CHECK_PORT,
  OTLP_AUTH_ENV,
  OTLP_GRPC_PORT,
  OTLP_HTTP_PORT,
} from '../render/collector-image';
import { containerInsightsMetric } from './container-insights';
import { requiredName, ResourceNames } from './resource-names';

export interface CollectorServiceProps {
  /** Physical names (SSM parameters, cluster, task family, service, namespace). @default - names chosen by CloudFormation */
  readonly names?: ResourceNames;
  /**
   * The Cloud Map private DNS namespace the collector is found in (`otel-collector.<namespaceName>`).
   * @default - `<names.prefix>.internal`, or a name unique in the stack
   */
  readonly namespaceName?: string;
  /**
   * The rendered collector configuration, in fragments the collector merges
   * (see collectorConfigFragments); each is delivered through an SSM parameter.
   */
  readonly configFragments: readonly string[];
  /** The VPC the tasks run in. */
  readonly vpc: ec2.IVpc;
  /** The VPC's CIDR: OTLP is accepted from it only. @default - the VPC's `vpcCidrBlock` */
  readonly vpcCidr?: string;
  /** Subnets of the tasks. @default - the VPC's private subnets */
  readonly subnets?: ec2.SubnetSelection;
  /** Run in this cluster (e.g. the platform's). @default - a cluster with Container Insights */
  readonly cluster?: ecs.ICluster;
  /** @default 1 */
  readonly replicas?: number;
  /** @default 1024 */
  readonly cpu?: number;
  /** @default 2048 */
  readonly memoryMiB?: number;
  /** The collector's own log group. */
  readonly logGroup: logs.ILogGroup;
  /** Secret whose value is the OTLP vendor's auth header. @default - none */
  readonly otlpAuthSecret?: secretsmanager.ISecret;
  /** Let the collector write traces to X-Ray. @default false */
  readonly xray?: boolean;
  /** Log group the awsemf exporter writes to. @default - none */
  readonly emfLogGroup?: logs.ILogGroup;
  /** Log group the scaling signals' awsemf exporter writes to (see PlatformServiceScaling). @default - none */
  readonly scalingLogGroup?: logs.ILogGroup;
  /**
   * Scale between `replicas` and `maxReplicas` tasks on the service's average
   * CPU (target tracking). The task count is then Application Auto Scaling's:
   * the template sets no DesiredCount, so a deploy never resets it.
   * @default - a fixed `replicas`
   */
  readonly autoScaling?: CollectorAutoScaling;
  /** The cluster ecs_observer discovers the platform's tasks in. @default - no ECS discovery */
  readonly ecsDiscoveryCluster?: ecs.ICluster;
}

/** How the collector scales itself (see CollectorServiceProps.autoScaling). */
export interface CollectorAutoScaling {
  readonly maxReplicas: number;
  /** @default 60 */
  readonly cpuTargetPercent?: number;
  /** @default 3 minutes: longer than a new task takes to start and count in the CPU average */
  readonly scaleOutCooldown?: Duration;
  /** Remove a task when the average CPU has stayed under this. @default half of cpuTargetPercent */
  readonly scaleInBelowPercent?: number;
  /** ...for this many minutes. @default 15 */
  readonly scaleInAfterMinutes?: number;
  /** @default 10 minutes */
  readonly scaleInCooldown?: Duration;
  /**
   * The largest exporter queue of the collector's tasks (batches waiting): while it is above 0 no task is removed, as
   * a task stopped while its destination does not answer loses what it holds. @default - scale-in on CPU alone
   */
  readonly queueMetric?: cloudwatch.IMetric;
}

/** The environment variables that carry the configuration fragments, in order. */
export function collectorConfigVariables(fragments: number): string[] {
  return Array.from({ length: fragments }, (_, i) => `${CONFIG_ENV_PREFIX}${i + 1}`);
}

/** Seconds ECS waits after SIGTERM before it kills the collector: Fargate's maximum. */
export const STOP_TIMEOUT_SECONDS = 120;

/** The Cloud Map service name of the collector. */
export const COLLECTOR_DNS_NAME = 'otel-collector';

/**
 * The collector's health as CloudWatch metrics, what MonitoringHealth alarms
 * on; CollectorService implements it.
 */
export interface ICollectorService extends IConstruct, iam.IGrantable {
  /** The service's CPU utilization (AWS/ECS). */
  metricCpuUtilization(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** The service's memory utilization (AWS/ECS). */
  metricMemoryUtilization(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Tasks running (Container Insights, ECS/ContainerInsights). */
  metricRunningTaskCount(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Tasks desired (Container Insights, ECS/ContainerInsights). */
  metricDesiredTaskCount(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * The ADOT collector on ECS Fargate: configuration from an SSM parameter,
 * private subnets without public IPs, OTLP only from the VPC, a health check
 * on the health_check extension, rollback on failed deployments, and a Cloud
 * Map name the platform's services send OTLP to.
 */
export class CollectorService extends Construct implements ICollectorService {
  readonly service: ecs.FargateService;
  readonly taskRole: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  /** Every fragment's parameter (one for the platform's four services). */
  readonly configParameters: readonly ssm.StringParameter[];
  readonly namespace: servicediscovery.PrivateDnsNamespace;
  /** e.g. otel-collector.trading-observability-prod.internal */
  readonly endpointHost: string;
  /** The OTLP/HTTP endpoint services send to, e.g. http://otel-collector.trading-observability-prod.internal:4318 */
  readonly otlpHttpEndpoint: string;
  readonly grantPrincipal: iam.IPrincipal;
  /** The service's scalable task count, when it scales itself. */
  readonly scaling?: ecs.ScalableTaskCount;
  /** The alarm that removes a task (scale-in), when it scales itself. */
  readonly scaleInAlarm?: cloudwatch.Alarm;

  /** The collector's DNS name in a namespace, known before the service exists. */
  static endpointHostIn(namespaceName: string): string {
    return `${COLLECTOR_DNS_NAME}.${namespaceName}`;
  }

  /** The collector's OTLP/HTTP endpoint in a namespace, known before the service exists. */
  static otlpHttpEndpointIn(namespaceName: string): string {
    return `http://${CollectorService.endpointHostIn(namespaceName)}:${OTLP_HTTP_PORT}`;
  }

  constructor(scope: Construct, id: string, props: CollectorServiceProps) {
    super(scope, id);
    const names = props.names;
    const label = names?.prefix ?? this.node.path;

    if (props.configFragments.length === 0) throw new Error('CollectorService: configFragments is empty');
    // The configuration as synthesized (CloudFormation intrinsics, not token numbers), hashed once.
    let hash: string | undefined;
    const configHash = () =>
      (hash ??= createHash('sha256')
        .update(JSON.stringify(Stack.of(this).resolve(props.configFragments)))
        .digest('hex'));
    // Named by that hash: a change writes new parameters (the old ones go only once the update succeeded), so a task
    // definition, the one an ECS circuit-breaker rollback starts included, always reads the configuration it was made with.
    this.configParameters = props.configFragments.map(
      (fragment, i) =>
        new ssm.StringParameter(this, i === 0 ? 'Config' : `Config${i + 1}`, {
          parameterName:
            names &&
            Lazy.string({
              produce: () => names.path('otel-collector', `config-${configHash().slice(0, 12)}${i === 0 ? '' : `-${i + 1}`}`),
            }),
          // A path (it begins with '/') given as a token: say so for its ARN.
          simpleName: names ? false : undefined,
          stringValue: fragment,
          description: `ADOT collector configuration of ${label}${props.configFragments.length > 1 ? ` (part ${i + 1}/${props.configFragments.length})` : ''}`,
          // Larger than a standard parameter's 4 KB; an advanced one holds 8 KB.
          tier: ssm.ParameterTier.ADVANCED,
        }),
    );

    const cluster =
      props.cluster ??
      new ecs.Cluster(this, 'Cluster', {
        clusterName: names?.name('collector'),
        vpc: props.vpc,
        containerInsightsV2: ecs.ContainerInsights.ENABLED,
      });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `ADOT collector of ${label}`,
    });
    this.grantPrincipal = this.taskRole;
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      family: names?.name('otel-collector'),
      cpu: props.cpu ?? 1024,
      memoryLimitMiB: props.memoryMiB ?? 2048,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The plain environment variables are OTEL_CONFIG_SHA256, a hash of the configuration, and OTEL_CONFIG_INPUTS, the deploy-time values it holds (endpoints, names; no secret): they make a configuration change roll the service; the configuration itself and every secret come from SSM and Secrets Manager.',
    });
    // Never AOT_CONFIG_CONTENT: when it exists ADOT ignores every --config.
    // Under other names, each --config=env:NAME is read and the collector merges them.
    // @see test/contracts/adot.ts CONFIG_RESOLUTION
    const configVariables = collectorConfigVariables(this.configParameters.length);
    const deployTimeValues = props.configFragments.flatMap((f) => Tokenization.reverseString(f).tokens.map((t) => Token.asString(t)));
    const secrets: Record<string, ecs.Secret> = Object.fromEntries(
      this.configParameters.map((p, i) => [configVariables[i], ecs.Secret.fromSsmParameter(p)]),
    );
    if (props.otlpAuthSecret) secrets[OTLP_AUTH_ENV] = ecs.Secret.fromSecretsManager(props.otlpAuthSecret);
    task.addContainer('collector', {
      containerName: 'otel-collector',
      image: ecs.ContainerImage.fromRegistry(ADOT_IMAGE),
      command: [...configVariables.map((v) => `--config=env:${v}`), ...collectorFlags()],
      secrets,
      // ECS reads secrets only when a task starts, and an SSM value change alone leaves the task definition as it
      // was, so a new configuration would reach no running task. Its hash here makes every configuration change a new
      // task definition revision, hence a rolling deployment (and a rollback restores a matching pair).
      // Hashed as resolved at synth (CloudFormation intrinsics, not token numbers), so only a real change moves it.
      environment: {
        OTEL_CONFIG_SHA256: Lazy.string({ produce: configHash }),
        // The deploy-time values the configuration holds (AMP's endpoint, ...): the hash above sees only the
        // intrinsics that produce them, so a new value alone would otherwise leave the task definition as it was.
        ...(deployTimeValues.length > 0 ? { OTEL_CONFIG_INPUTS: Fn.join(' ', deployTimeValues) } : {}),
      },
      essential: true,
      // On SIGTERM (a scale-in, a deployment) the collector stops its receivers and its exporters send what their
      // queues hold before it exits; Fargate's longest grace, so a queue that is draining is not cut short.
      // @see test/contracts/application-autoscaling.ts FARGATE_STOP_TIMEOUT
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'otel-collector' }),
      portMappings: [OTLP_GRPC_PORT, OTLP_HTTP_PORT, HEALTH_CHECK_PORT].map((containerPort) => ({ containerPort })),
      // /healthcheck is in the image and GETs 127.0.0.1:13133/ by default.
      // @see test/contracts/adot.ts IMAGE
      healthCheck: {
        command: ['CMD', '/healthcheck'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'ADOT collector: OTLP from the VPC; out to AMP, X-Ray and scrape targets',
      allowAllOutbound: true,
    });
    for (const port of [OTLP_GRPC_PORT, OTLP_HTTP_PORT]) {
      this.securityGroup.addIngressRule(
        ec2.Peer.ipv4(props.vpcCidr ?? props.vpc.vpcCidrBlock),
        ec2.Port.tcp(port),
        `OTLP from the VPC (${port})`,
      );
    }

    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        "The only ingress CIDR is the VPC's own (an intrinsic when the VPC is created here, which the rule cannot evaluate); never 0.0.0.0/0.",
    });

    const namespaceName = props.namespaceName ?? `${requiredName(this, names).toLowerCase()}.internal`;
    this.namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
      name: namespaceName,
      vpc: props.vpc,
      description: `Service discovery of ${label}'s collector`,
    });
    this.endpointHost = CollectorService.endpointHostIn(namespaceName);
    this.otlpHttpEndpoint = CollectorService.otlpHttpEndpointIn(namespaceName);

    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: names?.name('otel-collector'),
      cluster,
      taskDefinition: task,
      // Omitted when auto scaling owns the count: CloudFormation then keeps the running count on update (and starts one
      // task on create, which the scalable target's minimum raises). @see test/contracts/ecs.ts DESIRED_COUNT
      desiredCount: props.autoScaling ? undefined : (props.replicas ?? 1),
      assignPublicIp: false,
      vpcSubnets: props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      cloudMapOptions: {
        name: COLLECTOR_DNS_NAME,
        cloudMapNamespace: this.namespace,
        dnsRecordType: servicediscovery.DnsRecordType.A,
        dnsTtl: Duration.seconds(10),
      },
    });

    const wildcardReasons: string[] = [];
    if (props.xray) {
      this.taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
          resources: ['*'],
        }),
      );
      wildcardReasons.push('X-Ray PutTraceSegments, PutTelemetryRecords and the sampling APIs support no resource-level permissions.');
    }
    const emfGroups = [props.emfLogGroup, props.scalingLogGroup].filter((g): g is logs.ILogGroup => g !== undefined);
    if (emfGroups.length > 0) {
      this.taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: emfGroups.map((g) => g.logGroupArn),
        }),
      );
    }
    if (props.autoScaling) {
      const a = props.autoScaling;
      const replicas = props.replicas ?? 1;
      if (a.maxReplicas < replicas)
        throw new Error(`CollectorService: autoScaling.maxReplicas (${a.maxReplicas}) is below replicas (${replicas})`);
      this.scaling = this.service.autoScaleTaskCount({ minCapacity: replicas, maxCapacity: a.maxReplicas });
      // CPU, not memory or the queue: the OTLP pushes spread over the tasks (Cloud Map A records), every task scrapes
      // every target, and the queue fills when AMP does not answer, which no task count changes. @see docs/scaling.md
      const target = a.cpuTargetPercent ?? 60;
      // Out by target tracking; in by a step of one task, only after the CPU has stayed under a lower threshold: the
      // band between the two keeps a load that swings around the target from adding and removing tasks in turn
      // (target tracking's own scale-in fires just under the target). Replayed in test/scaling/replay.test.ts.
      this.scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: target,
        scaleOutCooldown: a.scaleOutCooldown ?? Duration.minutes(3),
        disableScaleIn: true,
      });
      const scaleIn = new appscaling.StepScalingAction(this, 'ScaleIn', {
        scalingTarget: this.scaling,
        adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        metricAggregationType: appscaling.MetricAggregationType.AVERAGE,
        cooldown: a.scaleInCooldown ?? Duration.minutes(10),
      });
      scaleIn.addAdjustment({ upperBound: 0, adjustment: -1 });
      const minutes = a.scaleInAfterMinutes ?? 15;
      this.scaleInAlarm = new cloudwatch.Alarm(this, 'ScaleInAlarm', {
        alarmDescription: `Collector CPU under ${a.scaleInBelowPercent ?? target / 2} % for ${minutes} minutes: one task fewer (auto scaling, not a page)`,
        metric: a.queueMetric
          ? new cloudwatch.MathExpression({
              // A queue holding batches reads as 100 % (no scale-in); no queue data reads as empty.
              expression: 'IF(FILL(queue, 0) > 0, 100, cpu)',
              usingMetrics: {
                cpu: this.metricCpuUtilization({ period: Duration.minutes(1), statistic: 'Average' }),
                queue: a.queueMetric,
              },
              label: 'CPU, or 100 while a queue holds batches',
              period: Duration.minutes(1),
            })
          : this.metricCpuUtilization({ period: Duration.minutes(1), statistic: 'Average' }),
        threshold: a.scaleInBelowPercent ?? target / 2,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: minutes,
        datapointsToAlarm: minutes,
        // No data (no task running, a metrics gap) is no reason to remove a task.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.scaleInAlarm.addAlarmAction(new cloudwatchActions.ApplicationScalingAction(scaleIn));
    }
    if (props.ecsDiscoveryCluster) wildcardReasons.push(this.grantEcsDiscovery(props.ecsDiscoveryCluster.clusterName));
    // One acknowledgement per finding id: the reasons of every grant that needs `*`.
    if (wildcardReasons.length > 0)
      Validations.of(this.taskRole).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: wildcardReasons.join(' ') });
  }

  metricCpuUtilization(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricCpuUtilization(options);
  }

  metricMemoryUtilization(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricMemoryUtilization(options);
  }

  metricRunningTaskCount(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return containerInsightsMetric(this.service.cluster.clusterName, this.service.serviceName, 'RunningTaskCount', options);
  }

  metricDesiredTaskCount(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return containerInsightsMetric(this.service.cluster.clusterName, this.service.serviceName, 'DesiredTaskCount', options);
  }

  /**
   * ecs_observer reads the platform's tasks: list/describe in that cluster,
   * task definitions and instances. Returns why `Resource::*` remains.
   */
  private grantEcsDiscovery(clusterName: string): string {
    const clusterArn = `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:cluster/${clusterName}`;
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:ListTasks', 'ecs:ListServices'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
      }),
    );
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeTasks'],
        resources: [`arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${clusterName}/*`],
      }),
    );
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:DescribeContainerInstances'],
        resources: [
          `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:service/${clusterName}/*`,
          `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:container-instance/${clusterName}/*`,
        ],
      }),
    );
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecs:DescribeTaskDefinition', 'ec2:DescribeInstances'], resources: ['*'] }),
    );
    for (const kind of ['task', 'service', 'container-instance']) {
      Validations.of(this.taskRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:${kind}/${clusterName}/*]`,
        reason: `ecs_observer describes the ${kind}s of the platform's one cluster, whose ids it cannot know in advance.`,
      });
    }
    return 'ecs_observer: ListTasks/ListServices are limited to one cluster by the ecs:cluster condition; DescribeTaskDefinition and ec2:DescribeInstances support no resource-level permissions.';
  }
}
