/**
 * The custom resource's CloudFormation side (behind the custom-resources
 * Provider, which sends the answer): Create and Update import the bundle,
 * Delete removes what the importer made and its service account.
 */
import { GrafanaClient } from '@aws-sdk/client-grafana';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { GrafanaApi } from './grafana-client';
import type { BundledDashboard, ImportProperties } from './import-properties';
import { compareVersions } from '../../grafana-upgrade-gate/handler';
import { importDashboards, ImportResult, recordedUids, removeAll } from './reconciler';
import { deleteServiceAccount, withToken } from './service-account-token';

const grafana = new GrafanaClient({});
const s3 = new S3Client({});

async function readBundle(props: ImportProperties): Promise<BundledDashboard[]> {
  const out = await s3.send(new GetObjectCommand({ Bucket: props.BundleBucket, Key: props.BundleKey }));
  return (JSON.parse(await out.Body!.transformToString()) as { dashboards: BundledDashboard[] }).dashboards;
}

/**
 * The account this resource used before its ServiceAccountName changed (its old properties record it: the
 * shared `dashboard-importer` of earlier versions): deleted once an import under the new name succeeded.
 */
async function retireOldServiceAccount(props: ImportProperties, old: ImportProperties | undefined): Promise<void> {
  if (!old?.ServiceAccountName || old.ServiceAccountName === props.ServiceAccountName || old.WorkspaceId !== props.WorkspaceId) return;
  await deleteServiceAccount(old, grafana);
  console.log(JSON.stringify({ level: 'info', msg: 'retired the service account of the old properties', name: old.ServiceAccountName }));
}

const counts = (r: ImportResult) => ({ Imported: r.imported, Unchanged: r.unchanged, Removed: r.removed });

export async function onEvent(
  event: CloudFormationCustomResourceEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, number> }> {
  const props = event.ResourceProperties as unknown as ImportProperties;
  const remaining = context ? context.getRemainingTimeInMillis() / 1000 : undefined;
  const physicalId = `${props.WorkspaceId}/dashboards`;
  if (event.RequestType === 'Delete') {
    try {
      if (props.RetainOnDelete !== 'true') {
        await withToken(props, (token) => removeAll(new GrafanaApi(props.GrafanaUrl, token), props), grafana, remaining);
      }
      await deleteServiceAccount(props, grafana);
    } catch (e) {
      // A workspace deleted before us leaves nothing to clean up.
      if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
    }
    return { PhysicalResourceId: physicalId };
  }
  const dashboards = await readBundle(props);
  // What this resource imported last time (an Update's old properties): the only dashboards it may remove.
  const previous = event.RequestType === 'Update' ? recordedUids(event.OldResourceProperties as unknown as ImportProperties) : [];
  const run = () =>
    withToken(props, (token) => importDashboards(new GrafanaApi(props.GrafanaUrl, token), props, dashboards, previous), grafana, remaining);
  const old = event.RequestType === 'Update' ? (event.OldResourceProperties as unknown as ImportProperties) : undefined;
  if (old && compareVersions(props.GrafanaVersion, old.GrafanaVersion) > 0) {
    // This deploy upgrades the workspace (alone: the upgrade gate saw to it). The upgrade cannot be undone,
    // so a failure here must not roll the stack back into a downgrade AMG refuses: it is logged, not raised.
    try {
      const result = await run();
      console.log(JSON.stringify({ level: 'info', msg: 'dashboards imported after the Grafana upgrade', ...result }));
      await retireOldServiceAccount(props, old);
      return { PhysicalResourceId: physicalId, Data: { ...counts(result), ImportFailed: 0 } };
    } catch (e) {
      console.log(
        JSON.stringify({
          level: 'error',
          msg: `the import after the Grafana upgrade to ${props.GrafanaVersion} failed; the deploy goes on, since the upgrade cannot be rolled back. Fix the cause, then deploy again with -c reimport=$(date +%s)`,
          error: (e as Error).message,
        }),
      );
      return { PhysicalResourceId: physicalId, Data: { Imported: 0, Unchanged: 0, Removed: 0, ImportFailed: 1 } };
    }
  }
  const result = await run();
  console.log(JSON.stringify({ level: 'info', msg: 'dashboards imported', ...result }));
  await retireOldServiceAccount(props, old);
  return { PhysicalResourceId: physicalId, Data: counts(result) };
}
