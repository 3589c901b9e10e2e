/**
 * Facts about Application Auto Scaling (target tracking and step scaling of an
 * ECS service's desired count), and the neighbouring ECS and AMP facts the
 * scaling design depends on, each with its source. Read 2026-12-07. A fact no
 * AWS documentation states (only observations of the alarms AAS creates) is
 * marked UNCONFIRMED, with what test/scaling/target-tracking.ts assumes.
 */

/** Sources, cited by the facts below. */
export const SOURCES = {
  targetTracking:
    'Application Auto Scaling user guide, "Target tracking scaling policies for Application Auto Scaling" (Considerations, Cooldown period, Supporting application availability during high utilization periods), awsdocs/application-auto-scaling-user-guide@04798a9f7b18bda27a43c0b9d0650db335308565:doc_source/application-auto-scaling-target-tracking.md, read in full (the archived source of the guide); current pages https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html and https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html (their stored openings carry the same sentences)',
  stepScaling:
    'Application Auto Scaling user guide, "Step scaling policies for Application Auto Scaling", awsdocs/application-auto-scaling-user-guide@04798a9f7b18bda27a43c0b9d0650db335308565:doc_source/application-auto-scaling-step-scaling-policies.md, read in full; current page https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html',
  metricMath:
    'Application Auto Scaling user guide, "Create a target tracking scaling policy for Application Auto Scaling using metric math", awsdocs/application-auto-scaling-user-guide@82ba0216b88a55034272755985dc5936761fef71:doc_source/application-auto-scaling-target-tracking-metric-math.md; current page https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html',
  targetTrackingApi:
    'Application Auto Scaling API reference, TargetTrackingScalingPolicyConfiguration, https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html',
  stepScalingApi:
    'Application Auto Scaling API reference, StepScalingPolicyConfiguration, https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html (and the CloudFormation AWS::ApplicationAutoScaling::ScalingPolicy StepScalingPolicyConfiguration page, same wording)',
  registerScalableTarget:
    'Application Auto Scaling API reference, RegisterScalableTarget, https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html',
  cdkDefaults:
    'aws/aws-cdk@v2.276.0:packages/aws-cdk-lib/aws-applicationautoscaling/lib/target-tracking-scaling-policy.ts (BaseTargetTrackingProps scaleInCooldown/scaleOutCooldown @default), read in node_modules/aws-cdk-lib 2.276.0',
  ecsTargetTracking:
    'Amazon ECS developer guide, "Use a target metric to scale Amazon ECS services", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html',
  ecsAutoScalingTroubleshoot:
    'Amazon ECS developer guide, "Troubleshooting service auto scaling in Amazon ECS", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/troubleshoot-service-auto-scaling.html',
  cloudWatchAlarmActions:
    'Amazon CloudWatch user guide, "Alarm actions", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html',
  ecsStopTimeout:
    'Amazon ECS API reference, ContainerDefinition stopTimeout, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (read through the SDK for Kotlin copy of the same text, https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ecs/aws.sdk.kotlin.services.ecs.model/-container-definition/stop-timeout.html)',
  ampDedupe:
    'AMP user guide, "Send high-availability data with Prometheus or the Prometheus Operator" / "Deduplicating high availability metrics", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-ingest-dedupe.html (stored versions of the page; the newest stored version no longer shows the sentence in its opening)',
  observedAlarms:
    'Observations, not documentation: aws/containers-roadmap#1208 ("period for alarm rule is always 1 minute and 3 out of 3 datapoints for scale out rule and 15 out of 15 for scale in", ECS services, 2020), aws/copilot-cli#4233 ("In scale-out scenario they watched 3 data points while 3 minutes, and scale-in scenario they watched 15 data points while 15 minutes", ECS, 2022), hashicorp/terraform-provider-aws#42553 (a custom metric: "Both High and Low alarms are created with a 60 second period, 3 out of 3 Datapoints", 2025), aws-cloudformation/cloudformation-coverage-roadmap#2353 (ELB TargetResponseTime: "a period of 15 minutes and 9 datapoints to scale-in", 2025)',
} as const;

/**
 * How target tracking computes the new capacity. Sources say: "it responds by adding capacity proportional to the
 * metric value as fast as it can. The higher the metric, the more capacity is added"; "Application Auto Scaling scales
 * out proportionally to the metric as fast as it can, but scales in more gradually"; "The metric value must increase
 * or decrease proportionally to the capacity of the scalable target"; "Application Auto Scaling always acts
 * conservatively by rounding up or down when it determines how much capacity to add or remove. This prevents it from
 * adding insufficient capacity or removing too much capacity".
 *
 * UNCONFIRMED: the formula. No source gives it; the simulator assumes new capacity = ceil(capacity × metric / target)
 * (capacity proportional to the metric, rounded up: adds enough, removes too little rather than too much), clamped to
 * [MinCapacity, MaxCapacity], and that a scale-in goes to that value in one step once the scale-in alarm fires.
 */
