import { SCALE_OUT_COOLDOWN, STEP_ADJUSTMENT_TYPES } from '../contracts/application-autoscaling';
import {
  burst,
  type CfnTemplate,
  directionChanges,
  flapping,
  type MetricModel,
  perTask,
  policiesFromTemplate,
  ramp,
  type ScalingTarget,
  simulate,
  utilization,
  DEFAULT_ALARMS,
  DEFAULT_STARTUP_MINUTES,
} from './target-tracking';

/** The data points each alarm needs and the task startup the simulator assumes (UNCONFIRMED numbers). */
const { scaleOutDatapoints: OUT_POINTS, scaleInDatapoints: IN_POINTS } = DEFAULT_ALARMS;
const STARTUP = DEFAULT_STARTUP_MINUTES;

const WORKER = 'service/platform/workflow-worker';
type Resource = CfnTemplate['Resources'][string];

/** A ScalableTarget for an imported platform service, as CDK synthesizes it. */
function scalableTarget(min: number, max: number, resourceId: unknown = WORKER): Resource {
  return {
    Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
    Properties: {
      MinCapacity: min,
      MaxCapacity: max,
      ResourceId: resourceId,
      ScalableDimension: 'ecs:service:DesiredCount',
      ServiceNamespace: 'ecs',
    },
  };
}

/** Pending executions per running task: the metric math of the platform services' policies. */
const PER_TASK_METRICS = [
  {
    Id: 'm1',
    MetricStat: {
      Metric: { Namespace: 'Platform', MetricName: 'PendingExecutions', Dimensions: [{ Name: 'Queue', Value: 'workflows' }] },
      Stat: 'Sum',
    },
    ReturnData: false,
  },
  {
    Id: 'm2',
    MetricStat: {
      Metric: {
        Namespace: 'ECS/ContainerInsights',
        MetricName: 'RunningTaskCount',
        Dimensions: [
          { Name: 'ClusterName', Value: 'platform' },
          { Name: 'ServiceName', Value: 'workflow-worker' },
        ],
      },
      Stat: 'Average',
    },
    ReturnData: false,
  },
  { Id: 'e1', Expression: 'm1 / m2', ReturnData: true },
];

function trackingPolicy(name: string, config: Record<string, unknown>, target = 'Target'): Resource {
  return {
    Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
    Properties: {
      PolicyName: name,
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: target },
      TargetTrackingScalingPolicyConfiguration: config,
    },
  };
}

const backlogPolicy = (config: Record<string, unknown> = {}, target = 'Target'): Resource =>
  trackingPolicy(
    'backlog',
    {
      TargetValue: 100,
      ScaleOutCooldown: 300,
      ScaleInCooldown: 300,
      CustomizedMetricSpecification: { Metrics: PER_TASK_METRICS },
      ...config,
    },
    target,
  );

/** The one ScalableTarget of a template of a target and its policies. */
function targetOf(resources: Record<string, Resource>): ScalingTarget {
  const targets = Object.values(policiesFromTemplate({ Resources: resources }));
  expect(targets).toHaveLength(1);
  return targets[0];
}

const worker = (min: number, max: number, config: Record<string, unknown> = {}): ScalingTarget =>
  targetOf({ Target: scalableTarget(min, max), Policy: backlogPolicy(config) });

const outs = (r: ReturnType<typeof simulate>) => r.events.filter((e) => e.direction === 'out');
const ins = (r: ReturnType<typeof simulate>) => r.events.filter((e) => e.direction === 'in');

