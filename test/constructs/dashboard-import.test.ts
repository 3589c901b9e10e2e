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
import { BundledDashboard, GrafanaApi, importDashboards, ImportProperties, onEvent } from '../../lib/constructs/dashboard-import/handler';
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
    };
  });
  afterEach(() => grafana.stop());

  test('create: data sources with fixed uids, folders, and every dashboard, marked as its own', async () => {
    const result = await importDashboards(api(), props, [dash('overview', 'Overview'), dash('slo', 'SLOs', 'Team A')]);
    expect(result).toEqual({ imported: 2, unchanged: 0, removed: 0 });
    expect([...grafana.dataSources.keys()]).toEqual(['prometheus', 'cloudwatch', 'xray']);
    expect(grafana.dataSources.get('prometheus')).toMatchObject({
      type: 'prometheus',
      url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
      jsonData: { sigV4Auth: true, sigV4Region: 'eu-west-1' },
    });
    expect(grafana.folders.get('tobs-team-a')).toEqual({ uid: 'tobs-team-a', title: 'Team A' });
    expect(grafana.dashboards.get('slo')?.folderUid).toBe('tobs-team-a');
    expect(grafana.dashboards.get('overview')?.dashboard.tags).toEqual(['trading', MARKER]);
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
    const result = await importDashboards(api(), props, [dash('overview', 'Overview')]);
    expect(result.removed).toBe(1);
    expect([...grafana.dashboards.keys()].sort()).toEqual(['hand-made', 'overview']);
  });

  test('refuses to overwrite a dashboard it did not create', async () => {
    grafana.addForeignDashboard('overview');
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      'dashboards/overview.json: Grafana answered 409: a dashboard with uid "overview" exists and was not created by this importer',
    );
    expect(grafana.dashboards.get('overview')?.dashboard.title).toBe('Hand-made overview');
  });

  test('retry: 429 and 5xx answers are retried with backoff, then the import succeeds', async () => {
    grafana.failNext('POST', '/api/dashboards/db', 429, { message: 'Too many requests' });
    grafana.failNext('POST', '/api/dashboards/db', 502, { message: 'Bad gateway' });
    grafana.failNext('GET', '/api/datasources/uid/prometheus', 503);
    const result = await importDashboards(api(), props, [dash('overview', 'Overview')]);
    expect(result.imported).toBe(1);
    expect(grafana.log.filter((l) => l === 'POST /api/dashboards/db')).toHaveLength(3);
  });

  test('retry gives up after five attempts with Grafana’s message', async () => {
    grafana.failNext('POST', '/api/dashboards/db', 503, { message: 'Service unavailable' }, 5);
    await expect(importDashboards(api(), props, [dash('overview', 'Overview')])).rejects.toThrow(
      'dashboards/overview.json: Grafana answered 503: Service unavailable',
    );
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

    test('the token is deleted even when the import fails', async () => {
      grafana.failNext('POST', '/api/dashboards/db', 400, { message: 'bad' });
      await expect(onEvent(event('Create'))).rejects.toThrow('dashboards/overview.json: Grafana answered 400: bad');
      expect(sdkGrafana.commandCalls(DeleteWorkspaceServiceAccountTokenCommand)).toHaveLength(1);
    });

    test('delete removes what the importer created and leaves the rest', async () => {
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
  });
});
