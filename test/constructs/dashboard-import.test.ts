import {
  CreateWorkspaceServiceAccountCommand,
  CreateWorkspaceServiceAccountTokenCommand,
  DeleteWorkspaceServiceAccountCommand,
  DeleteWorkspaceServiceAccountTokenCommand,
  GrafanaClient,
  ListWorkspaceServiceAccountsCommand,
} from '@aws-sdk/client-grafana';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  BundledDashboard,
  GrafanaApi,
  importDashboards,
  ImportProperties,
  onEvent,
  removeAll,
} from '../../lib/constructs/dashboard-import/handler';
import { AMG, AWS_AUTH, DATA_SOURCES, FOLDERS } from '../contracts/grafana';
import { FakeGrafana } from './fake-grafana';

process.env.GRAFANA_RETRY_BASE_MS = '1';
const TOKEN = 'glsa_canary_token_0f3e';
const MARKER = 'managed-by:trading-observability-test';

const dash = (uid: string, title: string, folder = '', extra: Record<string, unknown> = {}): BundledDashboard => ({
  file: `dashboards/${folder ? `${folder}/` : ''}${uid}.json`,
  folder,
  uid,
  text: JSON.stringify({ uid, title, tags: ['trading'], panels: [], ...extra }),
});

describe('dashboard importer against a loopback Grafana API', () => {
  let grafana: FakeGrafana;
  let props: ImportProperties;
  const api = () => new GrafanaApi(grafana.url, TOKEN);

  beforeEach(async () => {
    grafana = new FakeGrafana(TOKEN);
    await grafana.start();
    props = {
      WorkspaceId: 'g-123',
      GrafanaUrl: grafana.url,
      BundleBucket: 'assets',
      BundleKey: 'bundle.json',
      Region: 'eu-west-1',
      PrometheusUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/',
      ServiceAccountName: 'dashboard-importer',
      Marker: MARKER,
      GrafanaVersion: '12.4',
      XRay: 'false',
    };
  });
  afterEach(() => grafana.stop());

  test('create: data sources that query, folders, and every dashboard, marked as its own', async () => {
    const result = await importDashboards(api(), props, [
      dash('overview', 'Overview', '', { panels: [{ datasource: { type: 'prometheus', uid: 'prometheus' } }] }),
      dash('slo', 'SLOs', 'Team A'),
    ]);
    expect(result).toEqual({ imported: 2, unchanged: 0, removed: 0 });
    expect([...grafana.dataSources.keys()]).toEqual(['prometheus', 'cloudwatch']);
    // AMG 12+: the AMP plugin, SigV4 with the workspace IAM role (test/contracts/grafana.ts AMG, AWS_AUTH).
    expect(grafana.dataSources.get('prometheus')).toMatchObject({
      type: AMG.ampPluginType,
      url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
      jsonData: { sigV4Auth: true, sigV4AuthType: AWS_AUTH.workspaceIamRole, sigV4Region: 'eu-west-1' },
    });
    expect(grafana.dataSources.get('cloudwatch')?.jsonData.authType).toBe(AWS_AUTH.workspaceIamRole);
    expect(grafana.folders.get('tobs-team-a')).toEqual({ uid: 'tobs-team-a', title: 'Team A' });
    expect(grafana.dashboards.get('slo')?.folderUid).toBe('tobs-team-a');
    expect(grafana.dashboards.get('overview')?.dashboard.tags).toEqual(['trading', MARKER]);
    // References to our Prometheus uid carry the provisioned type.
    expect(grafana.dashboards.get('overview')?.dashboard.panels[0].datasource).toEqual({ type: AMG.ampPluginType, uid: 'prometheus' });
    // Every data source was health-checked after the import.
    // (After GET /api/health, which reports the Grafana the workspace runs.)
    expect(grafana.log.filter((l) => l.endsWith('/health'))).toEqual([
      'GET /api/health',
      'GET /api/datasources/uid/prometheus/health',
      'GET /api/datasources/uid/cloudwatch/health',
    ]);
  });

  test('Grafana 10.4 workspaces query AMP through the core Prometheus data source with SigV4', async () => {
    grafana.grafanaVersion = '10.4.1';
    await importDashboards(api(), { ...props, GrafanaVersion: '10.4' }, [dash('overview', 'Overview')]);
    expect(grafana.dataSources.get('prometheus')).toMatchObject({ type: 'prometheus', jsonData: { sigV4AuthType: 'ec2_iam_role' } });
  });

  // AMG upgrades a workspace in place and never downgrades it (AMG.upgradeOnly): a deploy that raised the version and
  // failed later rolls back with the old version in the properties while the workspace stays on the new one.
  test('rollback after an upgrade: properties older than the workspace import for the workspace as it is', async () => {
    grafana.grafanaVersion = '10.4.1';
    await importDashboards(api(), { ...props, GrafanaVersion: '10.4' }, [dash('overview', 'Overview')]);
    grafana.grafanaVersion = '12.4.0'; // the upgrade happened; the deploy failed later and rolls back
    const rollback = await importDashboards(api(), { ...props, GrafanaVersion: '10.4' }, [dash('overview', 'Overview')], ['overview']);
    expect(rollback).toMatchObject({ removed: 0 });
    expect(grafana.dataSources.get('prometheus')?.type).toBe(AMG.ampPluginType);
  });

  test('fails when a data source cannot query, with Grafana’s message', async () => {
    grafana.unhealthy.set('prometheus', 'error reading Prometheus: 403 Forbidden');
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      'data source "Amazon Managed Prometheus" (uid prometheus) cannot query: Grafana answered 400: error reading Prometheus: 403 Forbidden ERROR',
    );
  });

  test('corrects a data source still carrying the old auth type "ec2", which grafana-aws-sdk (and the fake) refuses', async () => {
    grafana.dataSources.set('cloudwatch', { uid: 'cloudwatch', name: 'CloudWatch', type: 'cloudwatch', jsonData: { authType: 'ec2' } });
    // The importer corrects it (PUT) before the health check, so the import passes...
    await importDashboards(api(), props, [dash('overview', 'Overview')]);
    expect(grafana.dataSources.get('cloudwatch')?.jsonData.authType).toBe('ec2_iam_role');
    // ...and the fake refuses the old value as grafana-aws-sdk does.
    grafana.dataSources.set('cloudwatch', { ...grafana.dataSources.get('cloudwatch'), jsonData: { authType: 'ec2' } });
    const res = await fetch(`${grafana.url}/api/datasources/uid/cloudwatch/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'ERROR', message: 'invalid auth type: ec2' });
  });

  test('X-Ray: the plugin is installed through the Grafana API and its data source made, when plugin management is on', async () => {
    grafana.pluginAdminEnabled = true;
    await importDashboards(api(), { ...props, XRay: 'true' }, [dash('overview', 'Overview')]);
    expect(grafana.log).toContain(`POST /api/plugins/${AMG.xrayPluginId}/install`);
    expect(grafana.dataSources.get('xray')).toMatchObject({ type: AMG.xrayPluginId, jsonData: { authType: 'ec2_iam_role' } });
  });

  test('fails when X-Ray is asked for and the workspace cannot install plugins', async () => {
    await expect(importDashboards(api(), { ...props, XRay: 'true' }, [dash('overview', 'Overview')])).rejects.toThrow(
      `plugin ${AMG.xrayPluginId} (needs plugin management on the workspace): Grafana answered 403`,
    );
  });

  test('no-op: a second run with the same files writes nothing', async () => {
    const files = [dash('overview', 'Overview'), dash('slo', 'SLOs', 'Team A')];
    await importDashboards(api(), props, files);
    const before = grafana.writes().length;
    expect(await importDashboards(api(), props, files)).toEqual({ imported: 0, unchanged: 2, removed: 0 });
    expect(grafana.writes().length).toBe(before);
  });

  test('update: a changed file updates only its dashboard', async () => {
    await importDashboards(api(), props, [dash('overview', 'Overview'), dash('slo', 'SLOs')]);
    const result = await importDashboards(api(), props, [dash('overview', 'Overview v2'), dash('slo', 'SLOs')]);
    expect(result).toEqual({ imported: 1, unchanged: 1, removed: 0 });
    expect(grafana.dashboards.get('overview')?.dashboard.title).toBe('Overview v2');
    expect(grafana.dashboards.get('overview')?.version).toBe(2);
  });

  test('removal: dashboards gone from the repo are deleted; hand-made ones are never touched', async () => {
    grafana.addForeignDashboard('hand-made');
    await importDashboards(api(), props, [dash('overview', 'Overview'), dash('old', 'Old')]);
    const result = await importDashboards(api(), props, [dash('overview', 'Overview')], ['overview', 'old']);
    expect(result.removed).toBe(1);
    expect([...grafana.dashboards.keys()].sort()).toEqual(['hand-made', 'overview']);
  });

  test('a new uid for an own dashboard of the same title replaces it under the new uid', async () => {
    await importDashboards(api(), props, [dash('old-uid', 'Overview')]);
    const result = await importDashboards(api(), props, [dash('new-uid', 'Overview')], ['old-uid']);
    expect(result).toMatchObject({ imported: 1, removed: 1 });
    expect([...grafana.dashboards.keys()]).toEqual(['new-uid']);
  });

  test('two own dashboards that swap titles are both imported under their own uids', async () => {
    await importDashboards(api(), props, [dash('a', 'Alpha'), dash('b', 'Beta')]);
    await importDashboards(api(), props, [dash('a', 'Beta'), dash('b', 'Alpha')]);
    expect(grafana.dashboards.get('a')?.dashboard.title).toBe('Beta');
    expect(grafana.dashboards.get('b')?.dashboard.title).toBe('Alpha');
    expect(grafana.dashboards.size).toBe(2);
  });

  // Ownership is what this resource recorded importing (its bundle's uids) and still carries its owner tag.
  test('a "Save as" copy of an own dashboard (tags copied, another uid) is not the importer\'s: no update or delete removes it', async () => {
    const owned = { ...props, Owner: 'aaaa1111', DashboardUids: JSON.stringify(['overview']) };
    await importDashboards(api(), owned, [dash('overview', 'Overview')]);
    const saved = grafana.dashboards.get('overview')!.dashboard;
    await api().request('POST', '/api/dashboards/db', 'copy', { dashboard: { ...saved, id: null, uid: 'copy', title: 'My copy' } });
    await importDashboards(api(), owned, [dash('overview', 'Overview')], ['overview']);
    expect(grafana.dashboards.has('copy')).toBe(true);
    await removeAll(api(), owned);
    expect([...grafana.dashboards.keys()]).toEqual(['copy']);
    // The copy still uses the data sources: they stay while a dashboard of this marker does.
    expect(grafana.dataSources.size).toBeGreaterThan(0);
  });

  test("create-new-then-delete-old (a renamed construct): the new instance takes over; the old one's delete removes nothing", async () => {
    const files = [dash('overview', 'Overview'), dash('slo', 'SLOs', 'Team A')];
    const recorded = JSON.stringify(files.map((f) => f.uid));
    const oldInstance = { ...props, Owner: 'aaaa1111', DashboardUids: recorded };
    const newInstance = { ...props, Owner: 'bbbb2222', DashboardUids: recorded };
    await importDashboards(api(), oldInstance, files);
    await importDashboards(api(), newInstance, files); // CloudFormation creates the new resource first...
    await removeAll(api(), oldInstance); // ...then deletes the old one.
    expect([...grafana.dashboards.keys()].sort()).toEqual(['overview', 'slo']);
    expect(grafana.dataSources.size).toBeGreaterThan(0);
    expect(grafana.folders.has('tobs-team-a')).toBe(true);
    // The new instance's delete removes them.
    await removeAll(api(), newInstance);
    expect(grafana.dashboards.size).toBe(0);
    expect(grafana.dataSources.size).toBe(0);
  });

  test('fails when a dashboard of another owner has the uid, naming both, and writes nothing', async () => {
    grafana.addForeignDashboard('overview');
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      'dashboards/overview.json: dashboard uid "overview" is taken by "Hand-made overview" (folder "General"), which this importer did not create',
    );
    expect(grafana.writes()).toEqual([]);
    expect(grafana.dashboards.get('overview')?.dashboard.title).toBe('Hand-made overview');
  });

  test('fails when a dashboard of another owner has the title in the folder, naming both, and writes nothing', async () => {
    grafana.folders.set('tobs-team-a', { uid: 'tobs-team-a', title: 'Team A' });
    grafana.addForeignDashboard('by-hand', 'Latency', 'tobs-team-a');
    await expect(importDashboards(api(), props, [dash('latency', 'latency', 'Team A')])).rejects.toThrow(
      'dashboards/Team A/latency.json: title "latency" is already used in folder "Team A" by dashboard "Latency" (uid "by-hand"), which this importer did not create; saving would replace it',
    );
    expect(grafana.writes()).toEqual([]);
    expect(grafana.dashboards.get('by-hand')?.dashboard.title).toBe('Latency');
  });

  test('the fake, like Grafana, replaces a same-title dashboard on overwrite (why the check above exists)', async () => {
    grafana.addForeignDashboard('by-hand', 'Latency');
    await api().request('POST', '/api/dashboards/db', 'x', { dashboard: { uid: 'ours', title: 'Latency' }, overwrite: true });
    expect(grafana.dashboards.has('ours')).toBe(false);
    expect(grafana.dashboards.get('by-hand')?.dashboard.tags).toBeUndefined();
    await expect(
      api().request('POST', '/api/dashboards/db', 'x', { dashboard: { uid: 'other', title: 'LATENCY' }, overwrite: false }),
    ).rejects.toThrow('Grafana answered 412: A dashboard with the same name in the folder already exists name-exists');
  });

  test('fails when a data source of another owner has our name, and writes nothing', async () => {
    grafana.dataSources.set('abc123', { uid: 'abc123', name: 'CloudWatch', type: 'cloudwatch' });
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      'a data source named "CloudWatch" exists with uid "abc123" (type cloudwatch); this importer did not create it',
    );
    expect(grafana.writes()).toEqual([]);
  });

  test('fails when a data source of another owner has our uid', async () => {
    grafana.dataSources.set('prometheus', { uid: 'prometheus', name: 'My Prometheus', type: 'prometheus' });
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      'data source uid "prometheus" is taken by "My Prometheus" (type prometheus), which this importer did not create',
    );
  });

  test('adopts its own data source (same uid and name) and corrects it', async () => {
    grafana.dataSources.set('prometheus', { uid: 'prometheus', name: 'Amazon Managed Prometheus', type: 'prometheus', jsonData: {} });
    await importDashboards(api(), props, [dash('overview', 'Overview')]);
    expect(grafana.log).toContain('PUT /api/datasources/uid/prometheus');
    expect(grafana.dataSources.get('prometheus')?.type).toBe(AMG.ampPluginType);
  });

  test('the fake answers 409 for a duplicate data source name and folder title, as Grafana does', async () => {
    grafana.dataSources.set('a', { uid: 'a', name: 'X', type: 'prometheus' });
    await expect(api().request('POST', '/api/datasources', 'ds', { uid: 'b', name: 'X', type: 'prometheus' })).rejects.toThrow(
      `Grafana answered ${DATA_SOURCES.createConflictStatus}: ${DATA_SOURCES.nameConflictMessage}`,
    );
    grafana.folders.set('f1', { uid: 'f1', title: 'Team A' });
    await expect(api().request('POST', '/api/folders', 'folder', { uid: 'f2', title: 'Team A' })).rejects.toThrow(
      `Grafana answered ${FOLDERS.createConflictStatus}`,
    );
  });

  test('fails when a folder of another owner has the title, naming both', async () => {
    grafana.folders.set('handmade', { uid: 'handmade', title: 'Team A' });
    await expect(importDashboards(api(), props, [dash('slo', 'SLOs', 'Team A')])).rejects.toThrow(
      'folder "Team A" (dashboards/Team A/) is already a folder of Grafana with uid "handmade", which this importer did not create',
    );
    expect(grafana.writes()).toEqual([]);
  });

  test('the fake refuses uids Grafana refuses', async () => {
    await expect(api().request('POST', '/api/dashboards/db', 'x', { dashboard: { uid: 'a b', title: 'T' } })).rejects.toThrow(
      'Grafana answered 400: uid contains illegal characters',
    );
    await expect(api().request('POST', '/api/dashboards/db', 'x', { dashboard: { uid: 'a'.repeat(41), title: 'T' } })).rejects.toThrow(
      'Grafana answered 400: uid too long, max 40 characters',
    );
  });

  describe('stack deletion', () => {
    test('removes only its own dashboards; keeps a folder that still holds a hand-made dashboard', async () => {
      props = { ...props, DashboardUids: JSON.stringify(['overview', 'slo', 'x']), Folders: JSON.stringify(['Team A', 'Team B']) };
      await importDashboards(api(), props, [dash('overview', 'Overview'), dash('slo', 'SLOs', 'Team A'), dash('x', 'X', 'Team B')]);
      grafana.addForeignDashboard('hand-made', 'Mine', 'tobs-team-a');
      grafana.folders.set('someone-else', { uid: 'someone-else', title: 'Other' });
      await removeAll(api(), props);
      expect([...grafana.dashboards.keys()]).toEqual(['hand-made']);
      expect([...grafana.folders.keys()].sort()).toEqual(['someone-else', 'tobs-team-a']);
      expect(grafana.dataSources.size).toBe(0);
    });

    test('deletes only the folders it recorded making: an empty folder of someone else with a tobs- uid stays', async () => {
      props = { ...props, DashboardUids: JSON.stringify(['slo']), Folders: JSON.stringify(['Team A']) };
      await importDashboards(api(), props, [dash('slo', 'SLOs', 'Team A')]);
      grafana.folders.set('tobs-mine', { uid: 'tobs-mine', title: 'Mine' });
      await removeAll(api(), props);
      expect([...grafana.folders.keys()]).toEqual(['tobs-mine']);
    });

    test('keeps an own folder Grafana refuses to delete because it holds alert rules, and succeeds', async () => {
      props = { ...props, DashboardUids: JSON.stringify(['slo']), Folders: JSON.stringify(['Team A']) };
      await importDashboards(api(), props, [dash('slo', 'SLOs', 'Team A')]);
      grafana.alertRuleFolders.add('tobs-team-a');
      await expect(removeAll(api(), props)).resolves.toBe(1);
      expect(grafana.folders.has('tobs-team-a')).toBe(true);
      expect(grafana.dashboards.size).toBe(0);
    });

    test('the fake, like Grafana, deletes every dashboard in a deleted folder and refuses one with alert rules', async () => {
      grafana.folders.set('f', { uid: 'f', title: 'F' });
      grafana.addForeignDashboard('in-f', 'In F', 'f');
      grafana.alertRuleFolders.add('f');
      await expect(api().request('DELETE', '/api/folders/f', 'folder')).rejects.toThrow(
        `Grafana answered ${FOLDERS.deleteWithAlertRulesStatus}: folder cannot be deleted: folder contains alert rules`,
      );
      grafana.alertRuleFolders.delete('f');
      await api().request('DELETE', '/api/folders/f', 'folder');
      expect(grafana.dashboards.has('in-f')).toBe(false);
    });
  });

  test('retry: GET, PUT and DELETE answered 429 or 5xx are retried with backoff, then the import succeeds', async () => {
    grafana.failNext('GET', '/api/datasources/uid/prometheus', 503);
    grafana.failNext('GET', '/api/dashboards/uid/overview', 429, { message: 'Too many requests' });
    grafana.failNext('GET', '/api/dashboards/uid/overview', 502, { message: 'Bad gateway' });
    const result = await importDashboards(api(), props, [dash('overview', 'Overview')]);
    expect(result.imported).toBe(1);
    expect(grafana.log.filter((l) => l === 'GET /api/dashboards/uid/overview')).toHaveLength(3);
    expect(grafana.log.filter((l) => l === 'POST /api/dashboards/db')).toHaveLength(1);
  });

  // [case, method, path, status, message, failures queued, requests expected]
  test.each([
    ['fails at once when a POST is answered 429: a POST is never sent twice', 'POST', '/api/dashboards/db', 429, 'Too many requests', 1, 1],
    ['retry gives up after five attempts with Grafana’s message', 'GET', '/api/dashboards/uid/overview', 503, 'Service unavailable', 5, 5],
  ] as const)('%s', async (_case, method, path, status, message, failures, requests) => {
    grafana.failNext(method, path, status, { message }, failures);
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      `dashboards/overview.json: Grafana answered ${status}: ${message}`,
    );
    expect(grafana.log.filter((l) => l === `${method} ${path}`)).toHaveLength(requests);
  });

  test('a 4xx fails at once with Grafana’s message and the file name', async () => {
    grafana.failNext('POST', '/api/dashboards/db', 400, { message: 'Dashboard title cannot be empty' });
    await expect(importDashboards(api(), props, [dash('broken', '')])).rejects.toThrow(
      'dashboards/broken.json: Grafana answered 400: Dashboard title cannot be empty',
    );
    expect(grafana.log.filter((l) => l === 'POST /api/dashboards/db')).toHaveLength(1);
  });

  test('a 412 version conflict fails with Grafana’s message and the file name', async () => {
    grafana.failNext('POST', '/api/dashboards/db', 412, {
      message: 'The dashboard has been changed by someone else',
      status: 'version-mismatch',
    });
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      'dashboards/overview.json: Grafana answered 412: The dashboard has been changed by someone else version-mismatch',
    );
  });

  describe('as a custom resource (AWS SDK mocked)', () => {
    const sdkGrafana = mockClient(GrafanaClient);
    const s3 = mockClient(S3Client);
    const event = (type: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent =>
      ({
        RequestType: type,
        ResourceProperties: { ServiceToken: 'x', ...props },
        PhysicalResourceId: 'g-123/dashboards',
      }) as unknown as CloudFormationCustomResourceEvent;

    beforeEach(() => {
      sdkGrafana.reset();
      s3.reset();
      sdkGrafana.on(ListWorkspaceServiceAccountsCommand).resolves({ serviceAccounts: [] });
      sdkGrafana
        .on(CreateWorkspaceServiceAccountCommand)
        .resolves({ id: 'sa-1', name: 'dashboard-importer', grafanaRole: 'ADMIN', workspaceId: 'g-123' });
      sdkGrafana
        .on(CreateWorkspaceServiceAccountTokenCommand)
        .resolves({ serviceAccountToken: { id: 'tok-1', name: 'import', key: TOKEN }, serviceAccountId: 'sa-1', workspaceId: 'g-123' });
      sdkGrafana.on(DeleteWorkspaceServiceAccountTokenCommand).resolves({});
      sdkGrafana.on(DeleteWorkspaceServiceAccountCommand).resolves({});
      const body = JSON.stringify({ dashboards: [dash('overview', 'Overview')] });
      s3.on(GetObjectCommand, { Bucket: 'assets', Key: 'bundle.json' }).resolves({
        Body: { transformToString: async () => body } as never,
      });
    });

    test('create uses a service account token, deletes it when done, and returns no secret', async () => {
      const logs: string[] = [];
      const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
      const out = await onEvent(event('Create'));
      spy.mockRestore();
      expect(out).toEqual({ PhysicalResourceId: 'g-123/dashboards', Data: { Imported: 1, Unchanged: 0, Removed: 0 } });
      expect(sdkGrafana.commandCalls(CreateWorkspaceServiceAccountCommand)[0].args[0].input).toMatchObject({
        grafanaRole: 'ADMIN',
        name: 'dashboard-importer',
      });
      expect(sdkGrafana.commandCalls(CreateWorkspaceServiceAccountTokenCommand)[0].args[0].input.secondsToLive).toBeLessThanOrEqual(900);
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountTokenCommand)[0].args[0].input).toEqual({
        workspaceId: 'g-123',
        serviceAccountId: 'sa-1',
        tokenId: 'tok-1',
      });
      expect(JSON.stringify(out) + logs.join('\n')).not.toContain(TOKEN);
    });

    test('reuses an existing service account', async () => {
      sdkGrafana
        .on(ListWorkspaceServiceAccountsCommand)
        .resolves({ serviceAccounts: [{ id: 'sa-9', name: 'dashboard-importer', grafanaRole: 'ADMIN', isDisabled: 'false' }] });
      await onEvent(event('Update'));
      expect(sdkGrafana.commandCalls(CreateWorkspaceServiceAccountCommand)).toHaveLength(0);
      expect(sdkGrafana.commandCalls(CreateWorkspaceServiceAccountTokenCommand)[0].args[0].input.serviceAccountId).toBe('sa-9');
    });

    test('finds its service account on a later page instead of creating a second one', async () => {
      sdkGrafana
        .on(ListWorkspaceServiceAccountsCommand, { workspaceId: 'g-123', nextToken: undefined })
        .resolves({ serviceAccounts: [{ id: 'sa-2', name: 'someone-else', grafanaRole: 'VIEWER', isDisabled: 'false' }], nextToken: 'p2' })
        .on(ListWorkspaceServiceAccountsCommand, { workspaceId: 'g-123', nextToken: 'p2' })
        .resolves({ serviceAccounts: [{ id: 'sa-9', name: 'dashboard-importer', grafanaRole: 'ADMIN', isDisabled: 'false' }] });
      await onEvent(event('Update'));
      expect(sdkGrafana.commandCalls(CreateWorkspaceServiceAccountCommand)).toHaveLength(0);
      expect(sdkGrafana.commandCalls(CreateWorkspaceServiceAccountTokenCommand)[0].args[0].input.serviceAccountId).toBe('sa-9');
    });

    test('the token is deleted even when the import fails', async () => {
      grafana.failNext('POST', '/api/dashboards/db', 400, { message: 'bad' });
      await expect(onEvent(event('Create'))).rejects.toThrow('dashboards/overview.json: Grafana answered 400: bad');
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountTokenCommand)).toHaveLength(1);
    });

    test('update removes what the previous properties recorded and the bundle no longer holds', async () => {
      props = { ...props, DashboardUids: JSON.stringify(['overview']) };
      await importDashboards(api(), props, [dash('overview', 'Overview'), dash('old', 'Old')]);
      const update = {
        ...event('Update'),
        OldResourceProperties: { ...props, DashboardUids: JSON.stringify(['overview', 'old']) },
      } as unknown as CloudFormationCustomResourceEvent;
      expect(await onEvent(update)).toMatchObject({ Data: { Removed: 1 } });
      expect([...grafana.dashboards.keys()]).toEqual(['overview']);
    });

    test("an upgrade's import that fails is logged and does not fail the deploy (it cannot be rolled back); -c reimport runs it again", async () => {
      const upgrade = (extra: Record<string, string> = {}) =>
        ({
          ...event('Update'),
          ResourceProperties: { ServiceToken: 'x', ...props, GrafanaVersion: '12.4', ...extra },
          OldResourceProperties: { ServiceToken: 'x', ...props, GrafanaVersion: '10.4' },
        }) as unknown as CloudFormationCustomResourceEvent;
      grafana.failNext('POST', '/api/dashboards/db', 400, { message: 'bad' });
      const logs: string[] = [];
      const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
      const out = await onEvent(upgrade());
      spy.mockRestore();
      expect(out).toMatchObject({ Data: { ImportFailed: 1 } });
      expect(JSON.parse(logs.find((l) => l.includes('"level":"error"'))!)).toMatchObject({
        msg: expect.stringContaining('deploy again with -c reimport=$(date +%s)'),
        error: 'dashboards/overview.json: Grafana answered 400: bad',
      });
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountTokenCommand)).toHaveLength(1);
      // The retry: a new Reimport value is a property change, so CloudFormation runs the import again.
      expect(
        await onEvent({ ...upgrade({ Reimport: '1' }), OldResourceProperties: { ...props, GrafanaVersion: '12.4' } } as never),
      ).toMatchObject({
        Data: { Imported: 1 },
      });
      // Outside an upgrade, the same failure fails the deploy as before.
      grafana.dashboards.delete('overview');
      grafana.failNext('POST', '/api/dashboards/db', 400, { message: 'bad' });
      await expect(
        onEvent({
          ...event('Update'),
          ResourceProperties: { ServiceToken: 'x', ...props, Reimport: '2' },
          OldResourceProperties: props,
        } as never),
      ).rejects.toThrow('Grafana answered 400: bad');
    });

    test('uses and deletes only the account of its own name, never another named like the old shared one', async () => {
      props = { ...props, ServiceAccountName: 'tobs-importer-0a1b2c3d' };
      sdkGrafana
        .on(ListWorkspaceServiceAccountsCommand)
        .resolves({ serviceAccounts: [{ id: 'sa-7', name: 'dashboard-importer', grafanaRole: 'ADMIN', isDisabled: 'false' }] });
      await onEvent(event('Create'));
      expect(sdkGrafana.commandCalls(CreateWorkspaceServiceAccountCommand)[0].args[0].input.name).toBe('tobs-importer-0a1b2c3d');
      await onEvent(event('Delete'));
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountCommand)).toHaveLength(0);
    });

    test('an update that renames the service account retires the old one once the import under the new name succeeded', async () => {
      sdkGrafana.on(ListWorkspaceServiceAccountsCommand).resolves({
        serviceAccounts: [{ id: 'sa-7', name: 'dashboard-importer', grafanaRole: 'ADMIN', isDisabled: 'false' }],
      });
      const rename = (extra: Record<string, string> = {}) =>
        ({
          ...event('Update'),
          ResourceProperties: { ServiceToken: 'x', ...props, ServiceAccountName: 'tobs-importer-0a1b2c3d', ...extra },
          OldResourceProperties: { ServiceToken: 'x', ...props, ServiceAccountName: 'dashboard-importer' },
        }) as unknown as CloudFormationCustomResourceEvent;
      // A failed import keeps the old account (a rollback would use it again).
      grafana.failNext('POST', '/api/dashboards/db', 400, { message: 'bad' });
      await expect(onEvent(rename())).rejects.toThrow('Grafana answered 400');
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountCommand)).toHaveLength(0);
      await onEvent(rename({ Reimport: '1' }));
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountCommand).map((c) => c.args[0].input)).toEqual([
        { workspaceId: 'g-123', serviceAccountId: 'sa-7' },
      ]);
    });

    test("the AMP workspace constant a dashboard declares is set to the importer's workspace (the cost panels' filter)", async () => {
      const cost = dash('observability-cost', 'Cost', '', {
        templating: {
          list: [
            { name: 'amp_workspace', type: 'constant', hide: 2, query: 'set-by-the-importer' },
            { name: 'other', type: 'custom', query: 'a' },
          ],
        },
      });
      await importDashboards(api(), { ...props, PrometheusUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-abc-123/' }, [
        cost,
      ]);
      const list = grafana.dashboards.get('observability-cost')?.dashboard.templating.list;
      expect(list[0]).toMatchObject({ name: 'amp_workspace', query: 'ws-abc-123', current: { value: 'ws-abc-123' } });
      expect(list[1]).toEqual({ name: 'other', type: 'custom', query: 'a' });
    });

    test('delete removes what the importer created and leaves the rest', async () => {
      props = { ...props, DashboardUids: JSON.stringify(['overview']) };
      grafana.addForeignDashboard('hand-made');
      await onEvent(event('Create'));
      sdkGrafana
        .on(ListWorkspaceServiceAccountsCommand)
        .resolves({ serviceAccounts: [{ id: 'sa-1', name: 'dashboard-importer', grafanaRole: 'ADMIN', isDisabled: 'false' }] });
      await onEvent(event('Delete'));
      expect([...grafana.dashboards.keys()]).toEqual(['hand-made']);
      expect(grafana.dataSources.size).toBe(0);
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountCommand)).toHaveLength(1);
    });

    test('delete of an importer whose workspace is retained (prod) leaves dashboards and data sources to the workspace', async () => {
      // Hand-made dashboards use the data sources the importer made: a workspace kept on stack deletion keeps them working.
      props = { ...props, RetainOnDelete: 'true' };
      grafana.addForeignDashboard('hand-made');
      await onEvent(event('Create'));
      const before = { dashboards: [...grafana.dashboards.keys()].sort(), dataSources: [...grafana.dataSources.keys()].sort() };
      sdkGrafana
        .on(ListWorkspaceServiceAccountsCommand)
        .resolves({ serviceAccounts: [{ id: 'sa-1', name: 'dashboard-importer', grafanaRole: 'ADMIN', isDisabled: 'false' }] });
      await onEvent(event('Delete'));
      expect({ dashboards: [...grafana.dashboards.keys()].sort(), dataSources: [...grafana.dataSources.keys()].sort() }).toEqual(before);
      expect(before.dataSources.length).toBeGreaterThan(0);
      // Its own credentials go: the service account (and so any token left) is deleted.
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountCommand)).toHaveLength(1);
    });
  });
});
