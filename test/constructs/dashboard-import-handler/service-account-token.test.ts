import * as amg from '@aws-sdk/client-grafana';
import { mockClient } from 'aws-sdk-client-mock';
import { IMPORT_TIMEOUT_SECONDS, type ImportProperties } from '../../../lib/constructs/dashboard-import/handler/import-properties';
import { deleteServiceAccount, withToken } from '../../../lib/constructs/dashboard-import/handler/service-account-token';
import { resourcesOf, synth } from '../../helpers';

const props = { WorkspaceId: 'g-1', ServiceAccountName: 'dashboard-importer' } as ImportProperties;

describe('service account token lifecycle (AWS SDK mocked)', () => {
  const sdk = mockClient(amg.GrafanaClient);
  const client = new amg.GrafanaClient({ region: 'eu-west-1' });
  beforeEach(() => {
    sdk.reset();
    sdk.on(amg.ListWorkspaceServiceAccountsCommand).resolves({ serviceAccounts: [] });
    sdk.on(amg.CreateWorkspaceServiceAccountCommand).resolves({ id: 'sa-1' });
    sdk.on(amg.CreateWorkspaceServiceAccountTokenCommand).resolves({ serviceAccountToken: { id: 'tok-1', name: 'n', key: 'secret' } });
    sdk.on(amg.DeleteWorkspaceServiceAccountTokenCommand).resolves({});
    sdk.on(amg.DeleteWorkspaceServiceAccountCommand).resolves({});
  });

  test('makes the ADMIN account when missing, hands the key to the work, and deletes the token after it', async () => {
    expect(await withToken(props, async (key) => `used ${key}`, client)).toBe('used secret');
    expect(sdk.commandCalls(amg.CreateWorkspaceServiceAccountCommand)[0].args[0].input).toEqual({
      workspaceId: 'g-1',
      name: 'dashboard-importer',
      grafanaRole: 'ADMIN',
    });
    expect(sdk.commandCalls(amg.CreateWorkspaceServiceAccountTokenCommand)[0].args[0].input).toMatchObject({
      serviceAccountId: 'sa-1',
      secondsToLive: IMPORT_TIMEOUT_SECONDS,
    });
    expect(sdk.commandCalls(amg.DeleteWorkspaceServiceAccountTokenCommand)[0].args[0].input).toEqual({
      workspaceId: 'g-1',
      serviceAccountId: 'sa-1',
      tokenId: 'tok-1',
    });
  });

  test('the token lives no longer than the run that made it: a run killed at its timeout leaves no valid token', async () => {
    // The importer's Lambda timeout is IMPORT_TIMEOUT_SECONDS (the construct uses it); a run passes its remaining time.
    await withToken(props, async () => 'ok', client, 123.4);
    expect(sdk.commandCalls(amg.CreateWorkspaceServiceAccountTokenCommand)[0].args[0].input.secondsToLive).toBe(124);
    const { json } = synth('prod');
    const importer = resourcesOf(json, 'AWS::Lambda::Function').find(
      ([, p]) => p.Description === 'Imports dashboards/ into Amazon Managed Grafana',
    );
    expect(importer?.[1].Timeout).toBe(IMPORT_TIMEOUT_SECONDS);
    expect(IMPORT_TIMEOUT_SECONDS).toBeLessThanOrEqual(300);
  });

  test('deletes the token when the work fails, and passes the failure on', async () => {
    await expect(withToken(props, () => Promise.reject(new Error('import failed')), client)).rejects.toThrow('import failed');
    expect(sdk.commandCalls(amg.DeleteWorkspaceServiceAccountTokenCommand)).toHaveLength(1);
  });

  test('deleteServiceAccount deletes the account found on a later page, and nothing when there is none', async () => {
    sdk
      .on(amg.ListWorkspaceServiceAccountsCommand, { workspaceId: 'g-1', nextToken: undefined })
      .resolves({ serviceAccounts: [{ id: 'sa-2', name: 'other', grafanaRole: 'VIEWER', isDisabled: 'false' }], nextToken: 'p2' })
      .on(amg.ListWorkspaceServiceAccountsCommand, { workspaceId: 'g-1', nextToken: 'p2' })
      .resolves({ serviceAccounts: [{ id: 'sa-9', name: 'dashboard-importer', grafanaRole: 'ADMIN', isDisabled: 'false' }] });
    await deleteServiceAccount(props, client);
    expect(sdk.commandCalls(amg.DeleteWorkspaceServiceAccountCommand)[0].args[0].input).toEqual({
      workspaceId: 'g-1',
      serviceAccountId: 'sa-9',
    });
    sdk.on(amg.ListWorkspaceServiceAccountsCommand).resolves({ serviceAccounts: [] });
    await deleteServiceAccount(props, client);
    expect(sdk.commandCalls(amg.DeleteWorkspaceServiceAccountCommand)).toHaveLength(1);
  });
});
