import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GrafanaApi, importDashboards } from '../../lib/constructs/dashboard-import/handler';
import { normalizeDashboard } from '../../lib/render/normalize-dashboard';
import { pullDashboards } from '../../scripts/dashboards-pull';
import { FakeGrafana } from '../constructs/fake-grafana';

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
      targets: [{ expr: 'sum(up)', datasource: { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' } }],
    },
  ],
  templating: { list: [{ name: 'job', datasource: { type: 'prometheus', uid: '${datasource}' } }] },
};

describe('dashboard normalization (dashboards:pull)', () => {
  test('strips ids and versions, the marker tag, and sets the shared data source uid', () => {
    const n = normalizeDashboard(exported) as any;
    expect(n.id).toBeUndefined();
    expect(n.version).toBeUndefined();
    expect(n.tags).toEqual(['trading']);
    expect(n.panels[0].datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
    expect(n.panels[0].targets[0].datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
    expect(n.templating.list[0].datasource.uid).toBe('${datasource}');
  });

  test('orders keys stably and is idempotent', () => {
    const n = normalizeDashboard(exported);
    expect(Object.keys(n)).toEqual([...Object.keys(n)].sort());
    expect(normalizeDashboard(n)).toEqual(n);
    expect(JSON.stringify(normalizeDashboard({ b: 1, a: { d: 1, c: 2 } } as any))).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  test('pulls dashboards from a Grafana API into folders, normalized', async () => {
    const grafana = new FakeGrafana('tok');
    await grafana.start();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pull-'));
    try {
      const props = {
        WorkspaceId: 'g',
        GrafanaUrl: grafana.url,
        BundleBucket: '',
        BundleKey: '',
        Region: 'eu-west-1',
        PrometheusUrl: 'https://x/',
        ServiceAccountName: 's',
        Marker: 'managed-by:x',
        GrafanaVersion: '12.4',
        XRay: 'false',
      };
      await importDashboards(new GrafanaApi(grafana.url, 'tok'), props, [
        { file: 'dashboards/team.json', folder: 'Team A', uid: 'team', text: JSON.stringify(exported) },
        { file: 'dashboards/top.json', folder: '', uid: 'top', text: JSON.stringify({ uid: 'top', title: 'Top', panels: [] }) },
      ]);
      const files = await pullDashboards({ url: grafana.url, token: 'tok', outDir: out });
      expect(files.sort()).toEqual([path.join('Team A', 'team.json'), 'top.json']);
      const team = JSON.parse(fs.readFileSync(path.join(out, 'Team A', 'team.json'), 'utf8'));
      expect(team).toEqual(normalizeDashboard(exported));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
      await grafana.stop();
    }
  });
});