describe('policiesFromTemplate', () => {
  test('reads min, max and policies per ScalableTarget, keyed by ResourceId resolved through Fn::Join', () => {
    // GIVEN the collector's target as CDK writes it (Fn::Join of a Ref and a GetAtt) and an imported service's
    const template: CfnTemplate = {
      Resources: {
        CollectorTarget: scalableTarget(1, 4, {
          'Fn::Join': ['', ['service/', { Ref: 'Cluster' }, '/', { 'Fn::GetAtt': ['Service', 'Name'] }]],
        }),
        CollectorCpu: trackingPolicy(
          'collector-cpu',
          { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
          'CollectorTarget',
        ),
        WorkerTarget: scalableTarget(1, 10),
        WorkerBacklog: backlogPolicy({ DisableScaleIn: true }, 'WorkerTarget'),
        WorkerStepOut: {
          Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
          Properties: {
            PolicyName: 'worker-step-out',
            PolicyType: 'StepScaling',
            ScalingTargetId: { Ref: 'WorkerTarget' },
            StepScalingPolicyConfiguration: {
              AdjustmentType: 'ChangeInCapacity',
              StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }],
            },
          },
        },
        WorkerStepAlarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            Threshold: 500,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            EvaluationPeriods: 2,
            AlarmActions: [{ Ref: 'WorkerStepOut' }],
          },
        },
      },
    };

    // WHEN
    const targets = policiesFromTemplate(template);

    // THEN
    expect(Object.keys(targets).sort()).toEqual(['service/${Cluster}/${Service.Name}', WORKER]);
    const collector = targets['service/${Cluster}/${Service.Name}'];
    expect(collector).toMatchObject({
      logicalId: 'CollectorTarget',
      minCapacity: 1,
      maxCapacity: 4,
      scalableDimension: 'ecs:service:DesiredCount',
    });
    expect(collector.policies).toEqual([
      {
        kind: 'TargetTrackingScaling',
        name: 'collector-cpu',
        logicalId: 'CollectorCpu',
        targetValue: 60,
        // No cooldown in the template: AAS's default for ECS services.
        scaleOutCooldownSeconds: SCALE_OUT_COOLDOWN.defaultSecondsEcs,
        scaleInCooldownSeconds: 300,
        disableScaleIn: false,
        metric: 'ECSServiceAverageCPUUtilization',
        predefined: true,
      },
    ]);
    expect(targets[WORKER].policies).toMatchObject([
      { name: 'backlog', metric: 'm1 / m2', predefined: false, disableScaleIn: true },
      {
        kind: 'StepScaling',
        name: 'worker-step-out',
        cooldownSeconds: 300,
        metricAggregationType: 'Average',
        steps: [{ lower: 0, upper: undefined, adjustment: 2 }],
        alarm: {
          logicalId: 'WorkerStepAlarm',
          threshold: 500,
          comparison: 'GreaterThanOrEqualToThreshold',
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
        },
      },
    ]);
  });

  test('fails when a target tracking policy has no TargetValue', () => {
    const { TargetValue: _, ...noTarget } = backlogPolicy().Properties!.TargetTrackingScalingPolicyConfiguration as Record<string, unknown>;
    expect(() =>
      policiesFromTemplate({ Resources: { Target: scalableTarget(1, 10), Policy: trackingPolicy('backlog', noTarget) } }),
    ).toThrow(
      'ScalingPolicy Policy: TargetTrackingScalingPolicyConfiguration has no TargetValue: add TargetValue (the metric value to keep, > 0)',
    );
  });

  test("fails when a policy's ScalingTargetId names no ScalableTarget", () => {
    expect(() =>
      policiesFromTemplate({
        Resources: { Target: scalableTarget(1, 10), Policy: trackingPolicy('backlog', { TargetValue: 1 }, 'Other') },
      }),
    ).toThrow('ScalingPolicy Policy: ScalingTargetId {"Ref":"Other"} names no ScalableTarget of the template');
  });

  test('fails when step adjustments leave a gap', () => {
    const policy: Resource = {
      Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
      Properties: {
        PolicyType: 'StepScaling',
        ScalingTargetId: { Ref: 'Target' },
        StepScalingPolicyConfiguration: {
          AdjustmentType: 'ChangeInCapacity',
          StepAdjustments: [
            { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
            { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
          ],
        },
      },
    };
    expect(() => policiesFromTemplate({ Resources: { Target: scalableTarget(1, 10), Step: policy } })).toThrow(
      'ScalingPolicy Step: step adjustments overlap or leave a gap between 10 and 20',
    );
  });

  test('fails when MinCapacity is above MaxCapacity', () => {
    expect(() => policiesFromTemplate({ Resources: { Target: scalableTarget(5, 2) } })).toThrow(
      'ScalableTarget Target: MinCapacity 5 is above MaxCapacity 2: lower MinCapacity or raise MaxCapacity',
    );
  });
});

