/**
 * The cited Application Auto Scaling, ECS and AMP facts held against what prod's template does with them, and
 * against the simulator that replays the policies (../scaling/target-tracking.ts).
 */
import { collectorConfigOf } from '../stacks/collector-config-of';
import { resourcesOf, synth } from '../helpers';
import { perTask, policiesFromTemplate, simulate, type CfnTemplate } from '../scaling/target-tracking';
import {
  ALARM_ACTIONS_REPEAT,
  AMP_HA_FAILOVER,
  INSUFFICIENT_DATA,
  METRIC_MATH_PER_TASK,
  MIN_MAX,
  MULTIPLE_POLICIES,
  TARGET_TRACKING_CAPACITY,
} from './application-autoscaling';
import { DESIRED_COUNT } from './ecs';

const { json } = synth('prod');
const targets = resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalableTarget');
const policies = resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalingPolicy');

describe("prod's scaling, held against the cited facts", () => {
  test('every scalable target is an ECS service desired count in the documented form (MIN_MAX)', () => {
    expect(targets.length).toBeGreaterThan(0);
    for (const [, t] of targets) {
      expect(t.ScalableDimension).toBe(MIN_MAX.ecsScalableDimension);
      expect(t.MinCapacity).toBeLessThanOrEqual(t.MaxCapacity);
    }
    expect(targets.map(([, t]) => t.ResourceId).filter((r) => typeof r === 'string')).toEqual([
      expect.stringMatching(MIN_MAX.ecsResourceIdPattern),
    ]);
  });

  test('the per-task signal divides by RunningTaskCount as the documented example does (METRIC_MATH_PER_TASK)', () => {
    const metrics = policies.flatMap(([, p]) => p.TargetTrackingScalingPolicyConfiguration?.CustomizedMetricSpecification?.Metrics ?? []);
    const tasks = metrics.find((m: any) => m.Id === 'tasks');
    expect(`${tasks.MetricStat.Metric.Namespace} ${tasks.MetricStat.Metric.MetricName} ${tasks.MetricStat.Stat}`).toBe(
      METRIC_MATH_PER_TASK.example.m2,
    );
    expect(metrics.filter((m: any) => m.ReturnData)).toEqual([expect.objectContaining({ Expression: 'signal / tasks' })]);
  });

  test("a target tracking policy scales in unless it says not to: only the collector's says so, its scale-in is the band's step (MULTIPLE_POLICIES)", () => {
    expect(MULTIPLE_POLICIES.disableScaleInDefault).toBe(false);
    const disabled = policies.filter(([, p]) => p.TargetTrackingScalingPolicyConfiguration?.DisableScaleIn === true).map(([id]) => id);
    expect(disabled).toEqual([expect.stringMatching(/^CollectorServiceTaskCountTargetCpu/)]);
  });

  test('no data never removes a task: the scale-in alarm treats it as not breaching (INSUFFICIENT_DATA)', () => {
    expect(INSUFFICIENT_DATA.scalesOnMissingData).toBe(false);
    const scaleIn = resourcesOf(json, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('CollectorScaleInAlarm'));
    expect(scaleIn.map(([, a]) => a.TreatMissingData)).toEqual(['notBreaching']);
  });

  test("a scaled-in leader's gap (AMP_HA_FAILOVER) ends before the next scale-in can come, and replicas keep the dedup labels", () => {
    const [[, step]] = policies.filter(([, p]) => p.PolicyType === 'StepScaling');
    expect(AMP_HA_FAILOVER.failoverSeconds).toBeLessThan(step.StepScalingPolicyConfiguration.Cooldown);
    const labels = collectorConfigOf(json).exporters['prometheus_remote_write/scraped'].external_labels;
    expect(Object.keys(labels).sort()).toEqual([...AMP_HA_FAILOVER.labels].sort());
  });

  test('the collector service sets no desired count, so a deploy keeps what scaling chose (DESIRED_COUNT)', () => {
    expect(DESIRED_COUNT.onUpdateWhenOmitted).toBe('unchanged');
    expect(resourcesOf(json, 'AWS::ECS::Service').map(([, s]) => s.DesiredCount)).toEqual([undefined]);
  });
});

describe('the simulator follows the cited arithmetic', () => {
  const worker = Object.values(policiesFromTemplate(json as CfnTemplate)).find((t) => t.resourceId.endsWith('/celery-worker'))!;

  test(`rounds the proportional capacity ${TARGET_TRACKING_CAPACITY.rounding === 'ceil' ? 'up' : 'down'} (TARGET_TRACKING_CAPACITY)`, () => {
    // 2 tasks, 21 pending per task against 10: 2 × 21 / 10 = 4.2 tasks.
    const r = simulate({ target: worker, load: Array(10).fill(42), metrics: { [worker.policies[0].name]: perTask }, startupMinutes: 20 });
    expect(r.events[0]).toMatchObject({ direction: 'out', from: 2, to: TARGET_TRACKING_CAPACITY.rounding === 'ceil' ? 5 : 4 });
  });

  test('an alarm that stays in ALARM invokes the policy again once the cooldown has passed (ALARM_ACTIONS_REPEAT)', () => {
    expect(ALARM_ACTIONS_REPEAT.repeatsWhileInAlarm).toBe(true);
    // Tasks that never start: the signal stays high, the alarm in ALARM; a second scale-out follows the cooldown.
    const r = simulate({ target: worker, load: Array(20).fill(60), metrics: { [worker.policies[0].name]: perTask }, startupMinutes: 30 });
    expect(r.events.filter((e) => e.direction === 'out').length).toBeGreaterThan(1);
  });
});
