import { stringify } from 'yaml';
import { ampIngestCost } from '../../scripts/cost/estimate';
import { parsePrices, Prices, PRICES_FILE } from '../../lib/model/prices';
import {
  COST_DASHBOARD_FILE,
  costDashboard,
  costDashboardInput,
  CostDashboardInput,
  renderCostDashboard,
} from '../../lib/render/cost-dashboard';
import { baseFiles, inputErrorOf, modelOf } from '../helpers';
import { CLOUDWATCH_QUERY_FACTS, COST_METRICS } from '../contracts/cost-metrics';
import { compile } from '../../lib/compile/compile';

const prices = modelOf().prices;
const prod = modelOf('prod');
const local = modelOf('local');

type Target = Record<string, any>;
type Panel = { title: string; type: string; targets?: Target[]; fieldConfig?: { defaults: { unit?: string } } };
const panelsOf = (input: CostDashboardInput): Panel[] => (JSON.parse(renderCostDashboard(input)) as { panels: Panel[] }).panels;
const targetsOf = (input: CostDashboardInput, title: RegExp): Target[] => panelsOf(input).find((p) => title.test(p.title))!.targets!;
const withPrices = (input: CostDashboardInput, edit: (p: Prices) => void): CostDashboardInput => {
  const copy = structuredClone(input.prices);
  edit(copy);
  return { ...input, prices: copy };
};

/** A CloudWatch metric math expression of scalars (IF, arithmetic, comparisons), as CloudWatch evaluates it on one datapoint. */
function evalMetricMath(expr: string, values: Record<string, number>, periodSeconds: number): number {
  const js = expr.replace(/SUM\((\w+)\)/g, (_, id: string) => String(values[id])).replace(/PERIOD\(\w+\)/g, String(periodSeconds));
  expect(js).toMatch(/^[\d\s.e+\-*/()<>,IF]*$/);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('IF', `return ${js};`)((c: boolean, a: number, b: number) => (c ? a : b)) as number;
}

