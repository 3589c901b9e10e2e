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
import { importDashboards, recordedUids, removeAll } from './reconciler';
import { deleteServiceAccount, withToken } from './service-account-token';

const grafana = new GrafanaClient({});
const s3 = new S3Client({});

async function readBundle(props: ImportProperties): Promise<BundledDashboard[]> {
  const out = await s3.send(new GetObjectCommand({ Bucket: props.BundleBucket, Key: props.BundleKey }));
  return (JSON.parse(await out.Body!.transformToString()) as { dashboards: BundledDashboard[] }).dashboards;
}

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
  const result = await withToken(
    props,
    (token) => importDashboards(new GrafanaApi(props.GrafanaUrl, token), props, dashboards, previous),
    grafana,
    remaining,
  );
  console.log(JSON.stringify({ level: 'info', msg: 'dashboards imported', ...result }));
  return { PhysicalResourceId: physicalId, Data: { Imported: result.imported, Unchanged: result.unchanged, Removed: result.removed } };
}
