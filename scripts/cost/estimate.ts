import { z } from 'zod';
import { EnvironmentConfig, platformNetworkOf } from '../../lib/config/environment-schema';
import { MetricCatalog, MetricDefinition, seriesPerLabelSet } from '../../lib/model/metric-catalog';
import { Prices } from '../../lib/model/prices';
import { scalingSignals } from '../../lib/model/scaling';
import { parseYamlFile } from '../../lib/data-file';
import { ProjectFiles } from '../../lib/model/project-files';

/**
 * Query samples measured with the real Prometheus by `npm run bench --
 * --query-cost` (scripts/bench/query-cost.ts), at a fraction of the catalog's
 * cardinalities on one instance per service; kept in config/query-samples.yaml.
 */
export interface MeasuredQuerySamples {
  readonly measured: string;
  readonly fraction: number;
  readonly seriesMeasured: number;
  /** Series of one instance per service at the catalog's declared cardinalities. */
  readonly seriesCatalog: number;
  readonly historySeconds: number;
  readonly rangeSeconds: number;
  readonly dashboards: readonly {
    file: string;
    rangeSeconds: number;
    stepSeconds: number;
    refreshSeconds: number;
    samplesPerRefresh: number;
    ms: number;
    panels?: { title: string; samples: number }[];
  }[];
  /** Dashboards as they were before a change, measured on the same data (the overview before issue 20). */
  readonly baselines?: MeasuredQuerySamples['dashboards'];
  readonly ruleGroups: readonly {
    file: string;
    group: string;
    intervalSeconds: number;
    samplesPerEvaluation: number;
    samplesPerMonth: number;
  }[];
}

export const QUERY_SAMPLES_FILE = 'config/query-samples.yaml';

const count = z.number().nonnegative();
const dashboardSamplesSchema = z.array(
  z.object({
    file: z.string(),
    rangeSeconds: count,
    stepSeconds: count,
    refreshSeconds: count,
    samplesPerRefresh: count,
    ms: count,
    panels: z.array(z.object({ title: z.string(), samples: count })).optional(),
  }),
);
const querySamplesSchema: z.ZodType<MeasuredQuerySamples> = z.object({
  measured: z.string(),
  fraction: z.number().positive(),
  seriesMeasured: count,
  seriesCatalog: count,
  historySeconds: count,
  rangeSeconds: count,
  dashboards: dashboardSamplesSchema,
  baselines: dashboardSamplesSchema.optional(),
  ruleGroups: z.array(
    z.object({ file: z.string(), group: z.string(), intervalSeconds: count, samplesPerEvaluation: count, samplesPerMonth: count }),
  ),
});

/** The measurement, if `npm run bench -- --query-cost` has written one (config/query-samples.yaml of `files`). */
export function loadMeasuredQuerySamples(files: ProjectFiles): MeasuredQuerySamples | undefined {
  const text = files[QUERY_SAMPLES_FILE];
  if (text === undefined) return undefined;
  return parseYamlFile(
    QUERY_SAMPLES_FILE,
    text,
    querySamplesSchema,
    'the format `npm run bench -- --query-cost` writes (run it again to rewrite the file)',
  );
}

interface DashboardDayCost {
  readonly file: string;
  readonly samplesPerRefresh: number;
  readonly refreshesPerDay: number;
  readonly usdPerDayOpen: number;
}

interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly monthlyUsd: number;
}

interface CardinalityFinding {
  readonly metric: string;
  readonly series: number;
  readonly budget: number;
  readonly labels: Record<string, number>;
}

export interface CostEstimate {
  readonly environment: string;
  readonly pricesDate: string;
  readonly region: string;
  readonly activeSeries: number;
  readonly samplesPerMonth: number;
  readonly lines: readonly CostLine[];
  readonly totalMonthlyUsd: number;
  readonly assumptions: Readonly<Record<string, number | string>>;
  readonly overBudget: readonly CardinalityFinding[];
  /** One browser with each dashboard open for a day, refreshing at its default rate, on AMP (from the measurement). */
  readonly dashboardDays: readonly DashboardDayCost[];
}

