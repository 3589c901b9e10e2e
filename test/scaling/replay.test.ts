/**
 * The policies as synthesized for prod, replayed: load shapes (a burst, a slow
 * ramp, a flapping input) go through Application Auto Scaling's documented
 * target tracking arithmetic (./target-tracking.ts, its facts and the numbers
 * it assumes in test/contracts/application-autoscaling.ts), and the task
 * counts over time are asserted. The policies are read from the template, so
 * a wrong target, bound or cooldown in config/environments.yaml shows here.
 */
import { synth } from '../helpers';
import {
  burst,
  type CfnTemplate,
  directionChanges,
  flapping,
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

const targets = Object.values(policiesFromTemplate(synth('prod').json as CfnTemplate));
const only = (match: RegExp): ScalingTarget => {
  const found = targets.filter((t) => match.test(t.resourceId));
  expect(found).toHaveLength(1);
  return found[0];
};
const first = (series: readonly number[], at: number, pred: (n: number) => boolean) => series.findIndex((n, i) => i >= at && pred(n));

describe('celery-worker on pending executions per running task (prod, as synthesized)', () => {
  const worker = only(/^service\/trading-platform-prod\/celery-worker$/);
  const policy = worker.policies[0];

  test('the template holds the policy replayed here', () => {
    expect({ min: worker.minCapacity, max: worker.maxCapacity, policies: worker.policies.length }).toEqual({
      min: 2,
      max: 12,
      policies: 1,
    });
    expect(policy).toMatchObject({
      kind: 'TargetTrackingScaling',
      targetValue: 10,
      scaleOutCooldownSeconds: 180,
      scaleInCooldownSeconds: 300,
      disableScaleIn: false,
    });
  });

  test(`a burst of 100 pending executions: enough workers within ${OUT_POINTS + STARTUP} minutes, back to the minimum once it has passed`, () => {
    // 20 pending (10 per task at the minimum of 2: on target), 100 for 40 minutes from minute 10, then 5.
    const load = burst({ minutes: 120, base: 20, peak: 100, start: 10, duration: 40 }).map((l, i) => (i >= 50 ? 5 : l));
    const r = simulate({ target: worker, load, metrics: { [policy.name]: perTask }, startupMinutes: STARTUP });
    // Scaled out on the alarm's OUT_POINTS-th data point, to 100 / 10 = 10 tasks, running STARTUP minutes later.
    const out = first(r.desired, 10, (d) => d >= 10);
    expect(out).toBeLessThanOrEqual(10 + OUT_POINTS - 1);
    expect(first(r.running, 10, (n) => n >= 10) - 10).toBeLessThanOrEqual(OUT_POINTS - 1 + STARTUP);
    // One scale-out for the burst: the tasks still starting count toward it, no overshoot.
    expect(r.events.filter((e) => e.direction === 'out' && e.minute < 50)).toHaveLength(1);
    expect(Math.max(...r.desired)).toBe(10);
    // After the burst: the minimum, within the scale-in alarm's data points and its cooldown, and no sooner than the alarm.
    const back = first(r.desired, 50, (d) => d === 2);
    expect(back).toBeGreaterThanOrEqual(50 + IN_POINTS - 1);
    expect(back).toBeLessThanOrEqual(50 + IN_POINTS - 1 + 300 / 60);
    expect(r.desired.slice(back).every((d) => d === 2)).toBe(true);
  });

  test('a slow ramp to 150 pending: only scale-outs while it rises, never above the maximum of 12', () => {
    const load = ramp({ minutes: 120, from: 20, to: 150, start: 10, duration: 90 });
    const r = simulate({ target: worker, load, metrics: { [policy.name]: perTask }, startupMinutes: STARTUP });
    expect(r.events.filter((e) => e.direction === 'in')).toEqual([]);
    expect(Math.max(...r.desired)).toBe(12);
    // Follows the ramp: at its end, 150 / 10 = 15 tasks wanted, clamped to 12.
    expect(r.desired[119]).toBe(12);
  });

  test('a load flapping every 4 minutes between 20 and 60 pending: scales out once, never back and forth', () => {
    const load = flapping({ minutes: 180, low: 20, high: 60, periodMinutes: 4 });
    const r = simulate({ target: worker, load, metrics: { [policy.name]: perTask }, startupMinutes: STARTUP });
    expect(directionChanges(r.desired)).toBe(0);
    expect(r.events.filter((e) => e.direction === 'in')).toEqual([]);
  });
});

describe('the collector on its average CPU (prod, as synthesized)', () => {
  const collector = only(/^service\/.*Collector/);
  /** Load in percent of one task's CPU: the service's average is load / running, capped at 100. */
  const cpu = utilization(100);
  const metrics = Object.fromEntries(collector.policies.map((p) => [p.name, cpu]));

  test('the template holds the policies replayed here: out by target tracking, in by one step under a lower threshold', () => {
    expect({ min: collector.minCapacity, max: collector.maxCapacity }).toEqual({ min: 2, max: 4 });
    const [out, scaleIn] = collector.policies;
    expect(out).toMatchObject({ kind: 'TargetTrackingScaling', targetValue: 60, scaleOutCooldownSeconds: 180, disableScaleIn: true });
    expect(scaleIn).toMatchObject({
      kind: 'StepScaling',
      adjustmentType: 'ChangeInCapacity',
      cooldownSeconds: 600,
      steps: [{ upper: 0, adjustment: -1 }],
      alarm: { threshold: 30, comparison: 'LessThanThreshold', evaluationPeriods: 15, datapointsToAlarm: 15 },
    });
  });

  test(`an OTLP burst (3 tasks of CPU) scales out to 4 within ${OUT_POINTS + STARTUP} minutes, and back to 2 one task at a time after it`, () => {
    // 40 % of a task (20 % average on 2), 300 % for 30 minutes from minute 10, then 40 % again.
    const load = burst({ minutes: 150, base: 40, peak: 300, start: 10, duration: 30 });
    const r = simulate({ target: collector, load, metrics, startupMinutes: STARTUP });
    expect(first(r.desired, 10, (d) => d === 4) - 10).toBeLessThanOrEqual(OUT_POINTS - 1 + STARTUP);
    expect(Math.max(...r.desired)).toBe(4);
    // In: 15 minutes under 30 %, one task, then the 10-minute cooldown before the next.
    const ins = r.events.filter((e) => e.direction === 'in');
    expect(ins.map((e) => [e.from, e.to])).toEqual([
      [4, 3],
      [3, 2],
    ]);
    expect(ins[0].minute).toBeGreaterThanOrEqual(40 + 15 - 1);
    expect(ins[1].minute - ins[0].minute).toBeGreaterThanOrEqual(10);
    expect(r.desired[149]).toBe(2);
  });

  test('no task is removed while a queue holds batches: an AMP outage after a burst delays the scale-in until 15 minutes after it', () => {
    // The burst of the test above; AMP does not answer from minute 40 to 70, so every task's queue holds batches.
    const load = burst({ minutes: 150, base: 40, peak: 300, start: 10, duration: 30 });
    const queued = (minute: number) => minute >= 40 && minute < 70;
    // The scale-in alarm's metric math, IF(FILL(queue, 0) > 0, 100, cpu): 100 while a queue holds batches.
    const [out, scaleIn] = collector.policies;
    const guarded = {
      [out.name]: cpu,
      [scaleIn.name]: (l: number, running: number, minute: number) => (queued(minute) ? 100 : cpu(l, running, minute)),
    };
    const r = simulate({ target: collector, load, metrics: guarded, startupMinutes: STARTUP });
    const firstIn = r.events.find((e) => e.direction === 'in')!;
    expect(firstIn.minute).toBeGreaterThanOrEqual(70 + 15 - 1);
    // Without the queue, the same load removes a task during the outage (and the batches that task holds).
    const unguarded = simulate({ target: collector, load, metrics, startupMinutes: STARTUP });
    expect(unguarded.events.find((e) => e.direction === 'in')!.minute).toBeLessThan(70);
  });

  test('a CPU load swinging every 5 minutes between 40 % and 80 % of two tasks scales out once and never back and forth', () => {
    const load = flapping({ minutes: 180, low: 80, high: 160, periodMinutes: 5 });
    const r = simulate({ target: collector, load, metrics, startupMinutes: STARTUP });
    expect(directionChanges(r.desired)).toBe(0);
    expect(r.events.filter((e) => e.direction === 'in')).toEqual([]);
  });
});
