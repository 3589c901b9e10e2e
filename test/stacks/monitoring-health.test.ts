import { Match } from 'aws-cdk-lib/assertions';
import { AMP_NAMESPACE, AMP_DIMENSION_KEYS, AMP_PAGE_METRICS, VENDED_METRICS } from '../contracts/amp';
import { evaluate, Series } from '../contracts/metrics-insights';
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

  const AMP_ALARMS = [
    ['amp-samples-discarded', 'DiscardedSamples', 'warning'],
    ['amp-rule-evaluation-failures', 'RuleEvaluationFailures', 'critical'],
    ['amp-rule-group-iterations-missed', 'RuleGroupIterationsMissed', 'warning'],
    ['amp-alert-manager-notifications-failed', 'AlertManagerNotificationsFailed', 'critical'],
    ['amp-alert-manager-notifications-throttled', 'AlertManagerNotificationsThrottled', 'critical'],
    ['amp-anomaly-detector-evaluation-failures', 'AnomalyDetectorEvaluationFailures', 'warning'],
    ['amp-anomaly-detector-missed-evaluations', 'AnomalyDetectorMissedEvaluations', 'warning'],
  ] as const;
  /** The workspace id as resolveJoin renders the workspace's GetAtt. */
  const WS = /'(getatt-Prometheus[A-Za-z0-9]*\.WorkspaceId)'/;

  test.each(AMP_ALARMS)('%s sums %s over every series of this workspace (no SCHEMA), and notifies %s', (name, metric, topic) => {
    const fact = VENDED_METRICS[metric];
    expect(AMP_PAGE_METRICS).toContain(metric);
    for (const d of fact.dimensions) expect(AMP_DIMENSION_KEYS).toContain(d);
    const { metric: m, actions, text } = queryOf(name);
    // The workspace id is a GetAtt of the workspace; resolveJoin renders it as getatt-<id>.WorkspaceId.
    expect(text).toMatch(
      new RegExp(
        `^SELECT SUM\\(${metric}\\) FROM "${AMP_NAMESPACE}" WHERE ${fact.workspaceKey} = 'getatt-Prometheus[A-Za-z0-9]*\\.WorkspaceId'$`,
      ),
    );
    expect(m.Period).toBe(300);
    expect(m.ReturnData).not.toBe(false);
    expect(actions).toEqual([{ Ref: expect.stringMatching(new RegExp(`^AlertRoutingTopic${topic}`)) }]);
  });

  /**
   * Whether the alarm's condition holds for one period's series, by what Metrics Insights matches
   * (test/contracts/metrics-insights.ts): undefined means no data point (missing data).
   */
  const breaches = (name: string, series: readonly Series[]) => {
    const alarm = resourcesOf(json, 'AWS::CloudWatch::Alarm').find(([, p]) => p.AlarmName === `trading-observability-prod-${name}`)![1];
    expect([alarm.ComparisonOperator, alarm.Threshold, alarm.TreatMissingData]).toEqual(['GreaterThanThreshold', 0, 'notBreaching']);
    const value = evaluate(queryOf(name).text, series);
    return value === undefined ? undefined : value > 0;
  };

  describe.each(AMP_ALARMS)('%s (%s)', (name, metric) => {
    const fact = VENDED_METRICS[metric];
    const ws = () => WS.exec(queryOf(name).text)![1];
    const series = (dimensions: Record<string, string>, value = 2): Series => ({ namespace: AMP_NAMESPACE, metric, dimensions, value });
    // The dimension set the contract records, each key but the workspace's given some value.
    const recorded = (workspace: string) =>
      Object.fromEntries(fact.dimensions.map((d) => [d, d === fact.workspaceKey ? workspace : `some-${d.toLowerCase()}`]));

    test('fires on the dimension set the contract records', () => {
      expect(breaches(name, [series(recorded(ws()))])).toBe(true);
    });

    test('fires on a dimension set the user guide does not document (a key more, or the workspace key alone)', () => {
      expect(breaches(name, [series({ ...recorded(ws()), Undocumented: 'x' })])).toBe(true);
      expect(breaches(name, [series({ [fact.workspaceKey]: ws() })])).toBe(true);
    });

    test('fires when one series of several is above 0, not when all are 0', () => {
      expect(breaches(name, [series(recorded(ws()), 0), series({ ...recorded(ws()), Undocumented: 'x' }, 1)])).toBe(true);
      expect(breaches(name, [series(recorded(ws()), 0)])).toBe(false);
    });

    test("never fires on another workspace's series, nor on series without the workspace key (no data: stays OK)", () => {
      expect(breaches(name, [series(recorded('ws-other'))])).toBeUndefined();
      const { [fact.workspaceKey]: _, ...noWorkspace } = recorded(ws());
      expect(breaches(name, [series(noWorkspace)])).toBeUndefined();
    });
  });
});
