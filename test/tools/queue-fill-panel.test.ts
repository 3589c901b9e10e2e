/**
 * The "Sending queue fill" panel's query, evaluated by promtool against the
 * two label sets the collector has given its queue gauges: capacity with
 * `exporter` only (ADOT v0.42.0) and with `exporter` and `data_type` (v0.49.0,
 * test/contracts/otelcol.ts). A one-to-one division of the raw gauges returns
 * nothing for the first; the panel must return the fill for both.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { realTool } from '../../scripts/real-tools';
import { compile } from '../../lib/compile/compile';
import { baseFiles } from '../helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-queue-fill-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const panelQuery = compile(baseFiles, 'local')
  .dashboards.flatMap((d) => d.panels)
  .find((p) => p.title === 'Sending queue fill')!.queries[0];

function evaluate(expr: string, capacityLabels: string): { stdout: string; status: number | null } {
  const rules = path.join(dir, `rules-${capacityLabels.length}.yaml`);
  fs.writeFileSync(rules, stringify({ groups: [{ name: 'panel', rules: [{ record: 'panel:queue_fill', expr }] }] }));
  const test = path.join(dir, `test-${capacityLabels.length}.yaml`);
  const job = 'job="otel-collector", instance="10.0.0.1:8888"';
  fs.writeFileSync(
    test,
    stringify({
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            {
              series: `otelcol_exporter_queue_size{${job}, exporter="prometheus_remote_write/scraped", data_type="metrics"}`,
              values: '250x5',
            },
            { series: `otelcol_exporter_queue_capacity{${job}, ${capacityLabels}}`, values: '1000x5' },
          ],
          promql_expr_test: [
            {
              expr: 'panel:queue_fill',
              eval_time: '5m',
              exp_samples: [{ labels: 'panel:queue_fill{exporter="prometheus_remote_write/scraped"}', value: 0.25 }],
            },
          ],
        },
      ],
    }),
  );
  const r = spawnSync(realTool('promtool'), ['test', 'rules', test], { encoding: 'utf8' });
  return { stdout: `${r.stdout}${r.stderr}`, status: r.status };
}

describe('"Sending queue fill" (promtool)', () => {
  test.each([
    ['exporter only (ADOT v0.42.0)', 'exporter="prometheus_remote_write/scraped"'],
    ['exporter and data_type (ADOT v0.49.0)', 'exporter="prometheus_remote_write/scraped", data_type="metrics"'],
  ])('returns the fill when capacity carries %s', (_, labels) => {
    const r = evaluate(panelQuery, labels);
    expect(r.stdout).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('fails when the raw gauges are divided one to one and capacity has no data_type (the old panel)', () => {
    const r = evaluate(
      'max by (exporter) (otelcol_exporter_queue_size / otelcol_exporter_queue_capacity)',
      'exporter="prometheus_remote_write/scraped"',
    );
    expect(r.status).not.toBe(0);
  });
});