/**
 * Series one scrape target exposes for a metric: label cardinalities
 * multiplied, times a histogram's series (its declared buckets, +Inf, _sum, _count).
 */
export function seriesOfMetric(m: Pick<MetricDefinition, 'labels' | 'type' | 'buckets'>): number {
  return Object.values(m.labels).reduce((p, n) => p * n, 1) * seriesPerLabelSet(m);
}

/** AMP's tiered ingestion price for a month's samples. */
export function ampIngestCost(samples: number, tiers: Prices['prices']['amp']['ingestTiers']): number {
  let cost = 0;
  let from = 0;
  for (const t of tiers) {
    const upTo = t.upToSamples ?? Infinity;
    const inTier = Math.max(0, Math.min(samples, upTo) - from);
    cost += (inTier / 1e7) * t.perTenMillion;
    from = upTo;
    if (samples <= upTo) break;
  }
  return cost;
}

/** The exporters whose queue size the collector reports on AWS (three remote writes and X-Ray, at most). */
const QUEUE_EXPORTERS = 4;

/** A month of the environment, priced line by line from the model and config/prices.yaml. */
export function estimateCost(
  env: EnvironmentConfig,
  catalog: MetricCatalog,
  prices: Prices,
  measured?: MeasuredQuerySamples,
): CostEstimate {
  const a = prices.assumptions;
  const p = prices.prices;
  const hours = a.hoursPerMonth;
  const lines: CostLine[] = [];
  const line = (item: string, quantity: number, unit: string, monthlyUsd: number) =>
    lines.push({ item, quantity, unit, monthlyUsd: Math.round(monthlyUsd * 100) / 100 });

  const instances = a.instancesPerService;
  const series = catalog.estimateSeries() * instances;
  const samplesPerMonth = series * ((hours * 3600) / env.scrapeIntervalSeconds);
  const retentionMonths = env.metricsRetentionDays / 30.4;
  const storedGb = (samplesPerMonth * retentionMonths * a.bytesPerStoredSample) / 2 ** 30;

  if (env.exporters.metrics === 'amp') {
    line('AMP samples ingested', samplesPerMonth, 'samples', ampIngestCost(samplesPerMonth, p.amp.ingestTiers));
    line(`AMP storage (${env.metricsRetentionDays} days kept)`, storedGb, 'GB-month', storedGb * p.amp.storagePerGbMonth);
    if (measured) {
      // Samples processed grow with the series read: the measurement scaled to the catalog's cardinalities and instances.
      const rules = measured.ruleGroups.reduce((sum, g) => sum + g.samplesPerMonth, 0) * scaleOf(measured, instances);
      line(
        `AMP rule evaluation samples (measured ${measured.measured.slice(0, 10)}, scaled)`,
        rules,
        'samples',
        (rules / 1e9) * p.amp.queryPerBillionSamples,
      );
      line('AMP dashboard query samples', a.querySamplesPerMonth, 'samples', (a.querySamplesPerMonth / 1e9) * p.amp.queryPerBillionSamples);
    } else
      line('AMP query samples processed', a.querySamplesPerMonth, 'samples', (a.querySamplesPerMonth / 1e9) * p.amp.queryPerBillionSamples);
  }
  line('Managed Grafana editors', a.grafanaEditors, 'users', a.grafanaEditors * p.grafana.editorPerMonth);
  line('Managed Grafana viewers', a.grafanaViewers, 'users', a.grafanaViewers * p.grafana.viewerPerMonth);

  const vcpu = env.collector.cpu / 1024;
  const gb = env.collector.memoryMiB / 1024;
  const maxReplicas = env.collector.autoScaling?.maxReplicas;
  line(
    `Collector tasks (${env.collector.replicas}${maxReplicas ? `, scaling to ${maxReplicas} under load,` : ''} x ${vcpu} vCPU, ${gb} GB, ARM)`,
    env.collector.replicas * hours,
    'task-hours',
    env.collector.replicas * hours * (vcpu * p.fargateArm.perVcpuHour + gb * p.fargateArm.perGbHour),
  );
  if (!platformNetworkOf(env)) {
    line('NAT gateway (the VPC of its own)', hours, 'hours', hours * p.natGateway.perHour + a.natGbPerMonth * p.natGateway.perGbProcessed);
  }

  const logServices = env.services.length + 1;
  const logGb = logServices * a.logGbPerServicePerDay * 30.4;
  line(`CloudWatch Logs ingested (${logServices} groups)`, logGb, 'GB', logGb * p.cloudwatch.logsIngestPerGb);
  const storedLogGb = logGb * a.logCompressionRatio * Math.min(env.logRetentionDays / 30.4, 120);
  line(
    `CloudWatch Logs stored (${env.logRetentionDays} days kept)`,
    storedLogGb,
    'GB-month',
    storedLogGb * p.cloudwatch.logsStoragePerGbMonth,
  );
  const alarms = logServices + 1 + 6; // error alarms, the Watchdog, the monitoring-the-monitoring alarms
  line('CloudWatch alarms', alarms, 'alarms', alarms * p.cloudwatch.alarmPerMonth);

  // Auto scaling (docs/scaling.md): each target tracking policy has two alarms (AlarmHigh, AlarmLow) reading its
  // metric (a per-task signal: two metrics); the collector's scale-in alarm reads its CPU and its queue size.
  const signals = env.target === 'aws' ? scalingSignals(env, catalog) : [];
  const alarmMetrics = (env.collector.autoScaling ? 2 * 1 + 2 : 0) + signals.reduce((sum, s) => sum + 2 * (s.perTask ? 2 : 1), 0);
  if (alarmMetrics > 0) {
    const policies = (env.collector.autoScaling ? 2 : 0) + signals.length;
    line(`Auto scaling alarms (${policies} scaling policies)`, alarmMetrics, 'alarm metrics', alarmMetrics * p.cloudwatch.alarmPerMonth);
  }
  // The signals, and the collector's queue size when it scales (its scale-in waits for empty queues).
  const queue = env.target === 'aws' && env.collector.autoScaling ? 1 : 0;
  if (signals.length + queue > 0) {
    const metrics = new Set(signals.map((s) => `${s.metric}/${s.from}`)).size + queue;
    line(`CloudWatch custom metrics (${metrics} scaling signals)`, metrics, 'metrics', metrics * p.cloudwatch.customMetricPerMonth);
    // One event per scrape of each source task, from every collector task (each scrapes every target); the queue
    // sizes: one per exporter of each collector task per self-scrape.
    const collectorTasks = maxReplicas ?? env.collector.replicas;
    const scrapes = (hours * 3600) / env.scrapeIntervalSeconds;
    const events = ((metrics - queue) * instances + queue * QUEUE_EXPORTERS) * collectorTasks * scrapes;
    const emfGb = (events * (a.emfBytesPerEvent ?? 600)) / 2 ** 30;
    line('CloudWatch Logs ingested (scaling signals, EMF)', emfGb, 'GB', emfGb * p.cloudwatch.logsIngestPerGb);
  }

  const n = a.alertNotificationsPerMonth;
  const snsCost =
    (n / 1e6) * p.sns.publishesPerMillion +
    env.alerts.email.length * (n / 1e5) * p.sns.emailPerHundredThousand +
    env.alerts.sms.length * n * 0.2 * p.sns.smsPerMessage + // SMS goes to critical only: a fifth of the notifications
    (env.alerts.pagerduty ? ((n * 0.2) / 1e6) * p.sns.httpsPerMillion : 0);
  line('SNS alert notifications', n, 'notifications', snsCost);
  if (env.exporters.traces === 'xray')
    line('X-Ray traces recorded', a.tracesPerMonth, 'traces', (a.tracesPerMonth / 1e6) * p.xray.tracesRecordedPerMillion);
  line('KMS keys', 3, 'keys', 3 * p.kms.keyPerMonth);
  line('SSM advanced parameters (collector configuration)', 1, 'parameters', p.ssm.advancedParameterPerMonth);

  const budget = a.cardinalityBudgetPerMetric;
  const overBudget = catalog.metrics
    .map((m) => ({ metric: m.name, series: seriesOfMetric(m) * m.services.length * instances, budget, labels: m.labels }))
    .filter((f) => f.series > budget)
    .sort((x, y) => y.series - x.series);

  const total = Math.round(lines.reduce((s, l) => s + l.monthlyUsd, 0) * 100) / 100;
  return {
    environment: env.name,
    pricesDate: prices.date,
    region: prices.region,
    activeSeries: series,
    samplesPerMonth,
    lines,
    totalMonthlyUsd: total,
    assumptions: {
      ...a,
      scrapeIntervalSeconds: env.scrapeIntervalSeconds,
      histogramSeriesPerLabelSet: 'declared buckets + 3 (+Inf, _sum, _count)',
    },
    overBudget,
    // The baselines (a dashboard as it was before a change) are priced beside the dashboards, under their own file names.
    dashboardDays: [...(measured?.dashboards ?? []), ...(measured?.baselines ?? [])].map((d) => {
      const samples = d.samplesPerRefresh * scaleOf(measured!, instances);
      const refreshesPerDay = 86400 / d.refreshSeconds;
      return {
        file: d.file,
        samplesPerRefresh: samples,
        refreshesPerDay,
        usdPerDayOpen: (samples * refreshesPerDay * p.amp.queryPerBillionSamples) / 1e9,
      };
    }),
  };
}

