/**
 * A minute-by-minute simulator of Application Auto Scaling on an ECS service's
 * desired count: target tracking (the alarms AAS creates, proportional
 * capacity, cooldowns, several policies) and step scaling (the user's alarm,
 * step adjustments, adjustment types, cooldown), with policies parsed from the
 * CloudFormation resources a synthesized template holds. Every rule it applies,
 * and every assumption where no source gives the rule, is in
 * test/contracts/application-autoscaling.ts.
 *
 * The model of a minute m: tasks launched `startupMinutes` before m are now
 * running; each policy's metric gets one data point from the load and the
 * running tasks; the alarms are evaluated over their latest data points; a
 * policy whose alarm is in ALARM is invoked (an alarm in ALARM invokes its
 * scaling action at every evaluation); the new desired count launches tasks
 * (running at m + startupMinutes) or stops them at once (pending launches
 * first).
 */
import {
  SCALE_IN_COOLDOWN,
  SCALE_OUT_COOLDOWN,
  STEP_ADJUSTMENTS,
  STEP_COOLDOWN,
  TARGET_TRACKING_ALARMS,
} from '../contracts/application-autoscaling';

// ---------------------------------------------------------------------------
// Policies

export interface TargetTrackingPolicy {
  readonly kind: 'TargetTrackingScaling';
  /** PolicyName when it is a string, else the logical id. */
  readonly name: string;
  readonly logicalId: string;
  readonly targetValue: number;
  readonly scaleOutCooldownSeconds: number;
  readonly scaleInCooldownSeconds: number;
  readonly disableScaleIn: boolean;
  /** PredefinedMetricType, or a description of the customized metric (its MetricName, or the returned expression). */
  readonly metric: string;
  readonly predefined: boolean;
}

export interface StepAdjustment {
  /** Relative to the alarm threshold; undefined is negative infinity. */
  readonly lower?: number;
  /** Relative to the alarm threshold; undefined is positive infinity. */
  readonly upper?: number;
  readonly adjustment: number;
}

