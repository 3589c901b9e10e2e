/**
 * Platform services scaled on catalog metrics (config/environments.yaml
 * `scaling`), checked against the catalog: each becomes a ScalingSignal, the
 * one value Application Auto Scaling tracks, how the collector carries it to
 * CloudWatch and how a dashboard queries it in Prometheus.
 * @see docs/scaling.md
 */
import { EnvironmentConfig } from '../config/environment-schema';
import { ENVIRONMENTS_FILE } from '../config/parse-environment';
import { UserInputError } from '../errors';
import { Naming } from '../naming';
import { MetricCatalog, MetricDefinition } from './metric-catalog';

export type ScalingAggregation = EnvironmentConfig['scaling'][string]['aggregation'];

/** The CloudWatch statistic that computes an aggregation across the tasks' (and collector replicas') data points. */
export const CLOUDWATCH_STATISTIC: Readonly<Record<ScalingAggregation, 'Maximum' | 'Minimum' | 'Average'>> = {
  max: 'Maximum',
  min: 'Minimum',
  avg: 'Average',
  // A histogram reaches CloudWatch as statistic sets (sum, count, min, max): Average is sum / count.
  mean: 'Average',
};

/** The aggregations each metric type can be scaled on. */
const AGGREGATIONS_BY_TYPE: Readonly<Record<MetricDefinition['type'], readonly ScalingAggregation[]>> = {
  gauge: ['max', 'min', 'avg'],
  histogram: ['mean'],
  // Each collector replica sends its own delta of a counter and CloudWatch cannot tell them apart, so a rate would be
  // counted once per replica: not offered (docs/scaling.md).
  counter: [],
};

/** One platform service's scaling, resolved. */
export interface ScalingSignal {
  /** The platform service scaled (a name of the environment's `services`). */
  readonly service: string;
  /** Its ECS cluster and service names (imported, not owned); no cluster locally (nothing scales there). */
  readonly cluster?: string;
  readonly ecsService: string;
  /** The catalog metric and the service whose series of it are read. */
  readonly metric: string;
  readonly from: string;
  readonly aggregation: ScalingAggregation;
  /** Divided by the scaled service's running tasks. */
  readonly perTask: boolean;
  readonly target: number;
  readonly unit: string;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly scaleOutCooldownSeconds: number;
  readonly scaleInCooldownSeconds: number;
  /** The CloudWatch metric the collector writes: namespace, name and its one dimension. */
  readonly cloudWatch: { readonly namespace: string; readonly metricName: string; readonly dimensions: { readonly Service: string } };
  readonly statistic: 'Maximum' | 'Minimum' | 'Average';
  /** The same signal in PromQL, for the dashboards (AMP and the local Prometheus). */
  readonly promql: string;
}

/** The CloudWatch namespace the collector writes the scaling signals to, e.g. trading-observability-prod/scaling. */
export const scalingNamespace = (naming: Naming): string => `${naming.prefix}/scaling`;

/** The log group (under naming.path) the collector writes the scaling signals' EMF to. */
export const SCALING_SIGNALS_LOG_GROUP = 'scaling-signals';

/** The dimension naming the service a signal's series come from. */
export const SCALING_DIMENSION = 'Service';

/**
 * The environment's scaling settings checked against the catalog: the metric
 * exists, its type has the aggregation, the target's unit is the metric's,
 * and the series come from one service of the environment that emits it.
 */
