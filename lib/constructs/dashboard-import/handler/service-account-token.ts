/**
 * The importer's Grafana credentials: a service account of the workspace
 * (made once, ADMIN) and a short-lived token per run, deleted afterwards
 * whatever happens. The token is never logged or returned.
 */
import {
  CreateWorkspaceServiceAccountCommand,
  CreateWorkspaceServiceAccountTokenCommand,
  DeleteWorkspaceServiceAccountCommand,
  DeleteWorkspaceServiceAccountTokenCommand,
  GrafanaClient,
  paginateListWorkspaceServiceAccounts,
} from '@aws-sdk/client-grafana';
import { IMPORT_TIMEOUT_SECONDS, type ImportProperties } from './import-properties';

/**
 * The importer's service account, searched on every page: ListWorkspaceServiceAccounts is paginated
 * (nextToken; AMG API reference), and creating an account whose name exists fails with a conflict.
 */
async function findServiceAccount(client: GrafanaClient, props: ImportProperties): Promise<string | undefined> {
  for await (const page of paginateListWorkspaceServiceAccounts({ client }, { workspaceId: props.WorkspaceId })) {
    const id = page.serviceAccounts?.find((a) => a.name === props.ServiceAccountName)?.id;
    if (id) return id;
  }
  return undefined;
}

/**
 * Runs `work` with a fresh service account token, and deletes the token afterwards whatever happens.
 * The token expires with the run (`remainingSeconds`, the Lambda's remaining time): a run killed at its
 * timeout cannot delete it, and it must not stay valid.
 */
export async function withToken<T>(
  props: ImportProperties,
  work: (token: string) => Promise<T>,
  client: GrafanaClient,
  remainingSeconds: number = IMPORT_TIMEOUT_SECONDS,
): Promise<T> {
  let accountId = await findServiceAccount(client, props);
  if (!accountId) {
    const created = await client.send(
      new CreateWorkspaceServiceAccountCommand({ workspaceId: props.WorkspaceId, name: props.ServiceAccountName, grafanaRole: 'ADMIN' }),
    );
    accountId = created.id;
  }
  const token = await client.send(
    new CreateWorkspaceServiceAccountTokenCommand({
      workspaceId: props.WorkspaceId,
      serviceAccountId: accountId,
      name: `import-${Date.now()}`,
      secondsToLive: Math.max(1, Math.ceil(remainingSeconds)),
    }),
  );
  try {
    return await work(token.serviceAccountToken!.key!);
  } finally {
    await client.send(
      new DeleteWorkspaceServiceAccountTokenCommand({
        workspaceId: props.WorkspaceId,
        serviceAccountId: accountId,
        tokenId: token.serviceAccountToken!.id!,
      }),
    );
  }
}

/** Deletes the importer's service account (and with it any token left), if there is one. */
export async function deleteServiceAccount(props: ImportProperties, client: GrafanaClient): Promise<void> {
  const id = await findServiceAccount(client, props);
  if (id) await client.send(new DeleteWorkspaceServiceAccountCommand({ workspaceId: props.WorkspaceId, serviceAccountId: id }));
}
