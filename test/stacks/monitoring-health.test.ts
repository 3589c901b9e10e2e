import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AMP_USAGE_METRIC, ICollectorService, MonitoringHealth, PrometheusWorkspace } from '../../lib';
import { COST_METRICS } from '../contracts/cost-metrics';
import { AMP_NAMESPACE, AMP_DIMENSION_KEYS, AMP_PAGE_METRICS, USAGE_QUOTAS, VENDED_METRICS } from '../contracts/amp';
import { evaluate, Series } from '../contracts/metrics-insights';
import { modelOf, resolveJoin, resourcesOf, synth } from '../helpers';

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
    // The importer's error lines: an import after a Grafana upgrade fails without failing the deploy.
    ['dashboard-import-failed-after-upgrade', 'trading-observability-prod-failed-imports', 'DashboardImport', 'warning'],
  ])('%s alarms on %s (%s) and notifies the %s topic', (name, metric, namespace, topic) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `trading-observability-prod-${name}`,
      MetricName: metric,
      Namespace: namespace,
      AlarmActions: to(topic),
    });
  });

  test("the importer's failed-import metric counts its error log lines", () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.level = "error" }',
      MetricTransformations: [
        { MetricNamespace: 'DashboardImport', MetricName: 'trading-observability-prod-failed-imports', MetricValue: '1' },
      ],
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

  describe.each([
    ['amp-active-series-near-quota', 'ActiveSeries', 'activeSeriesPerWorkspace'],
    ['amp-ingestion-rate-near-quota', 'IngestionRate', 'ingestionRatePerWorkspace'],
  ] as const)('%s: AWS/Usage %s against 80 %% of config/limits.yaml amp.%s', (name, resource, limit) => {
    const quota = modelOf().ampLimits[limit];
    const alarm = () =>
      resourcesOf(json, 'AWS::CloudWatch::Alarm').find(([, p]) => p.AlarmName === `trading-observability-prod-${name}`)![1];
    const ws = () => WS.exec(queryOf(name).text)![1];
    const usage = (dimensions: Record<string, string>, value: number): Series => ({
      namespace: 'AWS/Usage',
      metric: 'ResourceCount',
      dimensions: { Service: 'some-service', Type: 'Resource', Class: 'None', Resource: resource, ...dimensions },
      value,
    });
    /** The alarm's condition for one period's series; undefined: no data point (missing data). */
    const condition = (series: readonly Series[]) => {
      const value = evaluate(queryOf(name).text, series);
      return value === undefined ? undefined : value >= alarm().Threshold;
    };

    test('queries the maximum of ResourceCount for this Resource and this workspace, and warns', () => {
      expect(USAGE_QUOTAS.resources).toHaveProperty(resource);
      // The statistic is one the user guide lists; the workspace key is the one the cost dashboard reads.
      expect(USAGE_QUOTAS.statistics).toContain('Maximum');
      expect(AMP_USAGE_METRIC.workspaceKey).toBe(USAGE_QUOTAS.workspaceKey);
      expect(COST_METRICS.find((f) => f.namespace === 'AWS/Usage')!.dimensionKeys).toContain(AMP_USAGE_METRIC.workspaceKey);
      const { metric: m, actions, text } = queryOf(name);
      expect(text).toMatch(
        new RegExp(
          `^SELECT MAX\\(ResourceCount\\) FROM "AWS/Usage" WHERE Resource = '${resource}' AND ResourceId = 'getatt-Prometheus[A-Za-z0-9]*\\.WorkspaceId'$`,
        ),
      );
      expect(m.Period).toBe(300);
      expect(actions).toEqual([{ Ref: expect.stringMatching(/^AlertRoutingTopicwarning/) }]);
      expect(alarm()).toMatchObject({
        Threshold: 0.8 * quota,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        TreatMissingData: 'breaching',
        OKActions: actions,
      });
      // The description links the runbook section of the alarm (its heading, lower-cased, is the anchor).
      const anchor = name.replace(/-/g, '');
      expect(alarm().AlarmDescription).toContain(`docs/runbooks.md#${anchor}`);
      const headings = fs.readFileSync(path.resolve(__dirname, '../../docs/runbooks.md'), 'utf8').match(/^## \S+$/gm)!;
      expect(headings.map((h) => h.slice(3).toLowerCase())).toContain(anchor);
    });

    test('fires at 80 % of the quota and above, not below', () => {
      expect(condition([usage({ ResourceId: ws() }, 0.8 * quota)])).toBe(true);
      expect(condition([usage({ ResourceId: ws() }, quota)])).toBe(true);
      expect(condition([usage({ ResourceId: ws() }, 0.79 * quota)])).toBe(false);
    });

    test("never on another workspace's usage, however high", () => {
      expect(condition([usage({ ResourceId: 'ws-other' }, 2 * quota), usage({ ResourceId: ws() }, 1)])).toBe(false);
    });

    test('fails safe: usage published under another workspace key matches nothing, and no data is breaching', () => {
      expect(condition([usage({ WorkspaceId: ws() }, 1)])).toBeUndefined();
      expect(alarm().TreatMissingData).toBe('breaching');
    });
  });

  describe('MonitoringHealth quota alarms', () => {
    const fixture = (ampQuotas?: { activeSeries: number; ingestionRate: number }) => {
      const stack = new Stack(new App(), 'Quotas');
      const metric = (metricName: string) => new cloudwatch.Metric({ namespace: 'Test', metricName });
      const collector = Object.assign(new Construct(stack, 'Collector'), {
        grantPrincipal: undefined,
        metricCpuUtilization: () => metric('Cpu'),
        metricMemoryUtilization: () => metric('Memory'),
        metricRunningTaskCount: () => metric('Running'),
        metricDesiredTaskCount: () => metric('Desired'),
      }) as unknown as ICollectorService;
      const topic = new sns.Topic(stack, 'Topic');
      return new MonitoringHealth(stack, 'Health', {
        collector,
        workspace: PrometheusWorkspace.fromWorkspaceAttributes(stack, 'Ws', { workspaceId: 'ws-abc' }),
        criticalTopic: topic,
        warningTopic: topic,
        ampQuotas,
      });
    };

    test('are absent without quotas', () => {
      expect(Object.keys(fixture().alarms)).not.toContain('AmpActiveSeriesNearQuota');
      expect(Object.keys(fixture({ activeSeries: 10, ingestionRate: 5 }).alarms)).toEqual(
        expect.arrayContaining(['AmpActiveSeriesNearQuota', 'AmpIngestionRateNearQuota']),
      );
    });

    test.each([0, -1, Number.NaN])('fails when a quota is not positive (%p)', (bad) => {
      expect(() => fixture({ activeSeries: bad, ingestionRate: 5 })).toThrow(/the active series quota must be positive/);
      expect(() => fixture({ activeSeries: 10, ingestionRate: bad })).toThrow(/the ingestion rate \(samples\/s\) quota must be positive/);
    });
  });
});
