import { parse, stringify } from 'yaml';
import { compile } from '../../lib/compile/compile';
import { ENVIRONMENTS_FILE } from '../../lib/config/parse-environment';
import { baseFiles, inputErrorOf, modelOf } from '../helpers';

type Doc = Record<string, any>;

/** The project's files with prod's scaling of celery-worker (or the collector block) edited, in memory. */
function withProd(edit: (prod: Doc) => void): Record<string, string> {
  const doc = parse(baseFiles[ENVIRONMENTS_FILE]);
  edit(doc.environments.prod);
  return { ...baseFiles, [ENVIRONMENTS_FILE]: stringify(doc, { lineWidth: 0 }) };
}
const worker = (edit: (s: Doc) => void) => withProd((prod) => edit(prod.scaling['celery-worker']));

/** The one-line refusal of compiling prod. */
function refusal(files: Record<string, string>): string {
  const message = inputErrorOf(() => compile(files, 'prod'));
  expect(message).not.toContain('\n');
  expect(message).toMatch(/^config\/environments\.yaml: environments\.prod\.(scaling|collector)\..+\. Fix: .+/);
  return message;
}

describe('scaling signals from the environment and the catalog', () => {
  test("prod's worker scales on the backend's pending executions per task; local shows the same signal", () => {
    for (const env of ['prod', 'local']) {
      const [signal] = modelOf(env).scaling;
      expect(signal).toMatchObject({
        service: 'celery-worker',
        metric: 'system_executions_pending_executions',
        from: 'backend',
        statistic: 'Maximum',
        perTask: true,
        target: 10,
        promql: 'max(system_executions_pending_executions{job="backend"}) / count(up{job="celery-worker"} == 1)',
      });
    }
    expect(modelOf('prod').scaling[0]).toMatchObject({
      cluster: 'trading-platform-prod',
      ecsService: 'celery-worker',
      minTasks: 2,
      maxTasks: 12,
    });
    expect(modelOf('dev').scaling).toEqual([]);
  });

  test('a histogram scales on its mean: Average over the statistic sets in CloudWatch, sum/count rates in PromQL', () => {
    const files = worker((s) => {
      s.metric = 'pipeline_execution_duration_seconds';
      s.from = 'celery-worker';
      s.aggregation = 'mean';
      s.perTask = false;
      s.unit = 's';
      s.target = 30;
    });
    const [signal] = compile(files, 'prod').scaling;
    expect(signal.statistic).toBe('Average');
    expect(signal.promql).toBe(
      'sum(rate(pipeline_execution_duration_seconds_sum{job="celery-worker"}[5m])) / sum(rate(pipeline_execution_duration_seconds_count{job="celery-worker"}[5m]))',
    );
  });

  test.each<[string, (s: Doc) => void, RegExp]>([
    [
      'the metric is not in the catalog',
      (s) => (s.metric = 'celery_queue_length'),
      /scaling\.celery-worker\.metric: is not in the metric catalog \(got "celery_queue_length"\)\. Fix: use a gauge or histogram of catalog\/metrics\.yaml/,
    ],
    [
      "the target's unit is not the metric's",
      (s) => (s.unit = 's'),
      /scaling\.celery-worker\.unit: does not match system_executions_pending_executions's unit in the catalog \("1"\) \(got "s"\)\. Fix: give the target in "1" per task and set unit: "1"/,
    ],
    [
      'a counter is chosen',
      (s) => {
        s.metric = 'pipeline_executions_total';
        s.from = 'celery-worker';
      },
      /scaling\.celery-worker\.aggregation: cannot aggregate counter pipeline_executions_total \(got "max"\)\. Fix: scale on a gauge or histogram/,
    ],
    [
      'a gauge is given the mean of a histogram',
      (s) => (s.aggregation = 'mean'),
      /aggregation: cannot aggregate gauge system_executions_pending_executions \(got "mean"\)\. Fix: use "max" or "min" or "avg" for a gauge/,
    ],
    [
      'the metric is read from a service that does not emit it',
      (s) => (s.from = 'signal-generator'),
      /scaling\.celery-worker\.from: does not emit system_executions_pending_executions \(the catalog's services for it\) \(got "signal-generator"\)\. Fix: set from: to one of "backend"/,
    ],
    [
      'a per-task signal is a histogram mean',
      (s) => {
        s.metric = 'pipeline_execution_duration_seconds';
        s.from = 'celery-worker';
        s.aggregation = 'mean';
        s.unit = 's';
      },
      /scaling\.celery-worker\.perTask: divides a mean \(pipeline_execution_duration_seconds\) by the running tasks.*Fix: use perTask: false/,
    ],
    [
      'a per-task signal may scale to no task',
      (s) => (s.minTasks = 0),
      /scaling\.celery-worker\.minTasks: is 0, but a per-task signal divides by running tasks.*Fix: use minTasks: 1 or more, or perTask: false/,
    ],
  ])('fails when %s', (_name, edit, expected) => {
    expect(refusal(worker(edit))).toMatch(expected);
  });

  test.each<[string, (prod: Doc) => void, RegExp]>([
    [
      'minTasks is above maxTasks',
      (prod) => (prod.scaling['celery-worker'].minTasks = 20),
      /^config\/environments\.yaml: environments\.prod\.scaling\.celery-worker\.minTasks: is above maxTasks \(12\) \(got 20\)\. Fix: use a minTasks of 12 or less, or raise maxTasks$/,
    ],
    [
      'a scaled service is not a service of the environment',
      (prod) => (prod.scaling['celery-workers'] = prod.scaling['celery-worker']),
      /scaling\.celery-workers: is not a service of this environment \(got "celery-workers"\)\. Fix: use one of "backend", "celery-worker"/,
    ],
    [
      'an AWS environment names no cluster',
      (prod) => delete prod.scaling['celery-worker'].cluster,
      /scaling\.celery-worker\.cluster: is required on AWS.*Fix: add the name of the ECS cluster "celery-worker" runs in/,
    ],
    [
      "a per-task signal is the scaled service's own average",
      (prod) =>
        (prod.scaling['trigger-dispatcher'] = {
          cluster: 'trading-platform-prod',
          metric: 'pipeline_cache_size',
          aggregation: 'avg',
          perTask: true,
          target: 50,
          unit: '1',
          minTasks: 1,
          maxTasks: 4,
        }),
      /scaling\.trigger-dispatcher\.perTask: divides trigger-dispatcher's own per-task average by its tasks a second time.*Fix: use perTask: false/,
    ],
    [
      'two entries scale one ECS service',
      (prod) => (prod.scaling['trigger-dispatcher'] = { ...prod.scaling['celery-worker'], ecsService: 'celery-worker' }),
      /scaling\.trigger-dispatcher\.ecsService: is the ECS service "celery-worker" already scales \(got "celery-worker"\)\. Fix: scale each ECS service once/,
    ],
    [
      "the collector's maxReplicas is below replicas",
      (prod) => (prod.collector.autoScaling.maxReplicas = 1),
      /collector\.autoScaling\.maxReplicas: is below replicas \(2\), the minimum the collector scales in to \(got 1\)\. Fix: use a maxReplicas of 2 or more, or lower replicas/,
    ],
    [
      'a collector that scales exports to CloudWatch, which cannot deduplicate its replicas',
      (prod) => {
        prod.collector.replicas = 1;
        prod.exporters = { metrics: 'cloudwatch', traces: 'xray' };
      },
      /collector\.autoScaling\.maxReplicas: would double-count every scraped series with metrics exporter "cloudwatch".*Fix: remove collector\.autoScaling, or use metrics: amp/,
    ],
  ])('fails when %s', (_name, edit, expected) => {
    expect(refusal(withProd(edit))).toMatch(expected);
  });

  test('fails when a local environment asks the collector to scale', () => {
    const doc = parse(baseFiles[ENVIRONMENTS_FILE]);
    doc.environments.local.collector = { autoScaling: { maxReplicas: 2 } };
    const message = inputErrorOf(() => compile({ ...baseFiles, [ENVIRONMENTS_FILE]: stringify(doc) }, 'local'));
    expect(message).toMatch(/^config\/environments\.yaml: environments\.local\.collector\.autoScaling: cannot scale a local environment/);
  });
});