describe('target tracking', () => {
  test(`scales out ${OUT_POINTS} data points into a burst, to the proportional capacity, running ${STARTUP} minutes later`, () => {
    // GIVEN 1 task at 50 pending per task, then 400 pending for 30 minutes
    const load = burst({ minutes: 90, base: 50, peak: 400, start: 10, duration: 30 });

    // WHEN
    const r = simulate({ target: worker(1, 10), load, startupMinutes: STARTUP });

    // THEN the scale-out alarm fires on the burst's OUT_POINTS-th data point, with ceil(1 × 400 / 100) tasks
    const scaledAt = 10 + OUT_POINTS - 1;
    expect(outs(r)[0]).toMatchObject({ minute: scaledAt, from: 1, to: 4 });
    expect(r.desired[scaledAt - 1]).toBe(1);
    expect(r.running.indexOf(4)).toBe(scaledAt + STARTUP);
    // and the tasks still starting do not trigger another scale-out (they count toward it: SCALE_OUT_COOLDOWN)
    expect(outs(r)).toHaveLength(1);
  });

  test(`does not flap under a load that flips faster than the scale-in alarm's ${IN_POINTS} data points`, () => {
    // GIVEN 300 and 50 pending, alternating every 10 minutes for 4 hours
    const load = flapping({ minutes: 240, low: 50, high: 300, periodMinutes: 10 });

    // WHEN
    const r = simulate({ target: worker(1, 10), load, startupMinutes: STARTUP });

    // THEN one scale-out to the high load's capacity, never back
    expect(r.events.map((e) => [e.minute, e.direction, e.to])).toEqual([[OUT_POINTS - 1, 'out', 3]]);
    expect(directionChanges(r.desired)).toBe(0);
  });

  test(`returns to the minimum ${IN_POINTS} data points after the load ends, not before`, () => {
    // GIVEN a 30-minute burst, then nothing pending
    const load = burst({ minutes: 90, base: 0, peak: 400, start: 10, duration: 30 });
    const ended = 40;

    // WHEN
    const r = simulate({ target: worker(1, 10), load, startupMinutes: STARTUP });

    // THEN one scale-in (0 per task: ceil(4 × 0 / 100), clamped to the minimum) on the scale-in alarm's last data point
    expect(ins(r)).toEqual([{ minute: ended + IN_POINTS - 1, policy: 'backlog', direction: 'in', from: 4, to: 1, metric: 0 }]);
    expect(r.desired[ended + IN_POINTS - 2]).toBe(4);
    expect(r.desired.slice(ended + IN_POINTS - 1).every((d) => d === 1)).toBe(true);
  });

  test('never leaves [MinCapacity, MaxCapacity], for a burst, a ramp, a flapping load and no load', () => {
    const minutes = 180;
    const loads = {
      burst: burst({ minutes, base: 0, peak: 100_000, start: 5, duration: 60 }),
      ramp: ramp({ minutes, from: 0, to: 5_000, start: 10, duration: 100 }),
      flapping: flapping({ minutes, low: 0, high: 100_000, periodMinutes: 20 }),
      none: burst({ minutes, base: 0, peak: 0, start: 0, duration: 0 }),
    };
    for (const [shape, load] of Object.entries(loads)) {
      const r = simulate({ target: worker(2, 6, { ScaleOutCooldown: 60, ScaleInCooldown: 60 }), load, startupMinutes: STARTUP });
      const within = (n: number) => n >= 2 && n <= 6;
      expect({ shape, desired: r.desired.every(within), running: r.running.every(within) }).toEqual({
        shape,
        desired: true,
        running: true,
      });
      // The bounds are reached, not just respected: the maximum under load, the minimum without.
      expect({ shape, extreme: shape === 'none' ? Math.min(...r.desired) : Math.max(...r.desired) }).toEqual({
        shape,
        extreme: shape === 'none' ? 2 : 6,
      });
    }
  });

  describe('scale-out cooldown', () => {
    // 4-minute task startup: the added tasks are not running (not in the metric) for 4 data points.
    const startupMinutes = 4;

    test('a larger scale-out during the cooldown counts the capacity already added: ceil(1 × 800 / 100) = 8, not ceil(4 × 800 / 100)', () => {
      // GIVEN 400 pending, then 800 one minute after the first scale-out
      const load = [...burst({ minutes: 13, base: 50, peak: 400, start: 10, duration: 3 }), ...Array<number>(30).fill(800)];

      // WHEN
      const r = simulate({ target: worker(1, 20), load, startupMinutes });

      // THEN
      expect(outs(r).map((e) => [e.minute, e.from, e.to])).toEqual([
        [12, 1, 4],
        [13, 4, 8],
      ]);
      expect(Math.max(...r.desired)).toBe(8);
    });

    test('(UNCONFIRMED model) without a cooldown covering the task startup, the same burst overshoots to the maximum', () => {
      const load = burst({ minutes: 60, base: 50, peak: 400, start: 10, duration: 40 });
      const r = simulate({ target: worker(1, 20, { ScaleOutCooldown: 0 }), load, startupMinutes });
      expect(outs(r)[0]).toMatchObject({ minute: 12, to: 4 });
      expect(Math.max(...r.desired)).toBe(20);
    });
  });

  describe('scale-in cooldown', () => {
    // 8 tasks at the target (800 pending), 300 from minute 10, 50 from minute 26; a one-hour scale-in cooldown.
    const target = () => worker(1, 20, { ScaleInCooldown: 3600 });
    const load = (extra: (m: number) => number | undefined = () => undefined) =>
      Array.from({ length: 120 }, (_, m) => extra(m) ?? (m < 10 ? 800 : m < 26 ? 300 : 50));

    test('blocks the next scale-in until it has expired', () => {
      const r = simulate({ target: target(), load: load(), initialDesired: 8, startupMinutes: STARTUP });
      const first = 10 + IN_POINTS - 1;
      // The second scale-in's alarm fires at 26 + IN_POINTS - 1 = 40; the cooldown holds it to first + 60.
      expect(ins(r).map((e) => [e.minute, e.from, e.to])).toEqual([
        [first, 8, 3],
        [first + 60, 3, 1],
      ]);
    });

    test('a scale-out interrupts it: scales out at once, and the next scale-in does not wait for the old cooldown', () => {
      // GIVEN a burst of 600 pending at minutes 30-35, inside the first scale-in's cooldown
      const r = simulate({
        target: target(),
        load: load((m) => (m >= 30 && m < 36 ? 600 : undefined)),
        initialDesired: 8,
        startupMinutes: STARTUP,
      });
      expect(r.events.map((e) => [e.minute, e.direction, e.from, e.to])).toEqual([
        [10 + IN_POINTS - 1, 'in', 8, 3],
        [30 + OUT_POINTS - 1, 'out', 3, 6],
        [36 + IN_POINTS - 1, 'in', 6, 1],
      ]);
    });
  });

  describe('two policies', () => {
    // The collector-style CPU policy (target 60 %) and the backlog policy (target 100 per task) on one service.
    const cpuWork = Array<number>(90).fill(120); // 100 is one task fully busy: 60 % (the target) on 2 tasks, 20 % on 6
    const backlog = Array.from({ length: 90 }, (_, m) => (m < 5 ? 100 : m < 40 ? 600 : 60));
    const metrics: Record<string, MetricModel> = { 'collector-cpu': (_load, running, m) => utilization()(cpuWork[m], running, m) };
    const service = (backlogConfig: Record<string, unknown>) =>
      targetOf({
        Target: scalableTarget(1, 10),
        Cpu: trackingPolicy('collector-cpu', {
          TargetValue: 60,
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        }),
        Policy: backlogPolicy(backlogConfig),
      });

    test('scale out if any is ready; scale in only when all are, to the largest capacity', () => {
      const r = simulate({ target: service({}), load: backlog, metrics, initialDesired: 2, startupMinutes: STARTUP });
      expect(r.events.map((e) => [e.minute, e.policy, e.direction, e.to])).toEqual([
        // backlog 300 per task; CPU at its target
        [5 + OUT_POINTS - 1, 'backlog', 'out', 6],
        // CPU has been low (20 %) since the 6 tasks run (minute 9), backlog (100 per task) only from 40;
        // CPU wants ceil(6 × 20 / 60) = 2, backlog ceil(6 × 10 / 100) = 1
        [40 + IN_POINTS - 1, 'collector-cpu', 'in', 2],
      ]);
    });

    test('a policy with DisableScaleIn does not hold back the other: CPU scales in, and the backlog scales right back out', () => {
      const r = simulate({ target: service({ DisableScaleIn: true }), load: backlog, metrics, initialDesired: 2, startupMinutes: STARTUP });
      // CPU low from minute 9, when the 6 tasks run
      const cpuIn = 5 + OUT_POINTS - 1 + STARTUP + IN_POINTS - 1;
      expect(r.events.slice(0, 3).map((e) => [e.minute, e.policy, e.direction, e.to])).toEqual([
        [5 + OUT_POINTS - 1, 'backlog', 'out', 6],
        [cpuIn, 'collector-cpu', 'in', 2],
        [cpuIn + OUT_POINTS, 'backlog', 'out', 6],
      ]);
    });
  });

  test('without a data point (0 running tasks: m1 / m2 has none) it never scales, so MinCapacity 0 never leaves 0', () => {
    const r = simulate({ target: worker(0, 5), load: Array<number>(60).fill(1000), startupMinutes: STARTUP });
    expect(r.metrics.backlog.every((v) => v === undefined)).toBe(true);
    expect(r.events).toEqual([]);
    expect(perTask(1000, 0, 0)).toBeUndefined();
  });
});

