import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlertRouting, AlertRoutingProps } from '../../lib/constructs/alert-routing';
import { PrometheusWorkspace } from '../../lib/constructs/prometheus-workspace';
import { Naming } from '../../lib/naming';

const WORKSPACE_ARN = 'arn:aws:aps:eu-west-1:123456789012:workspace/ws-test';

/** The construct alone in a bare stack. */
function routing(props: Partial<AlertRoutingProps> = {}): Template {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bare');
  new AlertRouting(stack, 'AlertRouting', {
    names: Naming.of({ app: 'app', name: 'test' }),
    receivers: ['critical', 'warning', 'watchdog'],
    watchdogReceiver: 'watchdog',
    workspace: PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Workspace', { workspaceId: 'ws-test', workspaceArn: WORKSPACE_ARN }),
    destinations: { emails: ['oncall@example.com'] },
    ...props,
  });
  return Template.fromStack(stack);
}

describe('AlertRouting, alone', () => {
  test('one KMS-encrypted, TLS-only topic per receiver, named <app>-<env>-alerts-<receiver>', () => {
    const t = routing();
    const topics = Object.values(t.findResources('AWS::SNS::Topic')).map((r) => r.Properties);
    expect(topics.map((p) => p.TopicName).sort()).toEqual([
      'app-test-alerts-critical',
      'app-test-alerts-warning',
      'app-test-alerts-watchdog',
    ]);
    for (const p of topics) expect(p.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AlertRoutingKey/), 'Arn'] });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    expect(t.toJSON()).toMatchSnapshot();
  });

  test('only this workspace may publish: aws:SourceArn and aws:SourceAccount on every topic policy', () => {
    const policies = Object.values(routing().findResources('AWS::SNS::TopicPolicy'));
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      const amp = p.Properties.PolicyDocument.Statement.find((s: any) => s.Principal?.Service === 'aps.amazonaws.com');
      expect(amp.Condition).toEqual({
        ArnEquals: { 'aws:SourceArn': WORKSPACE_ARN },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      });
    }
  });

  test('PagerDuty is an HTTPS subscription to critical whose URL is a Secrets Manager dynamic reference', () => {
    const t = routing({ destinations: { pagerDutySecretName: 'team/pagerduty' } });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: '{{resolve:secretsmanager:team/pagerduty:SecretString:url::}}',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlertRoutingTopiccritical') },
    });
  });

  test('fails when the routing tree has no critical or no watchdog receiver', () => {
    expect(() => routing({ receivers: ['warning', 'watchdog'] })).toThrow('the routing tree has no "critical" receiver');
    expect(() => routing({ receivers: ['critical', 'warning'] })).toThrow('the routing tree has no "watchdog" receiver');
  });
});