export const TARGET_TRACKING_CAPACITY = {
  proportional: true,
  /** Scale-out rounds the new capacity up; scale-in removes capacity rounded down, that is the new capacity is rounded up too. */
  rounding: 'ceil',
  source: SOURCES.targetTracking,
  unconfirmed: 'the formula ceil(capacity × metric / target) and one-step proportional scale-in',
} as const;

/**
 * The CloudWatch alarms AAS creates for a target tracking policy: two, named TargetTracking-<resource>-AlarmHigh-<uuid>
 * and TargetTracking-<resource>-AlarmLow-<uuid> (metricMath: PutScalingPolicy "returns the policy's Amazon Resource
 * Name (ARN) and the ARNs of the two CloudWatch alarms created on your behalf", names shown). targetTracking: "Do not
 * edit or delete the CloudWatch alarms that are configured for the target tracking scaling policy".
 * The scale-in threshold: "it slows down scaling by removing capacity only when utilization passes a threshold that
 * is far enough below the target value (usually more than 10% lower) for utilization to be considered to have
 * slowed ... (though the behavior could change in the future)" (targetTracking).
 *
 * UNCONFIRMED: every number here. No AWS page states the period or the data points; observedAlarms reports a 60 s
 * period, 3 of 3 data points above the target for AlarmHigh and 15 of 15 for AlarmLow on ECS services (one 2025
 * report saw 3 of 3 on both alarms with a custom metric, another 9 of 15 with 15-minute periods for an ELB metric).
 * The simulator assumes: 60 s period; AlarmHigh = metric > target for 3 of 3; AlarmLow = metric < 0.9 × target
 * ("usually more than 10% lower") for 15 of 15; a missing data point breaches neither.
 */
export const TARGET_TRACKING_ALARMS = {
  periodSeconds: 60,
  scaleOut: { name: 'AlarmHigh', comparison: 'GreaterThanThreshold', thresholdFactor: 1, datapointsToAlarm: 3, evaluationPeriods: 3 },
  scaleIn: { name: 'AlarmLow', comparison: 'LessThanThreshold', thresholdFactor: 0.9, datapointsToAlarm: 15, evaluationPeriods: 15 },
  source: `${SOURCES.metricMath}; ${SOURCES.targetTracking}; ${SOURCES.observedAlarms}`,
  unconfirmed:
    'the 60 s period, 3 of 3 (AlarmHigh), 15 of 15 (AlarmLow) and the AlarmLow threshold of exactly 0.9 × target (the guide says "usually more than 10% lower")',
} as const;

/**
 * An alarm keeps invoking its Auto Scaling action while it stays in ALARM: "Except for Auto Scaling actions, the
 * actions happen only on state transitions, and are not performed again if the condition persists for hours or days."
 * UNCONFIRMED: how often; the simulator invokes the policy at every evaluation (each minute) the alarm is in ALARM.
 */
export const ALARM_ACTIONS_REPEAT = {
  repeatsWhileInAlarm: true,
  source: SOURCES.cloudWatchAlarmActions,
  unconfirmed: 'the cadence (assumed: once per 60 s evaluation)',
} as const;

/**
 * Scale-out cooldown of a target tracking policy: "After Application Auto Scaling successfully scales out using a
 * target tracking scaling policy, it starts to calculate the cooldown time. The scaling policy won't increase the
 * desired capacity again unless either a larger scale out is triggered or the cooldown period ends. While the
 * scale-out cooldown period is in effect, the capacity added by the initiating scale-out activity is calculated as
 * part of the desired capacity for the next scale-out activity." (targetTracking). Default for ECS services: 300 s
 * (cdkDefaults: "@default Duration.seconds(300) for the following scalable targets: ECS services, ...", the same list
 * targetTrackingApi gives for ScaleInCooldown).
 * UNCONFIRMED: the capacity the next scale-out is computed from. The simulator computes it from the capacity before
 * the initiating scale-out (so the added tasks count toward it, as in the step scaling example below), and a larger
 * scale-out restarts the cooldown without changing that base.
 */
export const SCALE_OUT_COOLDOWN = {
  defaultSecondsEcs: 300,
  addedCapacityCountsTowardNextScaleOut: true,
  source: `${SOURCES.targetTracking}; ${SOURCES.cdkDefaults}`,
  unconfirmed: 'the base capacity of a scale-out during the cooldown, and whether a larger scale-out restarts the cooldown',
} as const;

