import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GrafanaApi, importDashboards, ImportProperties } from '../../lib/constructs/dashboard-import/handler';
import { compile } from '../../lib/compile/compile';
import { readProject } from '../../lib/io/read-project';
import { dashboardFileText, normalizeDashboard, orderLike } from '../../lib/render/normalize-dashboard';
import { pullDashboards } from '../../scripts/dashboards-pull';
import { FakeGrafana } from '../constructs/fake-grafana';
import { writeProjectFiles } from '../helpers';

const exported = {
  id: 42,
  version: 17,
  uid: 'team',
  title: 'Team',
  tags: ['trading', 'managed-by:trading-observability-prod'],
  panels: [
    {
      id: 1,
      title: 'Rate',
      datasource: { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' },
      targets: [{ expr: 'sum(up)', datasource: { uid: 'prometheus', type: 'grafana-amazonprometheus-datasource' } }],
    },
  ],
  templating: { list: [{ name: 'job', datasource: { type: 'prometheus', uid: '${datasource}' } }] },
};

describe('dashboard normalization (dashboards:pull)', () => {
  test('strips ids and versions and the marker tag, and sets the repository form of data source references', () => {
    const n = normalizeDashboard(exported) as any;
    expect(n.id).toBeUndefined();
    expect(n.version).toBeUndefined();
    expect(n.tags).toEqual(['trading']);
    expect(n.panels[0].datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
    // The AMP plugin type AMG 12+ gives our data source goes back to "prometheus", keys in their order.
    expect(JSON.stringify(n.panels[0].targets[0].datasource)).toBe('{"uid":"prometheus","type":"prometheus"}');
    expect(n.templating.list[0].datasource.uid).toBe('${datasource}');
    expect(normalizeDashboard(n)).toEqual(n);
  });

  test('orderLike puts keys in the order of the file, new keys last, arrays element by element', () => {
    const ordered = orderLike({ b: 1, a: [{ y: 1, x: 2 }], c: 3 }, { a: [{ x: 0, y: 0 }], b: 0 });
    expect(JSON.stringify(ordered)).toBe('{"a":[{"x":2,"y":1}],"b":1,"c":3}');
  });

  test('the file text keeps the indentation of the file it replaces', () => {
    expect(dashboardFileText({ a: 1 }, '{\n    "a": 0\n}\n')).toBe('{\n    "a": 1\n}\n');
    expect(dashboardFileText({ a: 1 })).toBe('{\n  "a": 1\n}\n');
  });
});

describe('npm run dashboards:pull against a loopback Grafana', () => {
  let grafana: FakeGrafana;
  let dir: string;
  const snapshot = () =>
    Object.fromEntries(
      (fs.readdirSync(path.join(dir, 'dashboards'), { recursive: true }) as string[])
        .filter((f) => f.endsWith('.json'))
        .map((f) => [f, fs.readFileSync(path.join(dir, 'dashboards', f), 'utf8')]),
    );

  beforeEach(async () => {
    grafana = new FakeGrafana('tok');
    await grafana.start();
    dir = writeProjectFiles(fs.mkdtempSync(path.join(os.tmpdir(), 'pull-')));
    // A real third-party export (README "Add a dashboard"), in a subfolder.
    fs.mkdirSync(path.join(dir, 'dashboards/redis'));
    fs.copyFileSync(
      path.join(__dirname, '../fixtures/third-party-dashboards/redis-exporter-1x.json'),
      path.join(dir, 'dashboards/redis/redis.json'),
    );
    const catalog = path.join(dir, 'catalog/metrics.yaml');
    const extra = fs.readFileSync(path.join(__dirname, '../fixtures/third-party-dashboards/redis-metrics.yaml'), 'utf8');
    fs.writeFileSync(
      catalog,
      fs.readFileSync(catalog, 'utf8').replace(/^metrics:\n/m, `metrics:\n${extra.replace(/^#.*\n/gm, '').replace(/^- /gm, '  - ')}`),
    );
    const props: ImportProperties = {
      WorkspaceId: 'g',
      GrafanaUrl: grafana.url,
      BundleBucket: '',
      BundleKey: '',
      Region: 'eu-west-1',
      PrometheusUrl: 'https://x/',
      ServiceAccountName: 's',
      Marker: 'managed-by:trading-observability-prod',
      GrafanaVersion: '12.4',
      XRay: 'false',
    };
    // What a deploy leaves in AMG: every dashboard of the model, the generated SLO dashboard included.
    await importDashboards(new GrafanaApi(grafana.url, 'tok'), props, compile(readProject(dir), 'prod').dashboards);
    grafana.addForeignDashboard('hand-made', 'Made in the UI');
  });
  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await grafana.stop();
  });

  test('a pull with no change in Grafana changes no file, and pulls neither hand-made nor generated dashboards', async () => {
    const before = snapshot();
    const logFrom = grafana.log.length;
    const r = await pullDashboards({ url: grafana.url, token: 'tok', root: dir });
    expect(r.written).toEqual([]);
    expect(r.unchanged.sort()).toEqual([
      'dashboards/observability-stack.json',
      'dashboards/redis/redis.json',
      'dashboards/trading-platform-overview.json',
    ]);
    expect(snapshot()).toEqual(before);
    expect(
      grafana.log
        .slice(logFrom)
        .filter((l) => l.startsWith('GET /api/dashboards/uid/'))
        .sort(),
    ).toEqual([
      'GET /api/dashboards/uid/e008bc3f-81a2-40f9-baf2-a33fd8dec7ec',
      'GET /api/dashboards/uid/observability-stack',
      'GET /api/dashboards/uid/trading-platform-overview',
    ]);
  });

  test('a dashboard changed in Grafana is written back to the file it came from, in that file’s key order', async () => {
    const file = path.join(dir, 'dashboards/trading-platform-overview.json');
    const original = fs.readFileSync(file, 'utf8');
    grafana.dashboards.get('trading-platform-overview')!.dashboard.title = 'Trading Platform Overview (edited)';
    const r = await pullDashboards({ url: grafana.url, token: 'tok', root: dir });
    expect(r.written).toEqual(['dashboards/trading-platform-overview.json']);
    const text = fs.readFileSync(file, 'utf8');
    const changed = text.split('\n').filter((line, i) => line !== original.split('\n')[i]);
    expect(changed).toEqual(['  "title": "Trading Platform Overview (edited)",']);
  });

  test('--uid pulls a dashboard made in the UI into dashboards/<uid>.json', async () => {
    const r = await pullDashboards({ url: grafana.url, token: 'tok', root: dir, uids: ['hand-made'] });
    expect(r.written).toEqual(['dashboards/hand-made.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'dashboards/hand-made.json'), 'utf8'))).toEqual({
      tags: [],
      title: 'Made in the UI',
      uid: 'hand-made',
    });
  });

  test('fails when asked to pull the generated SLO dashboard', async () => {
    await expect(pullDashboards({ url: grafana.url, token: 'tok', root: dir, uids: ['slos'] })).rejects.toThrow(
      'dashboard "slos" is generated from alerts/slos.yaml and is never pulled: change alerts/slos.yaml instead',
    );
  });
});
