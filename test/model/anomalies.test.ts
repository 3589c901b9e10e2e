import * as path from 'path';
import { parse } from 'yaml';
import { loadAnomalies } from '../../lib/model/anomalies';
import { renderAnomalyRules } from '../../lib/render/anomaly-rules';
import { resourcesOf, synth } from '../helpers';
import * as fs from 'fs';
import * as os from 'os';

const repo = path.resolve(__dirname, '../..');

describe('anomaly detection', () => {
  test('each entry renders its recorded query (NaN dropped), a baseline ending an hour ago, its z-score and a guarded alert', () => {
    const groups = parse(renderAnomalyRules(loadAnomalies(repo))).groups;
    expect(groups.map((g: { name: string }) => g.name)).toEqual(['anomaly_signal_generation_rate', 'anomaly_execution_duration_p95']);
    const [value, mean, dev, z, alert] = groups[0].rules;
    expect(value).toMatchObject({
      record: 'anomaly:signal_generation_rate:value',
      expr: '(sum(rate(signals_generated_total[5m])) * 60) > -Inf < +Inf',
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
      Configuration: { RandomCutForest: { Query: 'sum(rate(signals_generated_total[5m])) * 60' } },
      EvaluationIntervalInSeconds: 60,
      MissingDataAction: { Skip: true },
      Labels: [
        { Key: 'anomaly', Value: 'signal-generation-rate' },
        { Key: 'service', Value: 'signal-generator' },
      ],
    });
  });

  test('fails when a query is not aggregated (AMP requires it)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomaly-'));
    fs.mkdirSync(path.join(dir, 'alerts'));
    fs.writeFileSync(
      path.join(dir, 'alerts/anomalies.yaml'),
      'anomalies:\n  - { name: x, service: backend, description: d, query: "rate(up[5m])", window: 1d, zScoreThreshold: 3 }\n',
    );
    try {
      expect(() => loadAnomalies(dir)).toThrow(
        'alerts/anomalies.yaml: anomalies[0].query: must be wrapped in an aggregation (sum, max, min, avg, count, group, quantile, stddev, stdvar) (got "rate(up[5m])"). Fix: use e.g. sum(...)',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