/** From the measured series (one instance per service, a fraction of the cardinalities) to the estimate's. */
function scaleOf(m: MeasuredQuerySamples, instances: number): number {
  return (m.seriesCatalog * instances) / m.seriesMeasured;
}

export function formatEstimate(e: CostEstimate): string {
  const num = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
  const rows = e.lines.map(
    (l) => `  ${l.item.padEnd(56)} ${num(l.quantity).padStart(18)} ${l.unit.padEnd(13)} ${l.monthlyUsd.toFixed(2).padStart(10)}`,
  );
  return [
    `Monthly cost estimate, environment "${e.environment}" (prices of ${e.pricesDate}, ${e.region}, USD)`,
    `  ${'item'.padEnd(56)} ${'quantity'.padStart(18)} ${'unit'.padEnd(13)} ${'USD/month'.padStart(10)}`,
    ...rows,
    `  ${'total'.padEnd(56)} ${''.padStart(18)} ${''.padEnd(13)} ${e.totalMonthlyUsd.toFixed(2).padStart(10)}`,
    '',
    `Active series: ${num(e.activeSeries)} (catalog label cardinalities x ${e.assumptions.instancesPerService} instances per service); samples per month: ${num(e.samplesPerMonth)}`,
    'Assumptions (config/prices.yaml):',
    ...Object.entries(e.assumptions).map(([k, v]) => `  ${k}: ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`),
    '',
    ...(e.dashboardDays.length
      ? [
          'A dashboard left open for a day on AMP (samples per refresh measured by `npm run bench -- --query-cost`, scaled to the catalog):',
          ...e.dashboardDays.map(
            (d) =>
              `  ${d.file.padEnd(44)} ${num(d.samplesPerRefresh).padStart(16)} samples/refresh x ${num(d.refreshesPerDay)} refreshes = ${d.usdPerDayOpen.toFixed(2)} USD/day`,
          ),
          '',
        ]
      : []),
    e.overBudget.length === 0
      ? `Cardinality budget: every metric within ${num(e.assumptions.cardinalityBudgetPerMetric as number)} series`
      : `Cardinality budget (${num(e.assumptions.cardinalityBudgetPerMetric as number)} series per metric, seed 9.2) exceeded by:\n${e.overBudget
          .map(
            (f) =>
              `  ${f.metric}: ${num(f.series)} series (labels ${
                Object.entries(f.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ') || 'none'
              })`,
          )
          .join('\n')}`,
  ].join('\n');
}
