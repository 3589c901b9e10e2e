import { ScalingSignal } from '../model/scaling';
import { dashboardJson } from './dashboard-json';

export const SCALING_DASHBOARD_FILE = 'dashboards/scaling.json';
export const SCALING_DASHBOARD_UID = 'auto-scaling';

const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' };
const CLOUDWATCH = { type: 'cloudwatch', uid: 'cloudwatch' };

export interface ScalingDashboardInput {
  readonly target: 'aws' | 'local';
  readonly signals: readonly ScalingSignal[];
  /** The collector's ECS names and CPU target, when it scales itself (AWS). */
  readonly collector?: {
    readonly cluster: string;
    readonly service: string;
    readonly cpuTargetPercent: number;
    /** Where the collector's queue sizes go (the scaling namespace). */
    readonly queueNamespace: string;
  };
}

/** Grafana's unit for a catalog unit. */
const grafanaUnit = (unit: string): string => ({ s: 's', percent: 'percent', USD: 'currencyUSD' })[unit] ?? 'short';

/** A CloudWatch metric query of a panel (Grafana's CloudWatch data source, Metrics mode). */
interface CloudWatchQuery {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly label: string;
}

/**
 * The "Auto scaling" dashboard (seed 13): per scaled service the signal
 * against its target, the desired and running tasks, and the scaling
 * activity (each step of the desired count), beside each other. On AWS the
 * signal as the policy sees it comes from CloudWatch and the tasks from
 * Container Insights; locally, where nothing scales, the signal and the
 * scraped tasks come from Prometheus. The collector's row shows its CPU and
 * tasks on AWS, its OTLP load (points accepted and refused) everywhere.
 * Undefined when there is nothing to show.
 */
