import { Duration, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { containerInsightsMetric } from './container-insights';

export interface PlatformServiceScalingProps {
  /** The ECS cluster the service runs in (by name: imported, not owned). */
  readonly clusterName: string;
  /** The ECS service's name. */
  readonly serviceName: string;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** The signal target tracking keeps at `targetValue`: a CloudWatch metric with its statistic, period one minute. */
  readonly signal: cloudwatch.Metric;
  /**
   * Track the signal divided by the service's running tasks (Container
   * Insights' RunningTaskCount of the service, so the cluster must have
   * Container Insights on). @default false
   */
  readonly perTask?: boolean;
  readonly targetValue: number;
  /** @default 1 minute */
  readonly scaleOutCooldown?: Duration;
  /** @default 5 minutes */
  readonly scaleInCooldown?: Duration;
}

/**
 * Application Auto Scaling of a platform ECS service this stack observes but
 * does not own: a scalable target on its desired count between min and max,
 * and a target tracking policy on a signal the collector carries to
 * CloudWatch (optionally per running task, by metric math).
 *
 * Uses the ECS service-linked role, as `BaseService.autoScaleTaskCount` does,
 * so no role is created.
 */
export class PlatformServiceScaling extends Construct {
  readonly scalableTarget: appscaling.ScalableTarget;
  readonly policy: appscaling.CfnScalingPolicy;
  private readonly props: PlatformServiceScalingProps;

  constructor(scope: Construct, id: string, props: PlatformServiceScalingProps) {
    super(scope, id);
    this.props = props;
    if (props.minTasks > props.maxTasks)
      throw new Error(`PlatformServiceScaling: minTasks (${props.minTasks}) is above maxTasks (${props.maxTasks})`);
    if (props.perTask && props.minTasks < 1) throw new Error('PlatformServiceScaling: a per-task signal needs minTasks of 1 or more');
    const role = iam.Role.fromRoleArn(
      this,
      'ScalingRole',
      Stack.of(this).formatArn({
        region: '',
        service: 'iam',
        resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
        resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
      }),
    );
    this.scalableTarget = new appscaling.ScalableTarget(this, 'Target', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      resourceId: `service/${props.clusterName}/${props.serviceName}`,
      scalableDimension: 'ecs:service:DesiredCount',
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks,
      role,
    });
    // L1: the L2 TargetTrackingScalingPolicy takes direct metrics only, and a per-task signal is metric math.
    this.policy = new appscaling.CfnScalingPolicy(this, 'Policy', {
      policyName: `${props.serviceName}-${props.signal.metricName}`.slice(0, 256),
      policyType: 'TargetTrackingScaling',
      scalingTargetId: this.scalableTarget.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.targetValue,
        scaleOutCooldown: (props.scaleOutCooldown ?? Duration.minutes(1)).toSeconds(),
        scaleInCooldown: (props.scaleInCooldown ?? Duration.minutes(5)).toSeconds(),
        customizedMetricSpecification: props.perTask ? this.perTaskSpecification() : this.directSpecification(),
      },
    });
  }

  /** The signal as the policy tracks it (before any division by tasks). */
  metricSignal(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.props.signal.with(options ?? {});
  }

  /** Tasks running (Container Insights, ECS/ContainerInsights). */
  metricRunningTaskCount(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return containerInsightsMetric(this.props.clusterName, this.props.serviceName, 'RunningTaskCount', options);
  }

  /** Tasks desired (Container Insights, ECS/ContainerInsights): each scaling activity is a step of it. */
  metricDesiredTaskCount(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return containerInsightsMetric(this.props.clusterName, this.props.serviceName, 'DesiredTaskCount', options);
  }

  private metricStat(metric: cloudwatch.Metric) {
    const c = metric.toMetricConfig().metricStat!;
    return {
      metric: {
        namespace: c.namespace,
        metricName: c.metricName,
        dimensions: (c.dimensions ?? []).map((d) => ({ name: d.name, value: String(d.value) })),
      },
      stat: c.statistic,
    };
  }

  private directSpecification(): appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty {
    const { metric, stat } = this.metricStat(this.props.signal);
    return { ...metric, statistic: stat };
  }

  /** signal / running tasks, by metric math (TargetTrackingMetricDataQuery). */
  private perTaskSpecification(): appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty {
    return {
      metrics: [
        { id: 'signal', metricStat: this.metricStat(this.props.signal), returnData: false },
        { id: 'tasks', metricStat: this.metricStat(this.metricRunningTaskCount()), returnData: false },
        // A service with no running task reports no RunningTaskCount, so this has no value then: a per-task signal
        // needs minTasks >= 1 (lib/model/scaling.ts refuses 0).
        { id: 'per_task', expression: 'signal / tasks', label: 'Signal per running task', returnData: true },
      ],
    };
  }
}
