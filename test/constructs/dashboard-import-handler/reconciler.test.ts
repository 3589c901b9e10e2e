import { GrafanaMethod, GrafanaRequests } from '../../../lib/constructs/dashboard-import/handler/grafana-client';
import type { BundledDashboard, ImportProperties } from '../../../lib/constructs/dashboard-import/handler/import-properties';
import { importDashboards, OwnershipError, removeAll } from '../../../lib/constructs/dashboard-import/handler/reconciler';

/**
 * The reconciler alone, against a stub of GrafanaRequests: answers by
 * "METHOD path" (undefined = 404 where allowed), every call recorded. The
 * rules of the real API are the fake Grafana's (test/constructs/fake-grafana.ts,
 * used by dashboard-import.test.ts); here only the decisions are checked.
 */
class StubGrafana implements GrafanaRequests {
  readonly calls: string[] = [];
  constructor(private readonly answers: Record<string, unknown>) {}
  async request<T>(method: GrafanaMethod, path: string): Promise<T | undefined> {
    this.calls.push(`${method} ${path}`);
    return this.answers[`${method} ${path}`] as T | undefined;
  }
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('GET '));
  }
}

const MARKER = 'managed-by:test';
const props: ImportProperties = {
  WorkspaceId: 'g-1',
  GrafanaUrl: 'https://g.example',
  BundleBucket: 'b',
  BundleKey: 'k',
  Region: 'eu-west-1',
  PrometheusUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/',
  ServiceAccountName: 'dashboard-importer',
  Marker: MARKER,
  GrafanaVersion: '10.4',
  XRay: 'false',
};
const healthy = {
  'GET /api/datasources/uid/prometheus/health': { status: 'OK' },
  'GET /api/datasources/uid/cloudwatch/health': { status: 'OK' },
};
const overview: BundledDashboard = {
  file: 'dashboards/overview.json',
  folder: '',
  uid: 'overview',
  text: JSON.stringify({ uid: 'overview', title: 'Overview', tags: [] }),
};

describe('reconciler: what to write to Grafana', () => {
  test('an empty workspace: data sources and the dashboard are created, then health-checked', async () => {
    const g = new StubGrafana(healthy);
    expect(await importDashboards(g, props, [overview])).toEqual({ imported: 1, unchanged: 0, removed: 0 });
    expect(g.writes()).toEqual(['POST /api/datasources', 'POST /api/datasources', 'POST /api/dashboards/db']);
  });

  test('a dashboard already as the bundle has it (Grafana’s id and version aside) is not saved again', async () => {
    const saved = { uid: 'overview', title: 'Overview', tags: [MARKER], id: 7, version: 3 };
    const g = new StubGrafana({
      ...healthy,
      'GET /api/dashboards/uid/overview': { dashboard: saved, meta: {} },
      'GET /api/search?type=dash-db&limit=5000': [{ uid: 'overview', title: 'Overview', tags: [MARKER] }],
    });
    expect(await importDashboards(g, props, [overview])).toEqual({ imported: 0, unchanged: 1, removed: 0 });
    expect(g.writes()).toEqual(['POST /api/datasources', 'POST /api/datasources']);
  });

  test('fails when another owner’s dashboard has the uid, before any write', async () => {
    const g = new StubGrafana({
      ...healthy,
      'GET /api/search?type=dash-db&limit=5000': [{ uid: 'overview', title: 'Theirs', tags: [], folderTitle: 'Ops' }],
    });
    await expect(importDashboards(g, props, [overview])).rejects.toThrow(OwnershipError);
    await expect(importDashboards(g, props, [overview])).rejects.toThrow(
      'dashboards/overview.json: dashboard uid "overview" is taken by "Theirs" (folder "Ops")',
    );
    expect(g.writes()).toEqual([]);
  });

  test('own dashboards gone from the bundle (recorded before, still tagged) are deleted; others’ are left', async () => {
    const g = new StubGrafana({
      ...healthy,
      'GET /api/dashboards/uid/old': { dashboard: { uid: 'old', tags: [MARKER] } },
    });
    expect(await importDashboards(g, props, [overview], ['old', 'gone-already'])).toMatchObject({ removed: 1 });
    expect(g.writes()).toContain('DELETE /api/dashboards/uid/old');
    expect(g.writes().filter((w) => w.startsWith('DELETE'))).toEqual(['DELETE /api/dashboards/uid/old']);
  });

  test('removeAll deletes own dashboards, empty own folders and the data sources, and keeps a folder that holds others’ items', async () => {
    const g = new StubGrafana({
      'GET /api/dashboards/uid/a': { dashboard: { uid: 'a', tags: [MARKER] } },
      [`GET /api/search?type=dash-db&limit=5000&tag=${encodeURIComponent(MARKER)}`]: [],
      'GET /api/folders?limit=1000': [
        { uid: 'tobs-empty', title: 'Empty' },
        { uid: 'tobs-used', title: 'Used' },
        { uid: 'theirs', title: 'Theirs' },
      ],
      'GET /api/search?folderUIDs=tobs-empty': [],
      'GET /api/search?folderUIDs=tobs-used': [{ uid: 'x' }],
    });
    expect(await removeAll(g, { ...props, DashboardUids: JSON.stringify(['a']), Folders: JSON.stringify(['Empty', 'Used']) })).toBe(1);
    expect(g.writes()).toEqual([
      'DELETE /api/dashboards/uid/a',
      'DELETE /api/folders/tobs-empty',
      'DELETE /api/datasources/uid/prometheus',
      'DELETE /api/datasources/uid/cloudwatch',
    ]);
  });
});
