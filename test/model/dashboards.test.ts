import * as fs from 'fs';
import * as path from 'path';
import { validateDashboards } from '../../lib/model/dashboards';
import { loadCatalog } from '../../lib/model/metric-catalog';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel } from '../../lib/model/model';
import { inputErrorOf } from '../helpers';

const root = path.resolve(__dirname, '../..');
const catalog = loadCatalog(root);
const model = loadModel(root, loadEnvironment('dev'));
const recording = model.recordingRules;
const dashboard = (uid: string, expr: string, title = 'Panel', panel: Record<string, unknown> = {}) =>
  JSON.stringify({
    uid,
    title: `Dashboard ${uid}`,
    panels: [
      {
        id: 7,
        type: 'timeseries',
        title,
        datasource: { type: 'prometheus', uid: 'prometheus' },
        fieldConfig: { defaults: { unit: 'ops' } },
        targets: [{ refId: 'A', expr }],
        ...panel,
      },
    ],
  });
const lint = (text: string) => inputErrorOf(() => validateDashboards([{ file: 'dashboards/x.json', text }], catalog, recording));

describe('dashboards', () => {
  test('the repository dashboards load, every panel query over known metrics', () => {
    const dashboards = model.dashboards;
    const overview = dashboards.find((d) => d.uid === 'trading-platform-overview');
    expect(overview?.title).toBe('Trading Platform Overview');
    expect(overview?.panels.filter((p) => p.queries.length > 0).length).toBeGreaterThanOrEqual(25);
  });

  test("the overview has the seed's five rows, in order", () => {
    const json = JSON.parse(fs.readFileSync(path.join(root, 'dashboards/trading-platform-overview.json'), 'utf8'));
    const rows = json.panels.filter((p: { type: string }) => p.type === 'row').map((p: { title: string }) => p.title);
    expect(rows).toEqual([
      'System Health',
      'System Status',
      'Signal Generator Service',
      'Trigger Dispatcher Service',
      'Pipeline Execution (Celery)',
    ]);
  });

  test('a subfolder becomes the Grafana folder', () => {
    const [d] = validateDashboards([{ file: 'dashboards/team-a/x.json', text: dashboard('x', 'up') }], catalog, recording);
    expect(d.folder).toBe('team-a');
  });

  test('fails when a panel query is not PromQL, naming file and panel', () => {
    const msg = inputErrorOf(() =>
      validateDashboards([{ file: 'dashboards/x.json', text: dashboard('x', 'sum(rate(up[5m])', 'Broken') }], catalog, recording),
    );
    expect(msg).toMatch(/^dashboards\/x\.json: panel "Broken" \(id 7\): has a query that is not valid PromQL/);
  });

  test('fails when a panel queries an unknown metric', () => {
    const msg = inputErrorOf(() =>
      validateDashboards(
        [{ file: 'dashboards/x.json', text: dashboard('x', 'rate(signals_genrated_total[$__rate_interval])') }],
        catalog,
        recording,
      ),
    );
    expect(msg).toContain(
      'dashboards/x.json: panel "Panel" (id 7): queries a metric that is neither in the catalog nor a recording rule (got "signals_genrated_total")',
    );
  });

  test('fails when two dashboards share a uid', () => {
    const msg = inputErrorOf(() =>
      validateDashboards(
        [
          { file: 'dashboards/a.json', text: dashboard('same', 'up') },
          { file: 'dashboards/b.json', text: dashboard('same', 'up') },
        ],
        catalog,
        recording,
      ),
    );
    expect(msg).toBe('dashboards/b.json: uid: is already used by dashboards/a.json (got "same"). Fix: give each dashboard its own uid');
  });

  test('fails when a counter is shown raw', () => {
    expect(lint(dashboard('x', 'sum(pipeline_executions_total)'))).toBe(
      'dashboards/x.json: panel "Panel" (id 7): shows the counter pipeline_executions_total raw (got "sum(pipeline_executions_total)"). Fix: wrap it in rate(pipeline_executions_total[$__rate_interval]) or increase(...) (seed 9.3: rate, not raw counts)',
    );
    expect(lint(dashboard('x', 'sum(kafka_publish_duration_seconds_count)'))).toContain(
      'shows the counter kafka_publish_duration_seconds_count raw',
    );
  });

  test('fails when histogram buckets are used outside histogram_quantile', () => {
    expect(lint(dashboard('x', 'sum(rate(kafka_publish_duration_seconds_bucket[5m]))'))).toContain(
      'uses histogram buckets outside histogram_quantile',
    );
  });

  test('fails when a panel has no unit', () => {
    expect(lint(dashboard('x', 'sum(up)', 'Up', { fieldConfig: { defaults: {} } }))).toContain('panel "Up" (id 7): has no unit');
  });

  test('fails when a panel references a data source that is not provisioned', () => {
    const text = dashboard('x', 'sum(up)', 'Up', {
      targets: [{ refId: 'A', expr: 'sum(up)', datasource: { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' } }],
    });
    expect(lint(text)).toContain('references a data source that is not provisioned (got "P1809F7CD0C75ACF3")');
  });

  test('accepts a ${datasource} variable and gauges shown directly', () => {
    const text = dashboard('x', 'sum(system_active_pipelines)', 'Gauge', { datasource: { type: 'prometheus', uid: '${datasource}' } });
    expect(validateDashboards([{ file: 'dashboards/x.json', text }], catalog, recording)).toHaveLength(1);
  });

  test('fails when the file is not JSON', () => {
    const msg = inputErrorOf(() => validateDashboards([{ file: 'dashboards/a.json', text: '{"uid": ' }], catalog, recording));
    expect(msg).toMatch(/^dashboards\/a\.json: JSON: does not parse/);
  });
});
