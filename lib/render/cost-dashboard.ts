import { AMP_WORKSPACE_VARIABLE } from '../model/grafana-names';
import { IngestTier, Prices } from '../model/prices';
import { checkGeneratedFree, DashboardFile, validateDashboards } from '../model/dashboards';
import { ObservabilityModel } from '../model/model';
import { Naming } from '../naming';
import { SCALING_SIGNALS_LOG_GROUP } from '../model/scaling';
import { COLLECTOR_JOB } from './collector-image';

/** The ingestion row's panels read the same on AWS and locally; only their queries differ. */
const INGESTION = {
  usage: { title: 'Samples ingested per second', unit: 'cps' },
  cost: {
    title: 'Projected monthly ingestion cost (AMP tiers)',
    unit: 'currencyUSD',
    description: 'This rate for a month, priced at the AMP ingestion tiers of config/prices.yaml.',
  },
} as const;

/** Where the generated cost dashboard sits among dashboards/ (it is not a file in the repository). */
export const COST_DASHBOARD_FILE = 'dashboards/cost.json';
const COST_DASHBOARD_UID = 'observability-cost';

/**
 * The usage the cost dashboard reads, by where it runs: on AWS, what AMP and
 * CloudWatch Logs vend to CloudWatch (read through the CloudWatch data source,
 * priced with metric math); locally, Prometheus' own metrics.
 * @see docs/costs.md#the-queries-and-their-sources
 */
const COST_SOURCES = {
  ampUsage: { namespace: 'AWS/Usage', metricName: 'ResourceCount', workspaceDimension: 'ResourceId' },
  ampQuerySamples: { namespace: 'AWS/Prometheus', metricName: 'QuerySamplesProcessed', workspaceDimension: 'Workspace' },
  logBytes: { namespace: 'AWS/Logs', metricName: 'IncomingBytes', dimension: 'LogGroupName' },
  local: {
    samplesAppended: 'prometheus_tsdb_head_samples_appended_total',
    headSeries: 'prometheus_tsdb_head_series',
    querySamples: 'prometheus_engine_query_samples_total',
  },
} as const;

export interface CostDashboardInput {
  /** Where the dashboard runs: CloudWatch usage metrics on AWS, Prometheus' own metrics locally. */
  readonly target: 'aws' | 'local';
  readonly prices: Prices;
  /** How long AMP keeps samples: the storage an active series costs. */
  readonly metricsRetentionDays: number;
  readonly scrapeIntervalSeconds: number;
  /** The log groups whose ingestion is priced (AWS). */
  readonly logGroupNames: readonly string[];
}

/**
 * The AMP workspace the AWS cost panels are filtered to, a hidden constant
 * variable: the dashboard importer sets it to the id of the workspace it
 * imports for, so environments that share an account and region each see
 * their own usage (and, with no workspace dimension, empty panels).
 * @see test/contracts/cost-metrics.ts COST_METRICS
 */
const WORKSPACE_VARIABLE_REF = `$${AMP_WORKSPACE_VARIABLE}`;

const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' };
const CLOUDWATCH = { type: 'cloudwatch', uid: 'cloudwatch' };
/** The period of every CloudWatch query here, in seconds: the per-second rates divide by it (PERIOD() cannot take a SEARCH). */
const PERIOD_SECONDS = 300;
const PERIOD = String(PERIOD_SECONDS);
const GIB = 2 ** 30;

/** A number as PromQL and CloudWatch metric math both read it, without float noise (0.35 / 1e7 is 3.4999999999999996e-8). */
const num = (x: number): string => String(Number(x.toPrecision(12)));
/**
 * A number as CloudWatch metric math reads it: `num` in plain decimal notation,
 * the only notation the user guide shows (exponent notation is never emitted).
 * @see docs/costs.md#the-queries-and-their-sources
 */
const cwNum = (x: number): string => {
  const s = num(x);
  return /e/i.test(s) ? Number(s).toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : s;
};

/**
 * The "Cost" dashboard (seed 13, cost optimization): samples ingested, active
 * series, query samples processed and log bytes ingested, each beside its
 * projected monthly cost at the prices of config/prices.yaml. A pure function
 * of its input: Grafana JSON as Grafana exports it, linted, imported into AMG
 * and provisioned locally like the files of dashboards/.
 */
