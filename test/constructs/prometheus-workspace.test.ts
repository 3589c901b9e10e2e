import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PrometheusWorkspace, PrometheusWorkspaceProps } from '../../lib/constructs/prometheus-workspace';

/** The construct alone in a bare stack: only what it makes itself. */
function workspace(props: Partial<PrometheusWorkspaceProps> = {}) {
  const stack = new Stack(new App(), 'Bare');
  const logGroup = new logs.LogGroup(stack, 'Logs');
  const ws = new PrometheusWorkspace(stack, 'Prometheus', {
    alias: 'app-test',
    retentionDays: 150,
    logGroup,
    ...props,
  });
  return { stack, ws, template: () => Template.fromStack(stack) };
}

describe('PrometheusWorkspace, alone', () => {
  test('a workspace with its alias, retention, its own rotating KMS key and logging, retained by default', () => {
    const { template } = workspace();
    const t = template();
    t.hasResource('AWS::APS::Workspace', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: {
        Alias: 'app-test',
        WorkspaceConfiguration: { RetentionPeriodInDays: 150 },
        KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrometheusKey'), 'Arn'] },
        LoggingConfiguration: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Logs'), 'Arn'] } },
      },
    });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'RetainExceptOnCreate', Properties: { EnableKeyRotation: true } });
    expect(t.toJSON()).toMatchSnapshot();
  });

  test("publishes nothing itself (outputs and SSM parameters are the app's); exposes the remote-write URL", () => {
    const { ws, stack, template } = workspace({
      remoteWritePrincipals: [new iam.ArnPrincipal('arn:aws:iam::111122223333:role/prom')],
    });
    const t = template();
    expect(t.findResources('AWS::SSM::Parameter')).toEqual({});
    expect(t.toJSON().Outputs).toBeUndefined();
    expect(stack.resolve(ws.remoteWriteUrl)).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Prometheus/), 'PrometheusEndpoint'] }, 'api/v1/remote_write']],
    });
  });

  test('a remote-write role only when principals are given, allowed aps:RemoteWrite on this workspace only', () => {
    expect(workspace().template().findResources('AWS::IAM::Role')).toEqual({});
    const t = workspace({ remoteWritePrincipals: [new iam.ArnPrincipal('arn:aws:iam::111122223333:role/prom')] }).template();
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'aps:RemoteWrite', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Prometheus'), 'Arn'] } },
        ],
      },
    });
  });

  test('grantQuery gives the four read actions on this workspace only', () => {
    const { stack, ws, template } = workspace();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('grafana.amazonaws.com') });
    ws.grantQuery(role);
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Prometheus'), 'Arn'] },
          },
        ],
      },
    });
  });

  test('removalPolicy DESTROY deletes workspace and key', () => {
    const t = workspace({ removalPolicy: RemovalPolicy.DESTROY }).template();
    t.hasResource('AWS::APS::Workspace', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('fails when retention is outside 1-1095 days', () => {
    expect(() => workspace({ retentionDays: 0 })).toThrow('retentionDays must be 1-1095, got 0');
    expect(() => workspace({ retentionDays: 1096 })).toThrow('retentionDays must be 1-1095, got 1096');
  });

  test('fails when a rule groups namespace is added twice', () => {
    const { ws } = workspace();
    ws.addRuleGroupsNamespace('slos', 'groups: []');
    expect(() => ws.addRuleGroupsNamespace('slos', 'groups: []')).toThrow('rule groups namespace "slos" added twice');
  });
});
