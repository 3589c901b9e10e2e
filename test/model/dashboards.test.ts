import * as fs from 'fs';
import * as path from 'path';
import { validateDashboards } from '../../lib/model/dashboards';
import { inputErrorOf, modelOf } from '../helpers';

const root = path.resolve(__dirname, '../..');
const catalog = modelOf().catalog;
const model = modelOf('dev');
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
      'dashboards/x.json: queries: query 1 metric(s) that are neither in the catalog nor recording rules: signals_genrated_total (panel "Panel" (id 7)). Fix: declare them all with `npm run catalog:add -- dashboards/x.json --service NAME`',
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

  test('a heatmap of rated buckets shows the whole distribution, with no panel unit (its axis is the buckets)', () => {
    const heatmap = { type: 'heatmap', fieldConfig: { defaults: {} } };
    const ok = dashboard('x', 'sum by (le) (increase(kafka_publish_duration_seconds_bucket[$__rate_interval]))', 'Heat', heatmap);
    expect(validateDashboards([{ file: 'dashboards/x.json', text: ok }], catalog, recording)[0].panels[0].type).toBe('heatmap');
  });

  test('fails when a heatmap reads buckets unrated, or a time series panel reads them rated', () => {
    const heatmap = { type: 'heatmap', fieldConfig: { defaults: {} } };
    expect(lint(dashboard('x', 'sum by (le) (kafka_publish_duration_seconds_bucket)', 'Heat', heatmap))).toContain(
      'uses histogram buckets outside histogram_quantile',
    );
    expect(lint(dashboard('x', 'sum by (le) (rate(kafka_publish_duration_seconds_bucket[5m]))'))).toContain(
      'uses histogram buckets outside histogram_quantile',
    );
  });

  test('fails when a node graph is the only panel type exempt from units and another type has none', () => {
    const nodeGraph = { type: 'nodeGraph', fieldConfig: { defaults: {} } };
    const graph = dashboard('x', 'sum by (job) (rate(pipeline_executions_total[5m]))', 'Flow', nodeGraph);
    expect(validateDashboards([{ file: 'dashboards/x.json', text: graph }], catalog, recording)).toHaveLength(1);
    expect(lint(dashboard('x', 'sum by (job) (rate(pipeline_executions_total[5m]))', 'Flow', { fieldConfig: { defaults: {} } }))).toContain(
      'has no unit',
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

  test("resolves another Grafana's data source uid to ours of the same type", () => {
    const text = dashboard('x', 'sum(up)', 'Up', {
      targets: [{ refId: 'A', expr: 'sum(up)', datasource: { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' } }],
    });
    const [d] = validateDashboards([{ file: 'dashboards/x.json', text }], catalog, recording);
    expect(JSON.parse(d.text).panels[0].targets[0].datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
  });

  test('resolves the old string form to ours by what the queries are', () => {
    const text = dashboard('x', 'sum(up)', 'Up', { datasource: 'Prometheus (prod)' });
    const [d] = validateDashboards([{ file: 'dashboards/x.json', text }], catalog, recording);
    expect(JSON.parse(d.text).panels[0].datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
  });

  test('keeps the text of a dashboard that needs no resolving byte for byte', () => {
    const text = dashboard('x', 'sum(up)');
    expect(validateDashboards([{ file: 'dashboards/x.json', text }], catalog, recording)[0].text).toBe(text);
  });

  test('fails when a panel references a data source of a type that is not provisioned', () => {
    const text = dashboard('x', 'sum(up)', 'Up', { datasource: { type: 'loki', uid: 'P8E80F9AEF21F6940' } });
    expect(lint(text)).toContain(
      'dashboards/x.json: datasource: references a data source of another Grafana of type "loki", which this project does not provision (got "P8E80F9AEF21F6940")',
    );
  });

  test('fails when __inputs needs a data source type that is not provisioned', () => {
    const text = JSON.stringify({
      ...JSON.parse(dashboard('x', 'sum(up)')),
      __inputs: [{ name: 'DS_LOKI', type: 'datasource', pluginId: 'loki' }],
    });
    expect(lint(text)).toContain(
      'dashboards/x.json: __inputs "DS_LOKI": needs a data source of type "loki", which this project does not provision',
    );
  });

  const withVariables = (list: unknown[], panel: Record<string, unknown> = {}, expr = 'sum(system_active_pipelines)') =>
    JSON.stringify({ ...JSON.parse(dashboard('x', expr, 'Gauge', panel)), templating: { list } });

  test('accepts a data source variable of any name, and gauges shown directly', () => {
    const text = withVariables([{ name: 'PROM', type: 'datasource', query: 'prometheus' }], {
      datasource: { type: 'prometheus', uid: '${PROM}' },
    });
    expect(validateDashboards([{ file: 'dashboards/x.json', text }], catalog, recording)).toHaveLength(1);
  });

  test('fails when a panel uses a data source variable the dashboard does not define', () => {
    expect(lint(dashboard('x', 'sum(up)', 'Up', { datasource: { type: 'prometheus', uid: '${datasource}' } }))).toContain(
      'uses the data source variable $datasource, which the dashboard does not define as a data source variable',
    );
  });

  test('fails when a data source variable chooses among a type that is not provisioned', () => {
    expect(lint(withVariables([{ name: 'ds', type: 'datasource', query: 'loki' }]))).toContain(
      'dashboards/x.json: templating variable "ds": chooses among data sources of a type this project does not provision (got "loki")',
    );
  });

  test('fails when a query variable queries an unknown metric', () => {
    const text = withVariables([{ name: 'job', type: 'query', query: { query: 'label_values(nonexistent_metric{a="b"}, job)' } }]);
    expect(lint(text)).toContain(
      'query 1 metric(s) that are neither in the catalog nor recording rules: nonexistent_metric (templating variable "job")',
    );
  });

  test('fails when a query uses a variable the dashboard does not define', () => {
    const text = withVariables([], {}, 'sum(system_active_pipelines{instance=~"$instance"})');
    expect(lint(text)).toContain('panel "Gauge" (id 7): uses the variable $instance, which the dashboard does not define');
    const ok = withVariables(
      [{ name: 'instance', type: 'query', query: 'label_values(up, instance)' }],
      {},
      'sum(system_active_pipelines{instance=~"$instance"})',
    );
    expect(validateDashboards([{ file: 'dashboards/x.json', text: ok }], catalog, recording)).toHaveLength(1);
  });

  test('counting the series of a counter is not showing it raw: count(count(<counter>) by (...))', () => {
    const text = dashboard('x', 'count(count(pipeline_executions_total) by (status))', 'Count');
    expect(validateDashboards([{ file: 'dashboards/x.json', text }], catalog, recording)).toHaveLength(1);
    expect(lint(dashboard('x', 'max(count(pipeline_executions_total) by (status)) + sum(pipeline_executions_total)'))).toContain(
      'shows the counter pipeline_executions_total raw',
    );
  });

  test.each([
    ['a'.repeat(41), 'is not a uid Grafana accepts: at most 40 characters'],
    ['has space', 'is not a uid Grafana accepts'],
    ['ümlaut', 'is not a uid Grafana accepts'],
  ])('fails when the uid is %j, which Grafana refuses', (uid, message) => {
    expect(lint(dashboard(uid, 'sum(up)'))).toContain(`dashboards/x.json: uid: ${message}`);
  });

  test('fails when two dashboards in one folder have the same title (Grafana matches by title slug)', () => {
    const a = JSON.stringify({ ...JSON.parse(dashboard('a', 'sum(up)')), title: 'Latency' });
    const b = JSON.stringify({ ...JSON.parse(dashboard('b', 'sum(up)')), title: 'latency ' });
    const msg = inputErrorOf(() =>
      validateDashboards(
        [
          { file: 'dashboards/t/a.json', text: a },
          { file: 'dashboards/t/b.json', text: b },
        ],
        catalog,
        recording,
      ),
    );
    expect(msg).toBe(
      'dashboards/t/b.json: title: is the title of dashboards/t/a.json in the same folder; Grafana keeps one dashboard per title in a folder and would overwrite one with the other on every deploy (got "latency "). Fix: give one of them another title, or move it to another subfolder of dashboards/',
    );
    expect(
      validateDashboards(
        [
          { file: 'dashboards/t/a.json', text: a },
          { file: 'dashboards/u/b.json', text: b },
        ],
        catalog,
        recording,
      ),
    ).toHaveLength(2);
  });

  test('fails when the file is not JSON', () => {
    const msg = inputErrorOf(() => validateDashboards([{ file: 'dashboards/a.json', text: '{"uid": ' }], catalog, recording));
    expect(msg).toMatch(/^dashboards\/a\.json: JSON: does not parse/);
  });
});