export type Comparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/** The AWS::CloudWatch::Alarm whose AlarmActions name a step scaling policy. */
export interface StepAlarm {
  readonly logicalId: string;
  readonly threshold: number;
  readonly comparison: Comparison;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export interface StepScalingPolicy {
  readonly kind: 'StepScaling';
  readonly name: string;
  readonly logicalId: string;
  readonly adjustmentType: 'ChangeInCapacity' | 'ExactCapacity' | 'PercentChangeInCapacity';
  readonly cooldownSeconds: number;
  readonly metricAggregationType: 'Average' | 'Minimum' | 'Maximum';
  readonly minAdjustmentMagnitude?: number;
  readonly steps: readonly StepAdjustment[];
  /** Undefined when no alarm in the template invokes the policy (it then never acts). */
  readonly alarm?: StepAlarm;
}

export type ScalingPolicy = TargetTrackingPolicy | StepScalingPolicy;

/** One AWS::ApplicationAutoScaling::ScalableTarget and the policies that scale it. */
export interface ScalingTarget {
  readonly logicalId: string;
  /** Resolved as far as the template allows: unresolved parts read `${LogicalId}` or `${LogicalId.Attribute}`. */
  readonly resourceId: string;
  readonly scalableDimension?: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly policies: readonly ScalingPolicy[];
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** A synthesized template, as JSON. */
export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A template value as text: strings as they are, Ref and GetAtt as `${...}`, Fn::Join joined. */
function resolve(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (isRecord(value)) {
    if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.map(String).join('.')}}`;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1]))
      return (join[1] as unknown[]).map(resolve).join(join[0]);
    if (typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  }
  return JSON.stringify(value);
}

function refOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.Ref === 'string' ? value.Ref : undefined;
}

function num(where: string, field: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new Error(`${where}: ${field} is ${JSON.stringify(value)}, not a number: set ${field} to a number`);
  }
  return n;
}

function nonNegative(where: string, field: string, value: unknown, fallback: number): number {
  const n = num(where, field, value, fallback);
  if (n < 0) throw new Error(`${where}: ${field} is ${n}: a cooldown is zero or more seconds`);
  return n;
}

/** What a customized metric measures, for messages and as the default key of a metric model. */
function describeCustomMetric(spec: Record<string, unknown>): string {
  if (typeof spec.MetricName === 'string') return spec.MetricName;
  if (Array.isArray(spec.Metrics)) {
    const returned = (spec.Metrics as unknown[]).filter(isRecord).find((q) => q.ReturnData !== false && (q.Expression || q.MetricStat));
    if (returned && typeof returned.Expression === 'string') return returned.Expression;
    if (returned && isRecord(returned.MetricStat) && isRecord(returned.MetricStat.Metric))
      return String(returned.MetricStat.Metric.MetricName);
  }
  return 'custom';
}

function parseTargetTracking(where: string, name: string, logicalId: string, config: unknown): TargetTrackingPolicy {
  if (!isRecord(config)) {
    throw new Error(`${where}: PolicyType TargetTrackingScaling needs TargetTrackingScalingPolicyConfiguration: add it with a TargetValue`);
  }
  if (config.TargetValue === undefined) {
    throw new Error(
      `${where}: TargetTrackingScalingPolicyConfiguration has no TargetValue: add TargetValue (the metric value to keep, > 0)`,
    );
  }
  const targetValue = num(where, 'TargetValue', config.TargetValue);
  if (targetValue <= 0) throw new Error(`${where}: TargetValue is ${targetValue}: the simulator needs a target > 0`);
  const predefinedSpec = config.PredefinedMetricSpecification;
  const customSpec = config.CustomizedMetricSpecification;
  if (isRecord(predefinedSpec) === isRecord(customSpec)) {
    throw new Error(`${where}: give exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification`);
  }
  return {
    kind: 'TargetTrackingScaling',
    name,
    logicalId,
    targetValue,
    scaleOutCooldownSeconds: nonNegative(where, 'ScaleOutCooldown', config.ScaleOutCooldown, SCALE_OUT_COOLDOWN.defaultSecondsEcs),
    scaleInCooldownSeconds: nonNegative(where, 'ScaleInCooldown', config.ScaleInCooldown, SCALE_IN_COOLDOWN.defaultSecondsEcs),
    disableScaleIn: config.DisableScaleIn === true || config.DisableScaleIn === 'true',
    metric: isRecord(predefinedSpec)
      ? String(predefinedSpec.PredefinedMetricType)
      : describeCustomMetric(customSpec as Record<string, unknown>),
    predefined: isRecord(predefinedSpec),
  };
}

/** The step adjustment rules of the contract (STEP_ADJUSTMENTS): no overlap, no gap, one open end each way. */
function checkSteps(where: string, steps: StepAdjustment[]): void {
  if (steps.length === 0) throw new Error(`${where}: StepAdjustments is empty: add at least one step`);
  if (steps.some((s) => s.lower === undefined && s.upper === undefined)) {
    throw new Error(`${where}: a step has neither MetricIntervalLowerBound nor MetricIntervalUpperBound: give at least one`);
  }
  const sorted = [...steps].sort((a, b) => (a.lower ?? -Infinity) - (b.lower ?? -Infinity));
  if (sorted.filter((s) => s.lower === undefined).length > 1 || sorted.filter((s) => s.upper === undefined).length > 1) {
    throw new Error(`${where}: only one step may have no lower bound and only one no upper bound`);
  }
  for (let i = 1; i < sorted.length; i++) {
    const previousUpper = sorted[i - 1].upper;
    if (previousUpper !== sorted[i].lower) {
      throw new Error(
        `${where}: step adjustments overlap or leave a gap between ${previousUpper ?? '+infinity'} and ${sorted[i].lower ?? '-infinity'}: make each MetricIntervalUpperBound the next step's MetricIntervalLowerBound`,
      );
    }
  }
}