/**
 * Scale-in cooldown of a target tracking policy: "scale-in activities are blocked until the cooldown period has
 * expired. However, if another alarm triggers a scale-out activity during the scale-in cooldown period, Application
 * Auto Scaling scales out the target immediately. In this case, the scale-in cooldown period stops and doesn't
 * complete." (targetTracking). "Application Auto Scaling provides a default value of 300 for the following scalable
 * targets: ECS services, ..." (targetTrackingApi, ScaleInCooldown). Cooldowns are "measured in seconds and applies
 * only to scaling policy-related scaling activities".
 */
export const SCALE_IN_COOLDOWN = {
  defaultSecondsEcs: 300,
  blocksScaleIn: true,
  interruptedByScaleOut: true,
  source: `${SOURCES.targetTracking}; ${SOURCES.targetTrackingApi}`,
} as const;

/**
 * Min and max: "Application Auto Scaling scaling policies will not scale capacity to values that are outside of the
 * minimum and maximum range." (registerScalableTarget). ECS services register with ResourceId
 * service/<cluster>/<service> and ScalableDimension ecs:service:DesiredCount (the guide's register-scalable-target example).
 */
export const MIN_MAX = {
  clamped: true,
  ecsResourceIdPattern: /^service\/[^/]+\/[^/]+$/,
  ecsScalableDimension: 'ecs:service:DesiredCount',
  source: SOURCES.registerScalableTarget,
} as const;

/**
 * Several target tracking policies on one target: "It will scale out the scalable target if any of the target
 * tracking policies are ready for scale out, but will scale in only if all of the target tracking policies (with the
 * scale-in portion enabled) are ready to scale in." and "If multiple policies instruct the scalable target to scale
 * out or in at the same time, Application Auto Scaling scales based on the policy that provides the largest capacity
 * for both scale in and scale out." Each must use a different metric. DisableScaleIn: "If the value is true, scale in
 * is disabled and the target tracking scaling policy won't remove capacity from the scalable target ... The default
 * value is false." (targetTrackingApi). A step scaling scale-in "will not be blocked" by a target tracking policy that
 * is not ready to scale in (targetTracking).
 */
export const MULTIPLE_POLICIES = {
  scaleOutIfAny: true,
  scaleInOnlyIfAllWithScaleInEnabled: true,
  largestCapacityWins: true,
  disableScaleInDefault: false,
  source: `${SOURCES.targetTracking}; ${SOURCES.targetTrackingApi}`,
} as const;

/**
 * Missing data: "A target tracking scaling policy does not scale in when the state of the alarm is
 * INSUFFICIENT_DATA" (targetTracking); "A target tracking scaling policy does not perform scaling when the specified
 * metric has insufficient data. It does not perform scale in because it does not interpret insufficient data as low
 * utilization." (ecsTargetTracking). So a metric math expression that divides by a running-task count of 0 (no data
 * point) never scales a service out of 0 tasks.
 */
export const INSUFFICIENT_DATA = {
  scalesOnMissingData: false,
  source: `${SOURCES.targetTracking}; ${SOURCES.ecsTargetTracking}`,
} as const;

/**
 * Metric math in a customized metric: "To calculate the Amazon SQS queue backlog per task, take the approximate number
 * of messages available for retrieval from the queue and divide that number by the number of Amazon ECS tasks running
 * in the service" (m1 ApproximateNumberOfMessagesVisible Sum, m2 ECS/ContainerInsights RunningTaskCount Average,
 * e1 "m1 / m2" with ReturnData true); "Any expressions used in a metric specification must eventually return a single
 * time series." The archived guide says CloudFormation cannot express it; CloudFormation has since added
 * CustomizedMetricSpecification.Metrics (TargetTrackingMetricDataQuery: Expression, Id, Label, MetricStat, ReturnData,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-applicationautoscaling-scalingpolicy-targettrackingmetricdataquery.html).
 * Choose "a metric that changes inversely proportional to a change in the capacity" (targetTracking, current page).
 */
export const METRIC_MATH_PER_TASK = {
  example: { m1: 'AWS/SQS ApproximateNumberOfMessagesVisible Sum', m2: 'ECS/ContainerInsights RunningTaskCount Average', e1: 'm1 / m2' },
  periodSeconds: 60,
  source: `${SOURCES.metricMath}; ${SOURCES.targetTracking}`,
} as const;