export function renderCostDashboard(input: CostDashboardInput): string {
  const p = input.prices.prices;
  const secondsPerMonth = input.prices.assumptions.hoursPerMonth * 3600;
  const bytes = input.prices.assumptions.bytesPerStoredSample;
  const retentionMonths = input.metricsRetentionDays / 30.4;
  // Storage a series costs in a month once AMP holds its retention: samples kept x bytes, per GiB-month.
  const storagePerSeries = ((secondsPerMonth / input.scrapeIntervalSeconds) * retentionMonths * bytes * p.amp.storagePerGbMonth) / GIB;
  const perQuerySample = p.amp.queryPerBillionSamples / 1e9;
  const perLogByte = p.cloudwatch.logsIngestPerGb / GIB;
  const rows: Row[] =
    input.target === 'aws'
      ? awsRows(input, secondsPerMonth, storagePerSeries, perQuerySample, perLogByte)
      : localRows(input, secondsPerMonth, storagePerSeries, perQuerySample);
  let id = 0;
  let y = 0;
  const panels: Record<string, unknown>[] = [];
  for (const row of rows) {
    panels.push({
      id: ++id,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    if (row.usage) {
      panels.push(
        panel(++id, row.usage.title, 'timeseries', row.usage.unit, row.usage.datasource, row.usage.targets, { h: 7, w: 16, x: 0, y }),
      );
      panels.push(
        panel(
          ++id,
          row.cost.title,
          'stat',
          'currencyUSD',
          row.cost.datasource,
          row.cost.targets,
          { h: 7, w: 8, x: 16, y },
          row.cost.description,
        ),
      );
    } else {
      panels.push({
        id: ++id,
        type: 'text',
        title: row.cost.title,
        gridPos: { h: 3, w: 24, x: 0, y },
        options: { mode: 'markdown', content: row.cost.description },
      });
    }
    y += row.usage ? 7 : 3;
  }
  const dashboard = {
    annotations: { list: [] },
    description: `Usage and its projected monthly cost (rendered from the model and config/prices.yaml, prices of ${input.prices.date}, ${input.prices.region}, ${input.prices.currency})`,
    editable: true,
    graphTooltip: 1,
    links: [],
    panels,
    refresh: '5m',
    schemaVersion: 39,
    tags: ['cost'],
    templating: {
      list:
        input.target === 'aws'
          ? [
              {
                name: AMP_WORKSPACE_VARIABLE,
                label: 'AMP workspace',
                type: 'constant',
                hide: 2,
                query: 'set-by-the-importer',
                skipUrlSync: true,
              },
            ]
          : [],
    },
    time: { from: 'now-24h', to: 'now' },
    timezone: 'browser',
    title: 'Observability cost',
    uid: COST_DASHBOARD_UID,
    version: 1,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly datasource: typeof PROMETHEUS | typeof CLOUDWATCH;
  readonly targets: readonly Record<string, unknown>[];
  readonly description?: string;
}
interface Row {
  readonly title: string;
  /** Absent: nothing to measure here (the cost panel is a note). */
  readonly usage?: PanelSpec;
  readonly cost: PanelSpec;
}

function panel(
  id: number,
  title: string,
  type: string,
  unit: string,
  datasource: PanelSpec['datasource'],
  targets: readonly Record<string, unknown>[],
  gridPos: Record<string, number>,
  description?: string,
): Record<string, unknown> {
  return {
    id,
    type,
    title,
    ...(description && { description }),
    datasource,
    gridPos,
    fieldConfig: { defaults: { unit, color: { mode: type === 'stat' ? 'thresholds' : 'palette-classic' } }, overrides: [] },
    options: type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, graphMode: 'none' } : {},
    targets: targets.map((t, i) => ({ datasource, refId: String.fromCharCode(65 + i), ...t })),
  };
}

/**
 * AMP's tiered ingestion price of a month of `samples` (an expression): per
 * tier, the samples that fall in it times its price, as `clampedIn(lo, hi)`
 * writes "samples between lo and hi" in each query language.
 */
function tieredCost(
  tiers: readonly IngestTier[],
  clampedIn: (lo: number, hi: number | null) => string,
  fmt: (x: number) => string = num,
): string {
  let from = 0;
  return tiers
    .map((t) => {
      const term = `(${clampedIn(from, t.upToSamples)}) * ${fmt(t.perTenMillion / 1e7)}`;
      from = t.upToSamples ?? from;
      return term;
    })
    .join(' + ');
}

function localRows(input: CostDashboardInput, secondsPerMonth: number, storagePerSeries: number, perQuerySample: number): Row[] {
  const l = COST_SOURCES.local;
  const ingest = `sum(rate(${l.samplesAppended}[5m]))`;
  const monthly = `(${ingest} * ${num(secondsPerMonth)})`;
  const ds = PROMETHEUS;
  const prom = (expr: string, legendFormat: string) => ({ expr, legendFormat, range: true });
  return [
    {
      title: 'Samples ingested',
      usage: { ...INGESTION.usage, datasource: ds, targets: [prom(ingest, 'samples/s')] },
      cost: {
        ...INGESTION.cost,
        datasource: ds,
        targets: [
          prom(
            tieredCost(input.prices.prices.amp.ingestTiers, (lo, hi) =>
              hi === null ? `clamp_min(${monthly}, ${num(lo)}) - ${num(lo)}` : `clamp(${monthly}, ${num(lo)}, ${num(hi)}) - ${num(lo)}`,
            ),
            'USD/month',
          ),
        ],
      },
    },
    {
      title: 'Active series',
      usage: { title: 'Active series', unit: 'short', datasource: ds, targets: [prom(`sum(${l.headSeries})`, 'series')] },
      cost: {
        title: `Projected monthly storage cost (${input.metricsRetentionDays} days kept)`,
        unit: 'currencyUSD',
        datasource: ds,
        description: `These series scraped every ${input.scrapeIntervalSeconds} s, kept ${input.metricsRetentionDays} days at ${input.prices.assumptions.bytesPerStoredSample} bytes a sample, at AMP's storage price.`,
        targets: [prom(`sum(${l.headSeries}) * ${num(storagePerSeries)}`, 'USD/month')],
      },
    },
    {
      title: 'Query samples processed',
      usage: {
        title: 'Query samples processed per second (dashboards and rule evaluation)',
        unit: 'cps',
        datasource: ds,
        targets: [prom(`sum(rate(${l.querySamples}[5m]))`, 'samples/s')],
      },
      cost: {
        title: 'Projected monthly query cost (AMP QSP)',
        unit: 'currencyUSD',
        datasource: ds,
        description: 'This rate for a month, at the AMP price per billion query samples processed.',
        targets: [prom(`sum(rate(${l.querySamples}[5m])) * ${num(secondsPerMonth * perQuerySample)}`, 'USD/month')],
      },
    },
    {
      title: 'Log bytes ingested',
      cost: {
        title: 'Log ingestion',
        unit: 'none',
        datasource: ds,
        targets: [],
        description:
          "Locally the services log to Docker, not to CloudWatch Logs: nothing is ingested or billed. On AWS this row shows `AWS/Logs` `IncomingBytes` of the services' log groups and its monthly cost.",
      },
    },
  ];
}

function awsRows(
  input: CostDashboardInput,
  secondsPerMonth: number,
  storagePerSeries: number,
  perQuerySample: number,
  perLogByte: number,
): Row[] {
  const ds = CLOUDWATCH;
  const search = (
    id: string,
    namespace: string,
    metricName: string,
    dimensions: Record<string, string | readonly string[]>,
    statistic: string,
    hide = false,
  ) => ({
    queryMode: 'Metrics',
    metricQueryType: 0,
    metricEditorMode: 0,
    id,
    region: 'default',
    namespace,
    metricName,
    dimensions,
    matchExact: false,
    statistic,
    period: PERIOD,
    expression: '',
    ...(hide && { hide: true }),
  });
  const math = (id: string, expression: string, label: string) => ({
    queryMode: 'Metrics',
    metricQueryType: 0,
    metricEditorMode: 1,
    id,
    region: 'default',
    namespace: '',
    expression,
    label,
    statistic: 'Average',
    period: PERIOD,
  });
  const usage = COST_SOURCES.ampUsage;
  // An AMP usage metric of this workspace (the importer sets WORKSPACE_VARIABLE_REF), at its Average.
  const ampUsage = (id: string, resource: 'IngestionRate' | 'ActiveSeries', hide = false) =>
    search(
      id,
      usage.namespace,
      usage.metricName,
      { Resource: resource, [usage.workspaceDimension]: WORKSPACE_VARIABLE_REF },
      'Average',
      hide,
    );
  const qsp = COST_SOURCES.ampQuerySamples;
  const logs = COST_SOURCES.logBytes;
  const monthlySamples = `(SUM(ingest) * ${cwNum(secondsPerMonth)})`;
  // Samples in [lo, hi]: CloudWatch metric math has IF but no element-wise MIN/MAX against a scalar.
  const inTier = (lo: number, hi: number | null) => {
    const above = `IF(${monthlySamples} > ${cwNum(lo)}, ${monthlySamples} - ${cwNum(lo)}, 0)`;
    return hi === null ? above : `IF(${monthlySamples} > ${cwNum(hi)}, ${cwNum(hi - lo)}, ${above})`;
  };
  return [
    {
      title: 'Samples ingested (AMP)',
      usage: {
        ...INGESTION.usage,
        datasource: ds,
        targets: [ampUsage('ingest', 'IngestionRate')],
      },
      cost: {
        ...INGESTION.cost,
        datasource: ds,
        targets: [
          ampUsage('ingest', 'IngestionRate', true),
          math('cost', tieredCost(input.prices.prices.amp.ingestTiers, inTier, cwNum), 'USD/month'),
        ],
      },
    },
    {
      title: 'Active series (AMP)',
      usage: {
        title: 'Active series',
        unit: 'short',
        datasource: ds,
        targets: [ampUsage('series', 'ActiveSeries')],
      },
      cost: {
        title: `Projected monthly storage cost (${input.metricsRetentionDays} days kept)`,
        unit: 'currencyUSD',
        datasource: ds,
        description: `These series scraped every ${input.scrapeIntervalSeconds} s, kept ${input.metricsRetentionDays} days at ${input.prices.assumptions.bytesPerStoredSample} bytes a sample, at AMP's storage price.`,
        targets: [ampUsage('series', 'ActiveSeries', true), math('cost', `SUM(series) * ${cwNum(storagePerSeries)}`, 'USD/month')],
      },
    },
    {
      title: 'Query samples processed (AMP)',
      usage: {
        title: 'Query samples processed per second (dashboards and rule evaluation)',
        unit: 'cps',
        datasource: ds,
        targets: [
          search('qsp', qsp.namespace, qsp.metricName, { [qsp.workspaceDimension]: WORKSPACE_VARIABLE_REF }, 'Sum', true),
          math('rate', `SUM(qsp) / ${PERIOD_SECONDS}`, 'samples/s'),
        ],
      },
      cost: {
        title: 'Projected monthly query cost (AMP QSP)',
        unit: 'currencyUSD',
        datasource: ds,
        description: 'This rate for a month, at the AMP price per billion query samples processed.',
        targets: [
          search('qsp', qsp.namespace, qsp.metricName, { [qsp.workspaceDimension]: WORKSPACE_VARIABLE_REF }, 'Sum', true),
          math('cost', `SUM(qsp) / ${PERIOD_SECONDS} * ${cwNum(secondsPerMonth * perQuerySample)}`, 'USD/month'),
        ],
      },
    },
    {
      title: 'Log bytes ingested (CloudWatch Logs)',
      usage: {
        title: 'Log bytes ingested per second',
        unit: 'Bps',
        datasource: ds,
        targets: [
          search('logs', logs.namespace, logs.metricName, { [logs.dimension]: input.logGroupNames }, 'Sum', true),
          math('rate', `SUM(logs) / ${PERIOD_SECONDS}`, 'bytes/s'),
        ],
      },
      cost: {
        title: 'Projected monthly log ingestion cost',
        unit: 'currencyUSD',
        datasource: ds,
        description:
          "This rate for a month (uncompressed bytes), at CloudWatch Logs' ingestion price per GB. The services' and the collector's log groups only: the stack's other log groups (custom-resource Lambdas, AMP, VPC flow logs, the Slack notifier) are not counted.",
        targets: [
          search('logs', logs.namespace, logs.metricName, { [logs.dimension]: input.logGroupNames }, 'Sum', true),
          math('cost', `SUM(logs) / ${PERIOD_SECONDS} * ${cwNum(secondsPerMonth * perLogByte)}`, 'USD/month'),
        ],
      },
    },
  ];
}

/** The input of the environment's cost dashboard, from the model. */
export function costDashboardInput(model: Omit<ObservabilityModel, 'publishedDashboards'>): CostDashboardInput {
  const env = model.environment;
  const naming = Naming.of(env);
  return {
    target: env.target,
    prices: model.prices,
    metricsRetentionDays: env.metricsRetentionDays,
    scrapeIntervalSeconds: env.scrapeIntervalSeconds,
    // The services' log groups and the collector's (ServiceLogGroups names each naming.path(service)), and the scaling
    // signals' EMF group when something scales (observability-stack.ts).
    logGroupNames: [
      ...[...env.services.map((s) => s.name), COLLECTOR_JOB].map((s) => naming.path(s)),
      ...(env.target === 'aws' && (model.scaling.length > 0 || env.collector.autoScaling) ? [naming.path(SCALING_SIGNALS_LOG_GROUP)] : []),
    ],
  };
}

/**
 * The cost dashboard of the model's environment, linted like every dashboard
 * (validateDashboards) and checked against the dashboards of the repository:
 * its uid and its title must stay free.
 */
export function costDashboard(model: Omit<ObservabilityModel, 'publishedDashboards'>): DashboardFile {
  const [cost] = validateDashboards(
    [{ file: COST_DASHBOARD_FILE, text: renderCostDashboard(costDashboardInput(model)) }],
    model.catalog,
    model.recordingRules,
  );
  checkGeneratedFree(cost, model.dashboards);
  return cost;
}
