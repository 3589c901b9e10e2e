import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ServiceLogGroups, ServiceLogGroupsProps } from '../../lib/constructs/service-log-groups';
import { Naming } from '../../lib/naming';

/** The construct alone in a bare stack, for two services. */
function template(props: Partial<ServiceLogGroupsProps> = {}, withTopic = false): Template {
  const stack = new Stack(new App(), 'Bare');
  new ServiceLogGroups(stack, 'Logs', {
    names: Naming.of({ app: 'app', name: 'test' }),
    errorMetricNamePrefix: 'test-',
    services: ['backend', 'worker'],
    retention: logs.RetentionDays.ONE_MONTH,
    encryptionKey: new kms.Key(stack, 'Key'),
    alarmTopic: withTopic ? new sns.Topic(stack, 'Topic') : undefined,
    ...props,
  });
  return Template.fromStack(stack);
}

describe('ServiceLogGroups, alone', () => {
  test('one encrypted log group per service, with retention, named /<app>/<env>/<service>', () => {
    const t = template();
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup')).map((r) => r.Properties);
    expect(groups.map((g) => g.LogGroupName).sort()).toEqual(['/app/test/backend', '/app/test/worker']);
    for (const g of groups) {
      expect(g.RetentionInDays).toBe(30);
      expect(g.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
    }
    expect(t.toJSON()).toMatchSnapshot();
  });

  test('publishes nothing in SSM itself (the app exports the names)', () => {
    expect(template().findResources('AWS::SSM::Parameter')).toEqual({});
  });

  test('counts error and critical events per service; alarms only with a topic, at the threshold', () => {
    const t = template();
    t.resourceCountIs('AWS::Logs::MetricFilter', 2);
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.level = "error") || ($.level = "critical") }',
      MetricTransformations: [Match.objectLike({ MetricName: 'test-backend-error-events', MetricValue: '1', DefaultValue: 0 })],
    });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const withAlarm = template({ errorAlarmThreshold: 7 }, true);
    withAlarm.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    withAlarm.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'app-test-backend-error-logs',
      Threshold: 7,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
    });
  });

  test('saved queries: one per service for "each", one over all groups for "all" unless cross-service queries are off', () => {
    const queries = [
      { name: 'errors', scope: 'each' as const, query: 'fields @message' },
      { name: 'all-errors', scope: 'all' as const, query: 'fields @message ' },
    ];
    const names = (t: Template) =>
      Object.values(t.findResources('AWS::Logs::QueryDefinition'))
        .map((r) => r.Properties.Name as string)
        .sort();
    expect(names(template({ queries }))).toEqual(['app-test/all-errors', 'app-test/backend/errors', 'app-test/worker/errors']);
    expect(names(template({ queries, crossServiceQueries: false }))).toEqual(['app-test/backend/errors', 'app-test/worker/errors']);
  });
});