describe('step scaling', () => {
  function stepResources(
    name: string,
    adjustmentType: string,
    steps: [number | null, number | null, number][],
    alarm: Record<string, unknown>,
  ) {
    return {
      [name]: {
        Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
        Properties: {
          PolicyName: name,
          PolicyType: 'StepScaling',
          ScalingTargetId: { Ref: 'Target' },
          StepScalingPolicyConfiguration: {
            AdjustmentType: adjustmentType,
            Cooldown: 300,
            StepAdjustments: steps.map(([lower, upper, adjustment]) => ({
              ...(lower === null ? {} : { MetricIntervalLowerBound: lower }),
              ...(upper === null ? {} : { MetricIntervalUpperBound: upper }),
              ScalingAdjustment: adjustment,
            })),
          },
        },
      },
      [`${name}Alarm`]: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { EvaluationPeriods: 1, Threshold: 50, ...alarm, AlarmActions: [{ Ref: name }] },
      },
    } as Record<string, Resource>;
  }
  const scripted =
    (values: number[]): MetricModel =>
    (_load, _running, m) =>
      values[m];

  test("reproduces the guide's worked example: capacity 10, threshold 50, 60 -> 70 -> 40 -> 30 gives 11, 14, 13, 10", () => {
    // GIVEN the guide's scale-out and scale-in step policies, PercentChangeInCapacity, 5-minute cooldowns
    const target = targetOf({
      Target: scalableTarget(1, 20),
      ...stepResources(
        'Out',
        'PercentChangeInCapacity',
        [
          [0, 10, 0],
          [10, 20, 10],
          [20, null, 30],
        ],
        { ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      ),
      ...stepResources(
        'In',
        'PercentChangeInCapacity',
        [
          [-10, 0, 0],
          [-20, -10, -10],
          [null, -20, -30],
        ],
        { ComparisonOperator: 'LessThanOrEqualToThreshold' },
      ),
    });
    const metric = scripted([
      ...Array<number>(5).fill(60),
      ...Array<number>(5).fill(70),
      ...Array<number>(5).fill(40),
      ...Array<number>(5).fill(30),
    ]);

    // WHEN
    const r = simulate({ target, load: Array<number>(20).fill(0), metrics: { Out: metric, In: metric }, initialDesired: 10 });

    // THEN
    expect([10, ...r.events.map((e) => e.to)]).toEqual(STEP_ADJUSTMENT_TYPES.guideExample);
    expect(r.events.map((e) => e.minute)).toEqual([0, 5, 10, 15]);
  });

  test("during the cooldown a more aggressive step adds only the difference (the guide's +2, then +3 adds 1)", () => {
    const target = targetOf({
      Target: scalableTarget(1, 20),
      ...stepResources(
        'Out',
        'ChangeInCapacity',
        [
          [0, 10, 2],
          [10, null, 3],
        ],
        { ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      ),
    });
    const r = simulate({ target, load: Array<number>(5).fill(0), metrics: { Out: scripted([55, 65, 65, 65, 65]) }, initialDesired: 10 });
    expect(r.desired).toEqual([12, 13, 13, 13, 13]);
  });
});