export function renderScalingDashboard(input: ScalingDashboardInput): string | undefined {
  if (input.signals.length === 0 && !input.collector) return undefined;
  const aws = input.target === 'aws';
  const panels: Record<string, unknown>[] = [];
  let id = 0;
  let y = 0;
  const row = (title: string) => {
    panels.push({ id: ++id, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
  };
  const panel = (
    title: string,
    description: string,
    unit: string,
    x: number,
    targets: Record<string, unknown>[],
    options: { target?: number; steps?: boolean } = {},
  ) => {
    const datasource = targets[0].datasource;
    panels.push({
      id: ++id,
      type: 'timeseries',
      title,
      description,
      datasource,
      gridPos: { h: 8, w: 8, x, y },
      fieldConfig: {
        defaults: {
          unit,
          color: { mode: 'palette-classic' },
          custom: {
            lineInterpolation: options.steps ? 'stepAfter' : 'linear',
            ...(options.target !== undefined && { thresholdsStyle: { mode: 'line+area' } }),
          },
          ...(options.target !== undefined && {
            thresholds: {
              mode: 'absolute',
              steps: [
                { color: 'transparent', value: null },
                { color: 'red', value: options.target },
              ],
            },
          }),
        },
        overrides: [],
      },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t })),
    });
  };
  const prom = (expr: string, legendFormat: string) => ({ datasource: PROMETHEUS, expr, legendFormat, range: true });
  const cw = (q: CloudWatchQuery, extra: Record<string, unknown> = {}) => ({
    datasource: CLOUDWATCH,
    queryMode: 'Metrics',
    metricQueryType: 0,
    metricEditorMode: 0,
    region: 'default',
    namespace: q.namespace,
    metricName: q.metricName,
    dimensions: q.dimensions,
    statistic: q.statistic,
    period: '60',
    matchExact: true,
    expression: '',
    id: '',
    label: q.label,
    ...extra,
  });
  /** Desired and running tasks, and the scaling activity: DIFF of the desired count (Container Insights). */
  const taskPanels = (dimensions: Record<string, string>, x: number) => {
    const ci = (metricName: string, label: string) => ({
      namespace: 'ECS/ContainerInsights',
      metricName,
      dimensions,
      statistic: 'Average',
      label,
    });
    panel(
      'Tasks: desired and running',
      'Container Insights of the service',
      'none',
      x,
      [cw(ci('DesiredTaskCount', 'desired')), cw(ci('RunningTaskCount', 'running'))],
      {
        steps: true,
      },
    );
    // The desired count's changes: + a scale-out, − a scale-in (CloudWatch metric math over the query with id "desired").
    panel('Scaling activity', 'Change of the desired task count per minute: + scale-out, − scale-in', 'none', x + 8, [
      cw(ci('DesiredTaskCount', 'desired'), { id: 'desired', hide: true }),
      cw(ci('DesiredTaskCount', 'change'), {
        metricEditorMode: 1,
        expression: 'DIFF(desired)',
        id: 'change',
        namespace: '',
        metricName: '',
      }),
    ]);
  };

  if (input.collector || input.signals.length > 0) {
    row('Collector (otel-collector)');
    if (aws && input.collector) {
      const c = input.collector;
      const dims = { ClusterName: c.cluster, ServiceName: c.service };
      panel(
        'CPU against its target',
        `Average CPU of the collector's tasks (the scaling signal); target ${c.cpuTargetPercent} %`,
        'percent',
        0,
        [cw({ namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: dims, statistic: 'Average', label: 'CPU' })],
        { target: c.cpuTargetPercent },
      );
      taskPanels(dims, 8);
      y += 8;
      // What holds the scale-in back: no task is removed while a queue holds batches (docs/scaling.md).
      panel(
        'Largest exporter queue (holds scale-in)',
        'Batches waiting in the fullest exporter queue of any collector task; above 0, no task is removed',
        'none',
        16,
        [
          cw({
            namespace: c.queueNamespace,
            metricName: 'otelcol_exporter_queue_size',
            dimensions: { Service: 'otel-collector' },
            statistic: 'Maximum',
            label: 'queue',
          }),
        ],
      );
    }
    panel(
      'OTLP and scraped points accepted and refused',
      "The collector's load: what CPU follows; refused points are memory_limiter's back-pressure",
      'short',
      0,
      [
        prom('sum by (receiver) (rate(otelcol_receiver_accepted_metric_points_total[5m]))', 'accepted {{receiver}}'),
        prom('sum by (receiver) (rate(otelcol_receiver_refused_metric_points_total[5m]))', 'refused {{receiver}}'),
      ],
    );
    panel(
      'Collector tasks scraped',
      'Collector tasks whose own metrics are scraped',
      'none',
      8,
      [prom('count(up{job="otel-collector"} == 1)', 'tasks')],
      {
        steps: true,
      },
    );
    y += 8;
  }

  for (const s of input.signals) {
    row(`${s.service}: ${s.metric}${s.perTask ? ' per task' : ''} (${s.aggregation} of ${s.from})`);
    const what = `${s.aggregation} of ${s.metric} of ${s.from}${s.perTask ? `, per running ${s.service} task` : ''}; target ${s.target} (${s.unit})`;
    panel('Signal against its target (Prometheus)', what, grafanaUnit(s.unit), 0, [prom(s.promql, 'signal')], {
      target: s.target,
    });
    if (aws && s.cluster) {
      const dims = { ClusterName: s.cluster, ServiceName: s.ecsService };
      taskPanels(dims, 8);
      y += 8;
      panel(
        'Signal as the policy reads it (CloudWatch)',
        `${s.statistic} of ${s.cloudWatch.namespace} ${s.metric} (Service=${s.from})${s.perTask ? ' / RunningTaskCount' : ''}`,
        grafanaUnit(s.unit),
        0,
        [
          cw(
            {
              namespace: s.cloudWatch.namespace,
              metricName: s.metric,
              dimensions: s.cloudWatch.dimensions,
              statistic: s.statistic,
              label: 'signal',
            },
            { id: 'signal', hide: s.perTask },
          ),
          ...(s.perTask
            ? [
                cw(
                  {
                    namespace: 'ECS/ContainerInsights',
                    metricName: 'RunningTaskCount',
                    dimensions: dims,
                    statistic: 'Average',
                    label: 'tasks',
                  },
                  { id: 'tasks', hide: true },
                ),
                cw(
                  { namespace: '', metricName: '', dimensions: {}, statistic: 'Average', label: 'per task' },
                  { metricEditorMode: 1, expression: 'signal / tasks', id: 'per_task' },
                ),
              ]
            : []),
        ],
        { target: s.target },
      );
    } else {
      panel(
        `${s.service} tasks scraped`,
        `Tasks of ${s.service} whose metrics are scraped (nothing scales locally)`,
        'none',
        8,
        [prom(`count(up{job="${s.service}"} == 1)`, 'tasks')],
        {
          steps: true,
        },
      );
    }
    y += 8;
  }

  return dashboardJson({
    uid: SCALING_DASHBOARD_UID,
    title: 'Auto scaling',
    description: 'Auto scaling: each signal against its target, the tasks desired and running, and the scaling activity (docs/scaling.md)',
    tags: ['scaling'],
    panels,
    refresh: '1m',
    from: 'now-6h',
  });
}