export function scalingSignals(env: EnvironmentConfig, catalog: MetricCatalog, file: string = ENVIRONMENTS_FILE): ScalingSignal[] {
  const naming = Naming.of(env);
  const services = new Set(env.services.map((s) => s.name));
  // One scalable target per ECS service: a second would fight the first over its desired count.
  const seen = new Map<string, string>();
  for (const [service, s] of Object.entries(env.scaling)) {
    const id = `${s.cluster ?? ''}/${s.ecsService ?? service}`;
    const other = seen.get(id);
    if (other !== undefined) {
      throw UserInputError.of({
        file,
        where: `environments.${env.name}.scaling.${service}.ecsService`,
        problem: `is the ECS service "${other}" already scales`,
        value: s.ecsService ?? service,
        fix: 'scale each ECS service once: remove one of the two entries, or correct its ecsService',
      });
    }
    seen.set(id, service);
  }
  return Object.entries(env.scaling).map(([service, s]) => {
    const where = (key: string) => `environments.${env.name}.scaling.${service}.${key}`;
    const metric = catalog.get(s.metric);
    if (!metric) {
      const near = catalog.metrics.filter((m) => m.type !== 'counter').map((m) => m.name);
      throw UserInputError.of({
        file,
        where: where('metric'),
        problem: 'is not in the metric catalog',
        value: s.metric,
        fix: `use a gauge or histogram of catalog/metrics.yaml (e.g. ${near.slice(0, 3).join(', ')}), or add it there first`,
      });
    }
    const allowed = AGGREGATIONS_BY_TYPE[metric.type];
    if (!allowed.includes(s.aggregation)) {
      throw UserInputError.of({
        file,
        where: where('aggregation'),
        problem: `cannot aggregate ${metric.type} ${metric.name}`,
        value: s.aggregation,
        fix:
          allowed.length > 0
            ? `use ${allowed.map((a) => `"${a}"`).join(' or ')} for a ${metric.type}`
            : 'scale on a gauge or histogram: a counter would be counted once per collector replica in CloudWatch (docs/scaling.md)',
      });
    }
    if (s.unit !== metric.unit) {
      throw UserInputError.of({
        file,
        where: where('unit'),
        problem: `does not match ${metric.name}'s unit in the catalog ("${metric.unit}")`,
        value: s.unit,
        fix: `give the target in "${metric.unit}"${s.perTask ? ' per task' : ''} and set unit: "${metric.unit}"`,
      });
    }
    const emitters = metric.services.filter((m) => services.has(m));
    const from = s.from ?? (emitters.length === 1 ? emitters[0] : undefined);
    if (from === undefined || !emitters.includes(from)) {
      throw UserInputError.of({
        file,
        where: where('from'),
        problem:
          emitters.length === 0
            ? `names no service of this environment that emits ${metric.name}`
            : s.from !== undefined
              ? `does not emit ${metric.name} (the catalog's services for it)`
              : `must name which service's ${metric.name} to read`,
        value: s.from,
        fix:
          emitters.length === 0
            ? `scale on a metric one of ${[...services].join(', ')} emits (catalog/metrics.yaml services)`
            : `set from: to one of ${emitters.map((e) => `"${e}"`).join(', ')}`,
      });
    }
    if (s.perTask && (s.aggregation === 'mean' || (s.aggregation === 'avg' && from === service))) {
      throw UserInputError.of({
        file,
        where: where('perTask'),
        problem:
          s.aggregation === 'mean'
            ? `divides a mean (${metric.name}) by the running tasks, which does not fall as tasks are added`
            : `divides ${service}'s own per-task average by its tasks a second time`,
        value: true,
        fix: 'use perTask: false (target tracking then keeps the value itself at the target)',
      });
    }
    if (s.perTask && s.minTasks < 1) {
      throw UserInputError.of({
        file,
        where: where('minTasks'),
        problem: 'is 0, but a per-task signal divides by running tasks, which a service with none does not report',
        value: s.minTasks,
        fix: 'use minTasks: 1 or more, or perTask: false',
      });
    }
    const statistic = CLOUDWATCH_STATISTIC[s.aggregation];
    const value =
      metric.type === 'histogram'
        ? `sum(rate(${metric.name}_sum{job="${from}"}[5m])) / sum(rate(${metric.name}_count{job="${from}"}[5m]))`
        : `${s.aggregation}(${metric.name}{job="${from}"})`;
    return {
      service,
      cluster: s.cluster,
      ecsService: s.ecsService ?? service,
      metric: metric.name,
      from,
      aggregation: s.aggregation,
      perTask: s.perTask,
      target: s.target,
      unit: s.unit,
      minTasks: s.minTasks,
      maxTasks: s.maxTasks,
      scaleOutCooldownSeconds: s.scaleOutCooldownSeconds,
      scaleInCooldownSeconds: s.scaleInCooldownSeconds,
      cloudWatch: {
        namespace: scalingNamespace(naming),
        metricName: metric.name,
        dimensions: { [SCALING_DIMENSION]: from },
      },
      statistic,
      promql: s.perTask ? `${value} / count(up{job="${service}"} == 1)` : value,
    };
  });
}
