import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { ANOMALIES_FILE, parseAnomalies } from '../../lib/model/anomalies';
import { renderAnomalyRules } from '../../lib/render/anomaly-rules';
import { RANDOM_CUT_FOREST } from '../contracts/amp';
import { modelOf, resourcesOf, synth } from '../helpers';

describe('anomaly detection', () => {
  test('each entry renders its recorded query (NaN dropped), a baseline ending an hour ago, its z-score and a guarded alert', () => {
    const groups = parse(renderAnomalyRules(modelOf().anomalies)).groups;
    expect(groups.map((g: { name: string }) => g.name)).toEqual(['anomaly_signal_generation_rate', 'anomaly_execution_duration_p95']);
    const [value, mean, dev, z, alert] = groups[0].rules;
    expect(value).toMatchObject({
      record: 'anomaly:signal_generation_rate:value',
      expr: '(sum(rate(signals_generated_total[5m]) * 60)) > -Inf < +Inf',
    });
    expect(mean.expr).toBe('avg_over_time(anomaly:signal_generation_rate:value[1d] offset 1h)');
    expect(dev.expr).toBe('stddev_over_time(anomaly:signal_generation_rate:value[1d] offset 1h)');
    expect(z.expr).toBe(
      '(anomaly:signal_generation_rate:value - anomaly:signal_generation_rate:avg1d) / anomaly:signal_generation_rate:stddev1d',
    );
    expect(alert).toMatchObject({
      alert: 'SignalGenerationRateAnomalous',
      expr: 'abs(anomaly:signal_generation_rate:zscore1d) > 3 and abs(anomaly:signal_generation_rate:value - anomaly:signal_generation_rate:avg1d) > 0.2 * abs(anomaly:signal_generation_rate:avg1d) and abs(anomaly:signal_generation_rate:value - anomaly:signal_generation_rate:avg1d) > 0',
      labels: { severity: 'warning', service: 'signal-generator' },
    });
  });

  test('on AWS, an AMP anomaly detector per entry on the same query', () => {
    const { template, json } = synth('prod');
    const detectors = resourcesOf(json, 'AWS::APS::AnomalyDetector').map(([, p]) => p);
    expect(detectors.map((d) => d.Alias).sort()).toEqual([
      'trading-observability-prod-execution-duration-p95',
      'trading-observability-prod-signal-generation-rate',
    ]);
    template.hasResourceProperties('AWS::APS::AnomalyDetector', {
      Alias: 'trading-observability-prod-signal-generation-rate',
      Configuration: { RandomCutForest: { Query: 'sum(rate(signals_generated_total[5m]) * 60)' } },
      EvaluationIntervalInSeconds: 60,
      MissingDataAction: { Skip: true },
      Labels: [
        { Key: 'anomaly', Value: 'signal-generation-rate' },
        { Key: 'service', Value: 'signal-generator' },
      ],
    });
  });

  test('every shipped detector query is wrapped by an aggregation AMP supports, as PromQL parses it', () => {
    const { json } = synth('prod');
    const queries = resourcesOf(json, 'AWS::APS::AnomalyDetector').map(([, p]) => p.Configuration.RandomCutForest.Query as string);
    expect(queries).toHaveLength(2);
    for (const query of queries) {
      const top = parser.parse(query).topNode.firstChild;
      expect(top?.name).toBe('AggregateExpr');
      const op = top?.getChild('AggregateOp');
      expect(RANDOM_CUT_FOREST.aggregations).toContain(query.slice(op!.from, op!.to));
    }
  });

  test.each([
    ['the query is not aggregated', 'rate(up[5m])'],
    ['an aggregation is followed by arithmetic', 'sum(rate(up[5m])) * 60'],
    ['the aggregation is in parentheses', '(sum(rate(up[5m])))'],
    ['the aggregation is one AMP does not support', 'topk(1, rate(up[5m]))'],
  ])('fails when %s (AMP requires the query to be wrapped by a supported aggregation)', (_name, query) => {
    const text = `anomalies:\n  - { name: x, service: backend, description: d, query: ${JSON.stringify(query)}, window: 1d, zScoreThreshold: 3 }\n`;
    expect(() => parseAnomalies(ANOMALIES_FILE, text)).toThrow(
      `alerts/anomalies.yaml: anomalies[0].query: must be wrapped as a whole by one of AMP's aggregations (avg, count, group, max, min, quantile, stddev, stdvar, sum) (got ${JSON.stringify(query)}). Fix: use e.g. sum(rate(x[5m]) * 60), the arithmetic inside the aggregation`,
    );
  });
});