function parseStepScaling(
  where: string,
  name: string,
  logicalId: string,
  config: unknown,
  alarm: StepAlarm | undefined,
): StepScalingPolicy {
  if (!isRecord(config)) throw new Error(`${where}: PolicyType StepScaling needs StepScalingPolicyConfiguration`);
  const adjustmentType = config.AdjustmentType;
  if (adjustmentType !== 'ChangeInCapacity' && adjustmentType !== 'ExactCapacity' && adjustmentType !== 'PercentChangeInCapacity') {
    throw new Error(
      `${where}: AdjustmentType is ${JSON.stringify(adjustmentType)}: use ChangeInCapacity, ExactCapacity or PercentChangeInCapacity`,
    );
  }
  const aggregation = config.MetricAggregationType ?? STEP_ADJUSTMENTS.defaultMetricAggregationType;
  if (aggregation !== 'Average' && aggregation !== 'Minimum' && aggregation !== 'Maximum') {
    throw new Error(`${where}: MetricAggregationType is ${JSON.stringify(aggregation)}: use Average, Minimum or Maximum`);
  }
  const raw = Array.isArray(config.StepAdjustments) ? (config.StepAdjustments as unknown[]) : [];
  const steps = raw.map((s, i): StepAdjustment => {
    const step = isRecord(s) ? s : {};
    const at = `${where}: StepAdjustments[${i}]`;
    return {
      lower: step.MetricIntervalLowerBound === undefined ? undefined : num(at, 'MetricIntervalLowerBound', step.MetricIntervalLowerBound),
      upper: step.MetricIntervalUpperBound === undefined ? undefined : num(at, 'MetricIntervalUpperBound', step.MetricIntervalUpperBound),
      adjustment: num(at, 'ScalingAdjustment', step.ScalingAdjustment),
    };
  });
  checkSteps(where, steps);
  return {
    kind: 'StepScaling',
    name,
    logicalId,
    adjustmentType,
    cooldownSeconds: nonNegative(where, 'Cooldown', config.Cooldown, STEP_COOLDOWN.defaultSeconds),
    metricAggregationType: aggregation,
    minAdjustmentMagnitude:
      config.MinAdjustmentMagnitude === undefined ? undefined : num(where, 'MinAdjustmentMagnitude', config.MinAdjustmentMagnitude),
    steps,
    alarm,
  };
}

const COMPARISONS: readonly string[] = [
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];

