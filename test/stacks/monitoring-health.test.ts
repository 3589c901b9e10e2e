import { Match } from 'aws-cdk-lib/assertions';
import { synth } from '../helpers';

describe('monitoring the monitoring (prod), without AMP', () => {
  const { template } = synth('prod');
  const to = (topic: string) => [{ Ref: Match.stringLikeRegexp(`^AlertRoutingTopic${topic}`) }];

  test('collector tasks below desired pages, missing data counting as breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'trading-observability-prod-collector-tasks-below-desired',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'desired - running' }),
        Match.objectLike({
          Id: 'desired',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'ECS/ContainerInsights', MetricName: 'DesiredTaskCount' }),
          }),
        }),
      ]),
      Threshold: 0,
      TreatMissingData: 'breaching',
      AlarmActions: to('critical'),
    });
  });

  test.each([
    ['collector-cpu-high', 'CPUUtilization', 'AWS/ECS', 'warning'],
    ['collector-memory-high', 'MemoryUtilization', 'AWS/ECS', 'warning'],
    ['amp-samples-discarded', 'DiscardedSamples', 'AWS/Prometheus', 'warning'],
    ['amp-rule-evaluation-failures', 'RuleEvaluationFailures', 'AWS/Prometheus', 'critical'],
    ['dashboard-import-failures', 'Errors', 'AWS/Lambda', 'warning'],
  ])('%s alarms on %s (%s) and notifies the %s topic', (name, metric, namespace, topic) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `trading-observability-prod-${name}`,
      MetricName: metric,
      Namespace: namespace,
      AlarmActions: to(topic),
    });
  });

  test('AMP vended metrics are those of this workspace', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DiscardedSamples',
      Dimensions: [{ Name: 'Workspace', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Prometheus'), 'WorkspaceId'] } }],
    });
  });
});
