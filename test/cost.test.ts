import { spawnSync } from 'child_process';
import * as path from 'path';
import {
  ampIngestCost,
  estimateCost,
  loadMeasuredQuerySamples,
  MeasuredQuerySamples,
  QUERY_SAMPLES_FILE,
  seriesOfMetric,
} from '../scripts/cost/estimate';
import { main } from '../scripts/cost';
import { baseFiles, captureOutput, environmentOf, inputErrorOf, modelOf } from './helpers';

const repo = path.resolve(__dirname, '..');
const prices = modelOf().prices;
const catalog = modelOf().catalog;

describe('cost estimate', () => {
  test('AMP ingestion is priced by tier', () => {
    const tiers = prices.prices.amp.ingestTiers;
    expect(ampIngestCost(1e9, tiers)).toBeCloseTo(90, 6); // 100 x 10M at 0.90
    expect(ampIngestCost(3e9, tiers)).toBeCloseTo(180 + 35, 6); // 2B at 0.90, then 1B at 0.35
  });

  test('series come from the catalog: label cardinalities multiplied, histograms times their series', () => {
    expect(seriesOfMetric({ labels: { status: 4, pipeline_id: 200 }, type: 'counter' })).toBe(800);
    // 14 declared boundaries, +Inf, _sum and _count.
    expect(seriesOfMetric({ labels: { topic: 3 }, type: 'histogram', buckets: [...Array(14).keys()] })).toBe(3 * 17);
    expect(seriesOfMetric(catalog.get('kafka_publish_duration_seconds')!)).toBe(
      3 * (catalog.get('kafka_publish_duration_seconds')!.buckets!.length + 3),
    );
  });

  test('prod: every line priced, samples from the scrape interval, the total their sum', () => {
    const e = estimateCost(environmentOf('prod'), catalog, prices);
    expect(e.lines.map((l) => l.item)).toEqual(
      expect.arrayContaining([
        'AMP samples ingested',
        'Managed Grafana editors',
        'Managed Grafana viewers',
        'SNS alert notifications',
        'X-Ray traces recorded',
      ]),
    );
    expect(e.activeSeries).toBe(catalog.estimateSeries() * prices.assumptions.instancesPerService);
    expect(e.samplesPerMonth).toBe(e.activeSeries * ((730 * 3600) / 15));
    expect(e.totalMonthlyUsd).toBeCloseTo(
      e.lines.reduce((s, l) => s + l.monthlyUsd, 0),
      2,
    );
  });

  test('switching metrics to CloudWatch drops the AMP lines', () => {
    const env = environmentOf('prod');
    const e = estimateCost({ ...env, exporters: { ...env.exporters, metrics: 'cloudwatch' } }, catalog, prices);
    expect(e.lines.some((l) => l.item.startsWith('AMP'))).toBe(false);
  });

  test('flags the metrics over the cardinality budget (seed 9.2)', () => {
    const e = estimateCost(environmentOf('prod'), catalog, prices);
    expect(e.overBudget.map((f) => f.metric)).toEqual([
      'http_server_request_duration_seconds',
      'pipeline_agent_execution_duration_seconds',
      'pipeline_execution_duration_seconds',
    ]);
  });

  test("prices prod's auto scaling: the alarms' metrics, the signals' custom metrics and their EMF events", () => {
    const e = estimateCost(environmentOf('prod'), catalog, prices);
    const byItem = Object.fromEntries(e.lines.map((l) => [l.item, l]));
    // The collector: its target tracking's two alarms (one metric each) and its scale-in alarm (CPU and queue);
    // the worker's per-task signal: two alarms of two metrics each.
    expect(byItem['Auto scaling alarms (3 scaling policies)'].quantity).toBe(2 + 2 + 4);
    // The worker's signal and the collector's queue size.
    expect(byItem['CloudWatch custom metrics (2 scaling signals)'].monthlyUsd).toBeCloseTo(
      2 * prices.prices.cloudwatch.customMetricPerMonth,
    );
    // 2 backend tasks' signal and 4 exporters' queue sizes, from each of the 4 collector tasks, every 15 s, 600 B each.
    const gb = ((1 * 2 + 1 * 4) * 4 * ((730 * 3600) / 15) * 600) / 2 ** 30;
    expect(byItem['CloudWatch Logs ingested (scaling signals, EMF)'].quantity).toBeCloseTo(gb, 5);
    const dev = estimateCost(environmentOf('dev'), catalog, prices);
    expect(dev.lines.filter((l) => /scaling/i.test(l.item))).toEqual([]);
  });

  test('npm run cost prints a table (through the entry point)', () => {
    const table = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cost.ts', '-c', 'env=prod'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^Monthly cost estimate, environment "prod"/);
    expect(table.stdout).toMatch(/total\s+\d+\.\d\d/);
  });

  // The command's code in-process (scripts/cost.ts `main`, whose return value the entry point exits with).
  test('npm run cost -- --json prints the estimate as JSON; fails when the environment is unknown, with exit code 1', async () => {
    const ok = await captureOutput(() => main(['-c', 'env=dev', '--json']));
    expect(ok.result).toBe(0);
    const json = JSON.parse(ok.stdout) as { environment: string; lines: unknown[] };
    expect(json.environment).toBe('dev');
    expect(json.lines.length).toBeGreaterThan(5);
    expect(ok.stderr).toBe('');
    const bad = await captureOutput(() => main(['-c', 'env=qa']));
    expect(bad.result).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('no such environment (got "qa")');
  });

  test('measured query samples replace the rule-evaluation assumption, scaled to the catalog and the instances', () => {
    const measured: MeasuredQuerySamples = {
      measured: '2026-11-25T00:00:00Z',
      fraction: 0.01,
      seriesMeasured: 1000,
      seriesCatalog: 10_000,
      historySeconds: 25_200,
      rangeSeconds: 21_600,
      dashboards: [
        { file: 'dashboards/x.json', rangeSeconds: 21_600, stepSeconds: 25, refreshSeconds: 30, samplesPerRefresh: 1_000_000, ms: 1 },
      ],
      baselines: [
        { file: 'test/x-before.json', rangeSeconds: 21_600, stepSeconds: 25, refreshSeconds: 30, samplesPerRefresh: 10_000_000, ms: 1 },
      ],
      ruleGroups: [{ file: 'alerts/x.yaml', group: 'g', intervalSeconds: 30, samplesPerEvaluation: 10, samplesPerMonth: 1e9 }],
    };
    const e = estimateCost(environmentOf('prod'), catalog, prices, measured);
    const scale = (10_000 * prices.assumptions.instancesPerService) / 1000;
    const rules = e.lines.find((l) => l.item.startsWith('AMP rule evaluation samples'));
    expect(rules?.quantity).toBe(1e9 * scale);
    expect(rules?.monthlyUsd).toBeCloseTo(scale * prices.prices.amp.queryPerBillionSamples, 2);
    expect(e.lines.map((l) => l.item)).not.toContain('AMP query samples processed');
    expect(e.dashboardDays).toEqual([
      {
        file: 'dashboards/x.json',
        samplesPerRefresh: 1_000_000 * scale,
        refreshesPerDay: 2880,
        usdPerDayOpen: (1_000_000 * scale * 2880 * prices.prices.amp.queryPerBillionSamples) / 1e9,
      },
      {
        file: 'test/x-before.json',
        samplesPerRefresh: 10_000_000 * scale,
        refreshesPerDay: 2880,
        usdPerDayOpen: (10_000_000 * scale * 2880 * prices.prices.amp.queryPerBillionSamples) / 1e9,
      },
    ]);
  });

  test('the measurement is read from the project files, checked like every data file', () => {
    const measured = loadMeasuredQuerySamples(baseFiles);
    expect(measured?.ruleGroups.length).toBeGreaterThan(0);
    const without = Object.fromEntries(Object.entries(baseFiles).filter(([f]) => f !== QUERY_SAMPLES_FILE));
    expect(loadMeasuredQuerySamples(without)).toBeUndefined();
    const broken = baseFiles[QUERY_SAMPLES_FILE].replace(/^fraction: .*$/m, 'fraction: lots');
    const msg = inputErrorOf(() => loadMeasuredQuerySamples({ ...baseFiles, [QUERY_SAMPLES_FILE]: broken }));
    expect(msg).toMatch(/^config\/query-samples\.yaml: fraction: .*\. Fix: /);
    expect(msg).not.toContain('\n');
  });
});
