import { Match } from 'aws-cdk-lib/assertions';
import { AMP_NAMESPACE, AMP_DIMENSION_KEYS, VENDED_METRICS } from '../contracts/amp';
import { resolveJoin, resourcesOf, synth } from '../helpers';

describe('monitoring the monitoring (prod), without AMP', () => {
  const { template, json } = synth('prod');
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
    ['dashboard-import-failures', 'Errors', 'AWS/Lambda', 'warning'],
  ])('%s alarms on %s (%s) and notifies the %s topic', (name, metric, namespace, topic) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `trading-observability-prod-${name}`,
      MetricName: metric,
      Namespace: namespace,
      AlarmActions: to(topic),
    });
  });

  /** The Metrics Insights query of the alarm of that name, with the workspace id resolved. */
  const queryOf = (name: string) => {
    const alarm = resourcesOf(json, 'AWS::CloudWatch::Alarm').find(([, p]) => p.AlarmName === `trading-observability-prod-${name}`);
    expect(alarm).toBeDefined();
    const [, p] = alarm!;
    expect(p.MetricName).toBeUndefined();
    expect(p.Metrics).toHaveLength(1);
    return { metric: p.Metrics[0], actions: p.AlarmActions, text: resolveJoin(p.Metrics[0].Expression, {}) };
  };

  test.each([
    ['amp-samples-discarded', 'DiscardedSamples', 'warning'],
    ['amp-rule-evaluation-failures', 'RuleEvaluationFailures', 'critical'],
    ['amp-rule-group-iterations-missed', 'RuleGroupIterationsMissed', 'warning'],
    ['amp-alert-manager-notifications-failed', 'AlertManagerNotificationsFailed', 'critical'],
    ['amp-alert-manager-notifications-throttled', 'AlertManagerNotificationsThrottled', 'critical'],
    ['amp-anomaly-detector-evaluation-failures', 'AnomalyDetectorEvaluationFailures', 'warning'],
    ['amp-anomaly-detector-missed-evaluations', 'AnomalyDetectorMissedEvaluations', 'warning'],
  ])('%s sums %s over the dimension set of test/contracts/amp.ts, for this workspace, and notifies %s', (name, metric, topic) => {
    const fact = VENDED_METRICS[metric];
    for (const d of fact.dimensions) expect(AMP_DIMENSION_KEYS).toContain(d);
    const { metric: m, actions, text } = queryOf(name);
    const from = fact.confirmed ? `SCHEMA("${AMP_NAMESPACE}", ${[...fact.dimensions].sort().join(', ')})` : `"${AMP_NAMESPACE}"`;
    // The workspace id is a GetAtt of the workspace; resolveJoin renders it as getatt-<id>.WorkspaceId. The workspace's
    // own dimension is the one of the contract's set that names it (Workspace, or WorkspaceId on the detector metrics).
    const key = fact.dimensions.find((d) => d === 'Workspace' || d === 'WorkspaceId');
    expect(text).toMatch(
      new RegExp(
        `^SELECT SUM\\(${metric}\\) FROM ${from.replace(/[()"]/g, '\\$&')} WHERE ${key} = 'getatt-Prometheus[A-Za-z0-9]*\\.WorkspaceId'$`,
      ),
    );
    expect(m.Period).toBe(300);
    expect(m.ReturnData).not.toBe(false);
    expect(actions).toEqual([{ Ref: expect.stringMatching(new RegExp(`^AlertRoutingTopic${topic}`)) }]);
  });
});