/**
 * Step adjustments: "You specify the upper and lower bounds relative to the breach threshold"; "If the metric value is
 * above the breach threshold, the lower bound is inclusive and the upper bound is exclusive. If the metric value is
 * below the breach threshold, the lower bound is exclusive and the upper bound is inclusive."; "The ranges of your
 * step adjustments can't overlap or have a gap"; only one null lower bound and one null upper bound, never both in one
 * step. "Application Auto Scaling applies your specified aggregation type to the most recent metric data points"; the
 * aggregation is Minimum, Maximum or Average, "If the aggregation type is null, the value is treated as Average"
 * (stepScalingApi). The alarm is the user's own AWS::CloudWatch::Alarm whose AlarmActions name the policy.
 * UNCONFIRMED: which data points "the most recent" are; the simulator aggregates the alarm's evaluation periods.
 */
export const STEP_ADJUSTMENTS = {
  boundsRelativeToThreshold: true,
  aboveThreshold: { lower: 'inclusive', upper: 'exclusive' },
  belowThreshold: { lower: 'exclusive', upper: 'inclusive' },
  metricAggregationTypes: ['Average', 'Minimum', 'Maximum'],
  defaultMetricAggregationType: 'Average',
  source: `${SOURCES.stepScaling}; ${SOURCES.stepScalingApi}`,
  unconfirmed: 'the data points aggregated (assumed: the alarm evaluation periods)',
} as const;

/**
 * Adjustment types: ChangeInCapacity ("If the current capacity is 3 and the adjustment is 5, then Application Auto
 * Scaling adds 5 to the capacity for a total of 8"), ExactCapacity ("changes the capacity to 5"), and
 * PercentChangeInCapacity, rounded: "Values greater than 1 are rounded down ... Values between 0 and 1 are rounded to
 * 1 ... Values between 0 and -1 are rounded to -1 ... Values less than -1 are rounded up. For example, -6.67 is rounded
 * to -6." MinAdjustmentMagnitude (PercentChangeInCapacity only): "a policy that adds 25 percent and you specify a
 * minimum amount of 2 ... capacity of 4 ... Application Auto Scaling adds 2". The guide's worked example (capacity 10,
 * threshold 50, +10%/+30% above 60/70, -10%/-30% below 40/30) goes 10 -> 11 -> 14 -> 13 -> 10.
 */
export const STEP_ADJUSTMENT_TYPES = {
  types: ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'],
  percentRounding: { above1: 'floor', between0and1: 1, between0andMinus1: -1, belowMinus1: 'ceil' },
  guideExample: [10, 11, 14, 13, 10],
  source: SOURCES.stepScaling,
} as const;

/**
 * Step scaling cooldown: "If not specified, the default value is 300" (stepScalingApi). Scale-out: "The scaling policy
 * won't increase the desired capacity again unless either a larger scale out is triggered or the cooldown period
 * ends. ... when an alarm triggers a step scaling policy to increase the capacity by 2 ... If the alarm triggers again
 * during the cooldown period but at a more aggressive step adjustment of 3, the previous increase of 2 is considered
 * part of the current capacity. Therefore, only 1 is added to the capacity." Scale-in: "scale-in activities are blocked
 * until the cooldown period has expired. However, if another alarm triggers a scale-out activity during the cooldown
 * period after a scale-in activity, Application Auto Scaling scales out the target immediately." (stepScaling).
 */
export const STEP_COOLDOWN = {
  defaultSeconds: 300,
  source: `${SOURCES.stepScaling}; ${SOURCES.stepScalingApi}`,
} as const;

/**
 * ECS stopTimeout on Fargate: "For tasks that use the Fargate launch type, the max stop timeout value is 120 seconds
 * and if the parameter is not specified, the default value of 30 seconds is used." (Linux platform version 1.3.0 or
 * later). Bounds how long a scaled-in collector task has to flush its queues after SIGTERM.
 */
export const FARGATE_STOP_TIMEOUT = {
  defaultSeconds: 30,
  maxSeconds: 120,
  source: SOURCES.ecsStopTimeout,
} as const;

/**
 * AMP high-availability deduplication (cluster + __replica__ external labels): "Amazon Managed Service for Prometheus
 * makes one Prometheus instance a leader replica and ingests data samples only from that replica. If the leader
 * replica stops sending data samples to Amazon Managed Service for Prometheus for 30 seconds, Amazon Managed Service
 * for Prometheus automatically makes another Prometheus instance a leader replica". So a scaled-in leader's series
 * have a gap of up to 30 s before another replica's samples are accepted.
 */
export const AMP_HA_FAILOVER = {
  failoverSeconds: 30,
  labels: ['cluster', '__replica__'],
  source: SOURCES.ampDedupe,
} as const;