/** The alarms of the template by the logical id of the scaling policy their AlarmActions name. */
function stepAlarms(resources: Readonly<Record<string, CfnResource>>): Map<string, StepAlarm> {
  const byPolicy = new Map<string, StepAlarm>();
  for (const [logicalId, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::CloudWatch::Alarm' || !Array.isArray(r.Properties?.AlarmActions)) continue;
    const p = r.Properties;
    const where = `alarm ${logicalId}`;
    for (const action of p.AlarmActions as unknown[]) {
      const policy = refOf(action);
      if (!policy || resources[policy]?.Type !== 'AWS::ApplicationAutoScaling::ScalingPolicy') continue;
      const comparison = String(p.ComparisonOperator);
      if (!COMPARISONS.includes(comparison)) throw new Error(`${where}: ComparisonOperator ${comparison} is not one the simulator knows`);
      const evaluationPeriods = num(where, 'EvaluationPeriods', p.EvaluationPeriods);
      byPolicy.set(policy, {
        logicalId,
        threshold: num(where, 'Threshold', p.Threshold),
        comparison: comparison as Comparison,
        evaluationPeriods,
        datapointsToAlarm: num(where, 'DatapointsToAlarm', p.DatapointsToAlarm, evaluationPeriods),
      });
    }
  }
  return byPolicy;
}

/**
 * Per AWS::ApplicationAutoScaling::ScalableTarget of a synthesized template, keyed by its ResourceId (resolved as far
 * as the template allows), its min and max capacity and the scaling policies attached to it: by ScalingTargetId
 * (a Ref to the target's logical id) or by the same ResourceId. Step scaling policies get the alarm that invokes them.
 */
export function policiesFromTemplate(template: CfnTemplate): Record<string, ScalingTarget> {
  const resources = template.Resources ?? {};
  const targets = new Map<
    string,
    { logicalId: string; resourceId: string; dimension?: string; min: number; max: number; policies: ScalingPolicy[] }
  >();
  const byResourceId = new Map<string, string>();
  for (const [logicalId, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ApplicationAutoScaling::ScalableTarget') continue;
    const p = r.Properties ?? {};
    const where = `ScalableTarget ${logicalId}`;
    const resourceId = resolve(p.ResourceId);
    const min = num(where, 'MinCapacity', p.MinCapacity);
    const max = num(where, 'MaxCapacity', p.MaxCapacity);
    if (min > max) throw new Error(`${where}: MinCapacity ${min} is above MaxCapacity ${max}: lower MinCapacity or raise MaxCapacity`);
    if (byResourceId.has(resourceId)) throw new Error(`${where}: ResourceId ${resourceId} is also ${byResourceId.get(resourceId)}'s`);
    byResourceId.set(resourceId, logicalId);
    const dimension = p.ScalableDimension === undefined ? undefined : resolve(p.ScalableDimension);
    targets.set(logicalId, { logicalId, resourceId, dimension, min, max, policies: [] });
  }
  const alarms = stepAlarms(resources);
  for (const [logicalId, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ApplicationAutoScaling::ScalingPolicy') continue;
    const p = r.Properties ?? {};
    const name = typeof p.PolicyName === 'string' ? p.PolicyName : logicalId;
    const where = `ScalingPolicy ${logicalId}`;
    const targetId = refOf(p.ScalingTargetId) ?? (p.ResourceId === undefined ? undefined : byResourceId.get(resolve(p.ResourceId)));
    const target = targetId === undefined ? undefined : targets.get(targetId);
    if (!target) {
      throw new Error(
        `${where}: ScalingTargetId ${JSON.stringify(p.ScalingTargetId ?? p.ResourceId)} names no ScalableTarget of the template: use { Ref: <ScalableTarget logical id> }`,
      );
    }
    if (p.PolicyType === 'TargetTrackingScaling') {
      target.policies.push(parseTargetTracking(where, name, logicalId, p.TargetTrackingScalingPolicyConfiguration));
    } else if (p.PolicyType === 'StepScaling') {
      target.policies.push(parseStepScaling(where, name, logicalId, p.StepScalingPolicyConfiguration, alarms.get(logicalId)));
    } else {
      throw new Error(`${where}: PolicyType ${JSON.stringify(p.PolicyType)}: the simulator knows TargetTrackingScaling and StepScaling`);
    }
  }
  const result: Record<string, ScalingTarget> = {};
  for (const t of targets.values()) {
    result[t.resourceId] = {
      logicalId: t.logicalId,
      resourceId: t.resourceId,
      ...(t.dimension === undefined ? {} : { scalableDimension: t.dimension }),
      minCapacity: t.min,
      maxCapacity: t.max,
      policies: t.policies,
    };
  }
  return result;
}

// ---------------------------------------------------------------------------
// Metric models and load shapes

/** A policy's metric for one minute from the load and the tasks running; undefined is no data point. */
export type MetricModel = (load: number, runningTasks: number, minute: number) => number | undefined;

/** A per-task metric (backlog per task, requests per task): load / running tasks; no data point when none run. */
export const perTask: MetricModel = (load, running) => (running > 0 ? load / running : undefined);

/**
 * A utilization in percent (ECSServiceAverageCPUUtilization): the load in units of which one task handles
 * `capacityPerTask` at 100 %, spread over the running tasks, capped at 100.
 */
export function utilization(capacityPerTask = 100): MetricModel {
  return (load, running) => (running > 0 ? Math.min(100, (100 * load) / (running * capacityPerTask)) : undefined);
}

/** `base` every minute, `peak` from `start` for `duration` minutes. */
export function burst(o: { minutes: number; base: number; peak: number; start: number; duration: number }): number[] {
  return Array.from({ length: o.minutes }, (_, m) => (m >= o.start && m < o.start + o.duration ? o.peak : o.base));
}

/** `from` until `start`, then linearly to `to` over `duration` minutes, then `to`. */
export function ramp(o: { minutes: number; from: number; to: number; start: number; duration: number }): number[] {
  return Array.from({ length: o.minutes }, (_, m) => {
    if (m < o.start) return o.from;
    if (m >= o.start + o.duration) return o.to;
    return o.from + ((o.to - o.from) * (m - o.start)) / o.duration;
  });
}

/** `high` and `low` alternating every `periodMinutes` minutes, starting with `high`. */
export function flapping(o: { minutes: number; low: number; high: number; periodMinutes: number }): number[] {
  return Array.from({ length: o.minutes }, (_, m) => (Math.floor(m / o.periodMinutes) % 2 === 0 ? o.high : o.low));
}

/** How often a series turns from rising to falling or back (flat minutes ignored). */
export function directionChanges(series: readonly number[]): number {
  let changes = 0;
  let last = 0;
  for (let i = 1; i < series.length; i++) {
    const d = Math.sign(series[i] - series[i - 1]);
    if (d === 0) continue;
    if (last !== 0 && d !== last) changes++;
    last = d;
  }
  return changes;
}

// ---------------------------------------------------------------------------
// The simulation

/** The alarms AAS creates for target tracking; defaults from TARGET_TRACKING_ALARMS (UNCONFIRMED numbers). */
export interface TargetTrackingAlarmModel {
  readonly scaleOutDatapoints: number;
  readonly scaleInDatapoints: number;
  readonly scaleInThresholdFactor: number;
}

/** Minutes from a raised desired count to a running Fargate task (image pull, start, health check): assumed. */
export const DEFAULT_STARTUP_MINUTES = 2;

export const DEFAULT_ALARMS: TargetTrackingAlarmModel = {
  scaleOutDatapoints: TARGET_TRACKING_ALARMS.scaleOut.datapointsToAlarm,
  scaleInDatapoints: TARGET_TRACKING_ALARMS.scaleIn.datapointsToAlarm,
  scaleInThresholdFactor: TARGET_TRACKING_ALARMS.scaleIn.thresholdFactor,
};

export interface SimulationInput {
  readonly target: ScalingTarget;
  /** The load of each minute; its length is the simulated time. */
  readonly load: readonly number[];
  /**
   * Each policy's metric model, by policy name. @default utilization() for a predefined *Utilization metric, else
   * perTask.
   */
  readonly metrics?: Readonly<Record<string, MetricModel>>;
  /** Minutes from a desired count rising to the new tasks running (and counted by the metric). @default 2 */
  readonly startupMinutes?: number;
  /** Tasks running at minute 0. @default the target's MinCapacity */
  readonly initialDesired?: number;
  /** @default DEFAULT_ALARMS */
  readonly alarms?: TargetTrackingAlarmModel;
}

export interface ScalingEvent {
  readonly minute: number;
  readonly policy: string;
  readonly direction: 'out' | 'in';
  readonly from: number;
  readonly to: number;
  /** The data point of the policy's metric that minute. */
  readonly metric: number | undefined;
}

export interface SimulationResult {
  /** Desired count at the end of each minute (after that minute's decision). */
  readonly desired: number[];
  /** Tasks running during each minute (what that minute's data point saw). */
  readonly running: number[];
  /** Each policy's data points by policy name (undefined: none). */
  readonly metrics: Record<string, (number | undefined)[]>;
  readonly events: ScalingEvent[];
}

interface PolicyState {
  outCooldownUntil: number;
  outBase: number;
  inCooldownUntil: number;
}

const minutesOf = (seconds: number): number => Math.ceil(seconds / 60);

/** PercentChangeInCapacity rounding (STEP_ADJUSTMENT_TYPES.percentRounding). */
function roundPercentChange(x: number): number {
  if (x > 1) return Math.floor(x);
  if (x > 0) return 1;
  if (x === 0) return 0;
  if (x > -1) return -1;
  return Math.ceil(x);
}

function breaches(value: number, threshold: number, comparison: Comparison): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** The last n data points, or undefined when fewer than n minutes have passed. */
function lastN(series: readonly (number | undefined)[], n: number): (number | undefined)[] | undefined {
  return series.length < n ? undefined : series.slice(series.length - n);
}

/** True when all of the last n data points exist and satisfy the test (a missing point never breaches). */
function allOfLast(series: readonly (number | undefined)[], n: number, test: (v: number) => boolean): boolean {
  const points = lastN(series, n);
  return points !== undefined && points.every((v) => v !== undefined && test(v));
}

/** The step adjustment a step policy applies at this capacity and data, or undefined when its alarm is not in ALARM. */
function stepDecision(policy: StepScalingPolicy, series: readonly (number | undefined)[], capacity: number): number | undefined {
  const alarm = policy.alarm;
  if (!alarm) return undefined;
  const points = series.slice(Math.max(0, series.length - alarm.evaluationPeriods)).filter((v): v is number => v !== undefined);
  if (points.filter((v) => breaches(v, alarm.threshold, alarm.comparison)).length < alarm.datapointsToAlarm) return undefined;
  const aggregated =
    policy.metricAggregationType === 'Minimum'
      ? Math.min(...points)
      : policy.metricAggregationType === 'Maximum'
        ? Math.max(...points)
        : points.reduce((a, b) => a + b, 0) / points.length;
  const diff = aggregated - alarm.threshold;
  // Which side of the threshold the alarm watches decides the inclusive bound (STEP_ADJUSTMENTS).
  const above = alarm.comparison.startsWith('Greater');
  const step = policy.steps.find((s) =>
    above ? (s.lower ?? -Infinity) <= diff && diff < (s.upper ?? Infinity) : (s.lower ?? -Infinity) < diff && diff <= (s.upper ?? Infinity),
  );
  if (!step) return undefined;
  switch (policy.adjustmentType) {
    case 'ExactCapacity':
      return step.adjustment;
    case 'ChangeInCapacity':
      return capacity + step.adjustment;
    case 'PercentChangeInCapacity': {
      let change = roundPercentChange((capacity * step.adjustment) / 100);
      const magnitude = policy.minAdjustmentMagnitude;
      if (magnitude !== undefined && change !== 0 && Math.abs(change) < magnitude) change = Math.sign(change) * magnitude;
      return capacity + change;
    }
  }
}

/**
 * Runs the target's policies over the load, minute by minute. See the module comment for the model and
 * test/contracts/application-autoscaling.ts for the rules and assumptions.
 */
export function simulate(input: SimulationInput): SimulationResult {
  const { target } = input;
  const alarms = input.alarms ?? DEFAULT_ALARMS;
  const startup = input.startupMinutes ?? DEFAULT_STARTUP_MINUTES;
  const clamp = (n: number): number => Math.min(target.maxCapacity, Math.max(target.minCapacity, n));
  let desired = clamp(input.initialDesired ?? target.minCapacity);
  let running = desired;
  let pending: { at: number; tasks: number }[] = [];
  const state = new Map<string, PolicyState>(
    target.policies.map((p) => [p.name, { outCooldownUntil: -Infinity, outBase: desired, inCooldownUntil: -Infinity }]),
  );
  const models = new Map<string, MetricModel>(
    target.policies.map((p) => [
      p.name,
      input.metrics?.[p.name] ??
        (p.kind === 'TargetTrackingScaling' && p.predefined && p.metric.endsWith('Utilization') ? utilization() : perTask),
    ]),
  );
  const series: Record<string, (number | undefined)[]> = Object.fromEntries(target.policies.map((p) => [p.name, []]));
  const result: SimulationResult = { desired: [], running: [], metrics: series, events: [] };

  for (let m = 0; m < input.load.length; m++) {
    running += pending.filter((l) => l.at <= m).reduce((a, l) => a + l.tasks, 0);
    pending = pending.filter((l) => l.at > m);
    const point = new Map<string, number | undefined>();
    for (const p of target.policies) {
      const v = models.get(p.name)!(input.load[m], running, m);
      const value = v === undefined || !Number.isFinite(v) ? undefined : v;
      point.set(p.name, value);
      series[p.name].push(value);
    }

    // Scale-out candidates: any policy ready to scale out (MULTIPLE_POLICIES); the largest capacity wins.
    const outs: { policy: ScalingPolicy; to: number }[] = [];
    // Scale-in candidates of step policies; target tracking scales in only if all its policies are ready.
    const ins: { policy: ScalingPolicy; to: number }[] = [];
    const trackingIn: { policy: TargetTrackingPolicy; to: number }[] = [];
    let trackingInReady = true;
    for (const p of target.policies) {
      const s = state.get(p.name)!;
      const v = point.get(p.name);
      const inOutCooldown = m < s.outCooldownUntil;
      if (p.kind === 'TargetTrackingScaling') {
        const high = allOfLast(series[p.name], alarms.scaleOutDatapoints, (x) => x > p.targetValue);
        if (high && v !== undefined) {
          // SCALE_OUT_COOLDOWN: during the cooldown the capacity added by the initiating scale-out counts toward this one.
          const base = inOutCooldown ? s.outBase : desired;
          const to = clamp(Math.ceil((base * v) / p.targetValue));
          if (to > desired) outs.push({ policy: p, to });
        }
        if (!p.disableScaleIn) {
          const low = allOfLast(series[p.name], alarms.scaleInDatapoints, (x) => x < alarms.scaleInThresholdFactor * p.targetValue);
          if (low && v !== undefined && m >= s.inCooldownUntil)
            trackingIn.push({ policy: p, to: clamp(Math.ceil((desired * v) / p.targetValue)) });
          else trackingInReady = false;
        }
      } else {
        const to = stepDecision(p, series[p.name], inOutCooldown ? s.outBase : desired);
        if (to === undefined) continue;
        const clamped = clamp(to);
        if (clamped > desired) outs.push({ policy: p, to: clamped });
        else if (clamped < desired && m >= s.inCooldownUntil) ins.push({ policy: p, to: clamped });
      }
    }
    if (trackingInReady && trackingIn.length > 0) {
      const to = Math.max(...trackingIn.map((c) => c.to));
      if (to < desired) ins.push(...trackingIn.filter((c) => c.to === to).slice(0, 1));
    }

    const from = desired;
    let stopNow = 0;
    if (outs.length > 0) {
      const chosen = outs.reduce((a, b) => (b.to > a.to ? b : a));
      desired = chosen.to;
      const s = state.get(chosen.policy.name)!;
      const cooldown =
        chosen.policy.kind === 'TargetTrackingScaling' ? chosen.policy.scaleOutCooldownSeconds : chosen.policy.cooldownSeconds;
      // SCALE_OUT_COOLDOWN: a larger scale-out during the cooldown restarts it and keeps the base it started from.
      if (!(m < s.outCooldownUntil)) s.outBase = from;
      s.outCooldownUntil = m + minutesOf(cooldown);
      // SCALE_IN_COOLDOWN: a scale-out stops every scale-in cooldown.
      for (const other of state.values()) other.inCooldownUntil = -Infinity;
      result.events.push({
        minute: m,
        policy: chosen.policy.name,
        direction: 'out',
        from,
        to: desired,
        metric: point.get(chosen.policy.name),
      });
      pending.push({ at: m + startup, tasks: desired - from });
    } else if (ins.length > 0) {
      const chosen = ins.reduce((a, b) => (b.to > a.to ? b : a));
      desired = chosen.to;
      const cooled = chosen.policy.kind === 'TargetTrackingScaling' ? trackingIn.map((c) => c.policy) : [chosen.policy];
      for (const p of cooled) {
        state.get(p.name)!.inCooldownUntil =
          m + minutesOf(p.kind === 'TargetTrackingScaling' ? p.scaleInCooldownSeconds : p.cooldownSeconds);
      }
      result.events.push({
        minute: m,
        policy: chosen.policy.name,
        direction: 'in',
        from,
        to: desired,
        metric: point.get(chosen.policy.name),
      });
      // Scale-in stops tasks at once, pending launches first.
      stopNow = from - desired;
      for (let i = pending.length - 1; i >= 0 && stopNow > 0; i--) {
        const cancelled = Math.min(stopNow, pending[i].tasks);
        pending[i].tasks -= cancelled;
        stopNow -= cancelled;
      }
      pending = pending.filter((l) => l.tasks > 0);
    }
    result.running.push(running);
    result.desired.push(desired);
    running -= stopNow;
  }
  return result;
}