describe('cost dashboard renderer', () => {
  const aws = costDashboardInput(prod);
  const loc = costDashboardInput(local);

  test('four rows, each a usage panel beside its projected monthly cost (the local logs row a note: logs stay in Docker)', () => {
    const rows = (i: CostDashboardInput) =>
      panelsOf(i)
        .filter((p) => p.type === 'row')
        .map((p) => p.title);
    expect(rows(aws)).toEqual([
      'Samples ingested (AMP)',
      'Active series (AMP)',
      'Query samples processed (AMP)',
      'Log bytes ingested (CloudWatch Logs)',
    ]);
    expect(rows(loc)).toEqual(['Samples ingested', 'Active series', 'Query samples processed', 'Log bytes ingested']);
    expect(
      panelsOf(aws)
        .filter((p) => p.type === 'stat')
        .every((p) => p.fieldConfig?.defaults.unit === 'currencyUSD'),
    ).toBe(true);
    expect(panelsOf(aws).filter((p) => p.type === 'stat')).toHaveLength(4);
    expect(panelsOf(loc).filter((p) => p.type === 'stat')).toHaveLength(3);
  });

  test('on AWS it reads the vended usage metrics of the contract through the CloudWatch data source', () => {
    const metrics = panelsOf(aws)
      .flatMap((p) => p.targets ?? [])
      .filter((t) => t.metricName)
      .map((t) => ({
        namespace: t.namespace,
        metricName: t.metricName,
        dimensions: t.dimensions,
        statistic: t.statistic,
        uid: t.datasource.uid,
      }));
    for (const m of metrics) {
      const fact = COST_METRICS.find((f) => f.namespace === m.namespace && f.metricName === m.metricName)!;
      expect({ m, known: fact !== undefined }).toEqual({ m, known: true });
      expect(fact.statistics).toContain(m.statistic);
      expect(fact.dimensionKeys).toEqual(expect.arrayContaining(Object.keys(m.dimensions)));
      if (fact.resource)
        expect(m.dimensions).toEqual({ Resource: expect.stringMatching(/^(IngestionRate|ActiveSeries)$/), ResourceId: '$amp_workspace' });
      // Every AMP query is filtered to the workspace the importer names: never the account's other workspaces.
      if (m.namespace !== 'AWS/Logs') expect(Object.values(m.dimensions)).toContain('$amp_workspace');
      expect(m.uid).toBe('cloudwatch');
    }
    const variables = (JSON.parse(renderCostDashboard(aws)) as { templating: { list: { name: string; type: string; hide: number }[] } })
      .templating.list;
    expect(variables).toEqual([expect.objectContaining({ name: 'amp_workspace', type: 'constant', hide: 2 })]);
    expect(new Set(metrics.map((m) => `${m.namespace} ${m.metricName}`))).toEqual(
      new Set(['AWS/Usage ResourceCount', 'AWS/Prometheus QuerySamplesProcessed', 'AWS/Logs IncomingBytes']),
    );
    // The log groups ServiceLogGroups creates (naming.path of each service and the collector), and no other: the stack's
    // other log groups (custom-resource Lambdas, AMP, VPC flow logs, the Slack notifier) are not priced by this row.
    const logs = metrics.find((m) => m.metricName === 'IncomingBytes')!;
    expect(logs.dimensions.LogGroupName).toEqual([
      ...prod.environment.services.map((s) => `/trading-observability/prod/${s.name}`),
      '/trading-observability/prod/otel-collector',
      // The scaling signals' EMF (docs/scaling.md), ingested like the others.
      '/trading-observability/prod/scaling-signals',
    ]);
  });

  test('every CloudWatch math target is one Grafana sends and CloudWatch evaluates (contract: CLOUDWATCH_QUERY_FACTS)', () => {
    for (const p of panelsOf(aws).filter((x) => x.targets?.length)) {
      const targets = p.targets!;
      const byId = new Map(targets.map((t) => [t.id as string, t]));
      for (const t of targets) {
        // Grafana's backend refuses a query with neither statistic nor statistics.
        expect({ panel: p.title, id: t.id, statistic: typeof t.statistic }).toEqual({ panel: p.title, id: t.id, statistic: 'string' });
        if (t.metricEditorMode !== 1) continue;
        // Plain decimals only: exponent notation (9e-8) is not shown in metric math (UNCONFIRMED that it is read).
        expect({ panel: p.title, expression: t.expression }).not.toEqual({
          panel: p.title,
          expression: expect.stringMatching(/\d[eE][+-]?\d/),
        });
        const fns = [...(t.expression as string).matchAll(/([A-Z_]+)\(/g)].map((m) => m[1]);
        for (const f of fns) expect(CLOUDWATCH_QUERY_FACTS.functions).toContain(f);
        // PERIOD() takes metrics, not the results of other expressions (a SEARCH is one).
        for (const [, id] of (t.expression as string).matchAll(/PERIOD\((\w+)\)/g)) {
          const ref = byId.get(id);
          expect({ panel: p.title, id, search: ref === undefined || CLOUDWATCH_QUERY_FACTS.isInferredSearch(ref) }).toEqual({
            panel: p.title,
            id,
            search: false,
          });
        }
        // Every id it reads is a query of the same panel.
        for (const [, id] of (t.expression as string).matchAll(/\b([a-z]\w*)\b/g)) expect(byId.has(id)).toBe(true);
      }
    }
  });

  test('prices flow into the cost expressions: AMP ingestion tiers, evaluated as CloudWatch would, equal the estimate', () => {
    const [, math] = targetsOf(aws, /ingestion cost/);
    const secondsPerMonth = prices.assumptions.hoursPerMonth * 3600;
    for (const perSecond of [10, 700, 1000, 50_000, 200_000]) {
      const expected = ampIngestCost(perSecond * secondsPerMonth, prices.prices.amp.ingestTiers);
      expect(evalMetricMath(math.expression, { ingest: perSecond }, 300)).toBeCloseTo(expected, 6);
    }
    // Other prices, other numbers: nothing is fixed in the renderer.
    const cheaper = withPrices(aws, (p) => (p.prices.amp.ingestTiers[0].perTenMillion = 0.45));
    const [, cheap] = targetsOf(cheaper, /ingestion cost/);
    expect(evalMetricMath(cheap.expression, { ingest: 10 }, 300)).toBeCloseTo(
      ampIngestCost(10 * secondsPerMonth, prices.prices.amp.ingestTiers) / 2,
      6,
    );
  });

  test('prices flow into the cost expressions: query samples, storage and log bytes', () => {
    const secondsPerMonth = prices.assumptions.hoursPerMonth * 3600;
    const [, qsp] = targetsOf(aws, /query cost/);
    // 1,000 samples a second for a month at the price per billion.
    expect(evalMetricMath(qsp.expression, { qsp: 300_000 }, 300)).toBeCloseTo(
      (1000 * secondsPerMonth * prices.prices.amp.queryPerBillionSamples) / 1e9,
      6,
    );
    const doubled = withPrices(aws, (p) => (p.prices.amp.queryPerBillionSamples *= 2));
    expect(evalMetricMath(targetsOf(doubled, /query cost/)[1].expression, { qsp: 300_000 }, 300)).toBeCloseTo(
      (2 * 1000 * secondsPerMonth * prices.prices.amp.queryPerBillionSamples) / 1e9,
      6,
    );
    const [, logs] = targetsOf(aws, /log ingestion cost/);
    // 1 GiB every 300 s.
    expect(evalMetricMath(logs.expression, { logs: 2 ** 30 }, 300)).toBeCloseTo(
      (secondsPerMonth / 300) * prices.prices.cloudwatch.logsIngestPerGb,
      6,
    );
    const [, storage] = targetsOf(aws, /storage cost/);
    const env = prod.environment;
    const gbMonth =
      (1e6 * (secondsPerMonth / env.scrapeIntervalSeconds) * (env.metricsRetentionDays / 30.4) * prices.assumptions.bytesPerStoredSample) /
      2 ** 30;
    expect(evalMetricMath(storage.expression, { series: 1e6 }, 300)).toBeCloseTo(gbMonth * prices.prices.amp.storagePerGbMonth, 6);
    // Locally the same prices, in PromQL.
    const [localQsp] = targetsOf(loc, /query cost/);
    expect(localQsp.expr).toBe(
      `sum(rate(prometheus_engine_query_samples_total[5m])) * ${Number(((secondsPerMonth * prices.prices.amp.queryPerBillionSamples) / 1e9).toPrecision(12))}`,
    );
    for (const t of prices.prices.amp.ingestTiers)
      expect(targetsOf(loc, /ingestion cost/)[0].expr).toContain(` * ${Number((t.perTenMillion / 1e7).toPrecision(12))}`);
  });

  test('passes the dashboard linter like every dashboard, and is published on AWS and locally', () => {
    for (const m of [prod, local]) expect(costDashboard(m).file).toBe(COST_DASHBOARD_FILE);
    expect(
      costDashboard(local)
        .panels.flatMap((p) => p.queries)
        .join(' '),
    ).toContain('prometheus_tsdb_head_series');
  });

  test("fails when a dashboard of the repository takes the cost dashboard's uid", () => {
    const taken = {
      ...local,
      dashboards: [...local.dashboards, { ...local.dashboards[0], file: 'dashboards/mine.json', uid: 'observability-cost' }],
    };
    expect(inputErrorOf(() => costDashboard(taken))).toBe(
      'dashboards/mine.json: uid: is the uid of the generated "Observability cost" dashboard (got "observability-cost"). Fix: give this dashboard another one',
    );
  });
});

describe('config/prices.yaml', () => {
  let text = '';
  const write = (edit: (doc: any) => void) => {
    const doc = structuredClone(prices) as any;
    edit(doc);
    text = stringify(doc);
  };
  const pricesOf = () => parsePrices(PRICES_FILE, text);

  test('fails when a price is negative (synth stops: the model loads the prices)', () => {
    write((d) => (d.prices.amp.queryPerBillionSamples = -0.1));
    const msg =
      'config/prices.yaml: prices.amp.queryPerBillionSamples: is negative (got -0.1). Fix: use the price from the AWS pricing page (zero or more)';
    expect(inputErrorOf(() => pricesOf())).toBe(msg);
    expect(inputErrorOf(() => compile({ ...baseFiles, [PRICES_FILE]: text }, 'local'))).toBe(msg);
  });

  test('fails when a price is not a number', () => {
    write((d) => (d.prices.cloudwatch.logsIngestPerGb = '0.50 USD'));
    expect(inputErrorOf(() => pricesOf())).toMatch(
      /^config\/prices\.yaml: prices\.cloudwatch\.logsIngestPerGb: is not a number \(got "0\.50 USD"\)\. Fix: use a plain number of the currency, e\.g\. 0\.10$/,
    );
  });

  test('fails when an ingestion tier before the last is unbounded', () => {
    write((d) => (d.prices.amp.ingestTiers[1].upToSamples = null));
    expect(inputErrorOf(() => pricesOf())).toBe(
      'config/prices.yaml: prices.amp.ingestTiers[1].upToSamples: is null before the last tier (got null). Fix: end the list with one tier of `upToSamples: null` (the unbounded tier) and bound every other',
    );
  });

  test('fails when the tiers do not rise', () => {
    write((d) => (d.prices.amp.ingestTiers[1].upToSamples = 1e9));
    expect(inputErrorOf(() => pricesOf())).toBe(
      'config/prices.yaml: prices.amp.ingestTiers[1].upToSamples: does not rise above the tier before (2000000000) (got 1000000000). Fix: list the tiers in increasing order of upToSamples',
    );
  });

  test('fails when an assumption the dashboard needs is missing', () => {
    write((d) => delete d.assumptions.bytesPerStoredSample);
    expect(inputErrorOf(() => pricesOf())).toMatch(/^config\/prices\.yaml: assumptions\.bytesPerStoredSample: /);
  });
});
