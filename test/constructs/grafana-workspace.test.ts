import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { GrafanaWorkspace, GrafanaWorkspaceProps } from '../../lib/constructs/grafana-workspace';
import { PrometheusWorkspace } from '../../lib/constructs/prometheus-workspace';
import { Naming } from '../../lib/naming';

/** The construct alone in a bare stack, beside the AMP workspace it reads. */
function grafanaWorkspace(props: Partial<GrafanaWorkspaceProps> = {}): Template {
  const stack = new Stack(new App(), 'Bare');
  const prometheus = new PrometheusWorkspace(stack, 'Prometheus', {
    alias: 'app-test',
    retentionDays: 30,
    logGroup: new logs.LogGroup(stack, 'Logs'),
  });
  new GrafanaWorkspace(stack, 'Grafana', { names: Naming.of({ app: 'app', name: 'test' }), prometheus, ...props });
  return Template.fromStack(stack);
}

describe('GrafanaWorkspace, alone', () => {
  test('an IAM Identity Center workspace, customer-managed permissions, on Grafana 12.4 by default, plugin management off', () => {
    const t = grafanaWorkspace();
    t.hasResourceProperties('AWS::Grafana::Workspace', {
      Name: 'app-test',
      AccountAccessType: 'CURRENT_ACCOUNT',
      AuthenticationProviders: ['AWS_SSO'],
      PermissionType: 'CUSTOMER_MANAGED',
      DataSources: ['PROMETHEUS', 'CLOUDWATCH', 'XRAY'],
      GrafanaVersion: '12.4',
      PluginAdminEnabled: false,
    });
    expect(t.toJSON()).toMatchSnapshot();
  });

  test('the role is assumable only by Grafana workspaces of this account, and may query only this AMP workspace', () => {
    const t = grafanaWorkspace();
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'grafana.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ],
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Prometheus'), 'Arn'] },
          },
        ]),
      },
    });
  });

  test('SAML instead of IAM Identity Center when SAML settings are given', () => {
    grafanaWorkspace({
      saml: {
        idpMetadataUrl: 'https://idp.example.com/metadata',
        roleAttribute: 'role',
        adminRoleValues: ['admin'],
        editorRoleValues: ['editor'],
      },
    }).hasResourceProperties('AWS::Grafana::Workspace', {
      AuthenticationProviders: ['SAML'],
      SamlConfiguration: {
        IdpMetadata: { Url: 'https://idp.example.com/metadata' },
        AssertionAttributes: { Role: 'role' },
        RoleValues: { Admin: ['admin'], Editor: ['editor'] },
      },
    });
  });
});
