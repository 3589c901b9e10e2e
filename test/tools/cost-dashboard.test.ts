/**
 * The local cost dashboard's PromQL, evaluated by promtool (Prometheus 3.14's
 * engine) on Prometheus' own metrics at known rates: each projected monthly
 * cost equals what the cost estimate computes from config/prices.yaml.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { ampIngestCost } from '../../scripts/cost/estimate';
import { costDashboardInput, renderCostDashboard } from '../../lib/render/cost-dashboard';
import { realTool } from '../../scripts/real-tools';
import { compile } from '../../lib/compile/compile';
import { baseFiles } from '../helpers';

const model = compile(baseFiles, 'local');
const input = costDashboardInput(model);
const p = model.prices;
const secondsPerMonth = p.assumptions.hoursPerMonth * 3600;
const panels = (JSON.parse(renderCostDashboard(input)) as { panels: { title: string; targets?: { expr: string }[] }[] }).panels;
const exprOf = (title: RegExp) => panels.find((x) => title.test(x.title))!.targets![0].expr;

test('the local cost panels, evaluated by promtool, equal the estimate at the prices of config/prices.yaml', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-dashboard-'));
  try {
    // 1,000 samples appended a second (2.628e9 a month: into the second AMP tier), 1,000,000 series, 20,000 query samples a second.
    const cases: { expr: string; expected: number }[] = [
      { expr: exprOf(/ingestion cost/), expected: ampIngestCost(1000 * secondsPerMonth, p.prices.amp.ingestTiers) },
      {
        expr: exprOf(/storage cost/),
        expected:
          ((1_000_000 *
            (secondsPerMonth / input.scrapeIntervalSeconds) *
            (input.metricsRetentionDays / 30.4) *
            p.assumptions.bytesPerStoredSample) /
            2 ** 30) *
          p.prices.amp.storagePerGbMonth,
      },
      { expr: exprOf(/query cost/), expected: (20_000 * secondsPerMonth * p.prices.amp.queryPerBillionSamples) / 1e9 },
    ];
    expect(cases.every((c) => c.expected > 1)).toBe(true);
    fs.writeFileSync(path.join(dir, 'none.yaml'), 'groups: []\n');
    fs.writeFileSync(
      path.join(dir, 'test.yaml'),
      stringify({
        rule_files: ['none.yaml'],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: [
              { series: 'prometheus_tsdb_head_samples_appended_total{job="prometheus"}', values: '0+15000x100' },
              { series: 'prometheus_tsdb_head_series{job="prometheus"}', values: '1000000x100' },
              { series: 'prometheus_engine_query_samples_total{job="prometheus"}', values: '0+300000x100' },
            ],
            // Within a millionth of a dollar: the check itself in PromQL (promtool compares sample values exactly).
            promql_expr_test: cases.map((c) => ({
              expr: `abs((${c.expr}) - ${c.expected}) < bool 0.000001`,
              eval_time: '20m',
              exp_samples: [{ labels: '{}', value: 1 }],
            })),
          },
        ],
      }),
    );
    const r = spawnSync(realTool('promtool'), ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
