import { GrafanaClient, ListWorkspaceServiceAccountsCommand, ResourceNotFoundException } from '@aws-sdk/client-grafana';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { onEvent } from '../../../lib/constructs/dashboard-import/handler/cloudformation-adapter';

const event = (type: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent =>
  ({
    RequestType: type,
    ResourceProperties: { ServiceToken: 'x', WorkspaceId: 'g-1', BundleBucket: 'assets', BundleKey: 'bundle.json' },
    PhysicalResourceId: 'g-1/dashboards',
  }) as unknown as CloudFormationCustomResourceEvent;

describe('CloudFormation adapter of the importer (AWS SDK mocked)', () => {
  const sdk = mockClient(GrafanaClient);
  const s3 = mockClient(S3Client);
  beforeEach(() => {
    sdk.reset();
    s3.reset();
  });

  test('delete of a workspace that is already gone succeeds with the same physical id', async () => {
    sdk
      .on(ListWorkspaceServiceAccountsCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {}, resourceId: 'g-1', resourceType: 'WORKSPACE' }));
    expect(await onEvent(event('Delete'))).toEqual({ PhysicalResourceId: 'g-1/dashboards' });
  });

  test('fails when delete meets any other error', async () => {
    sdk.on(ListWorkspaceServiceAccountsCommand).rejects(new Error('AccessDenied'));
    await expect(onEvent(event('Delete'))).rejects.toThrow('AccessDenied');
  });

  test('fails on create when the bundle cannot be read, before any Grafana call', async () => {
    s3.on(GetObjectCommand).rejects(new Error('NoSuchKey'));
    await expect(onEvent(event('Create'))).rejects.toThrow('NoSuchKey');
    expect(sdk.calls()).toHaveLength(0);
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({ Bucket: 'assets', Key: 'bundle.json' });
  });
});
