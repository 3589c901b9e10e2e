import { ANOMALY_DETECTORS_FILE, anomalyDetectorAlias } from '../../lib/render/anomaly-detector-alerts';
import { Naming } from '../../lib/naming';
import { ANOMALY_DETECTOR_SERIES } from '../contracts/amp';
import { modelOf, resourcesOf, synth } from '../helpers';

describe('alerts on AMP anomaly detector output', () => {
  test('AWS: one alert per detector, on the max of its score series over 2m, by the alias the detector is created with', () => {
    const { json } = synth('prod');
    const model = modelOf('prod'); // the model buildApp gives the stack
    const aliases = resourcesOf(json, 'AWS::APS::AnomalyDetector').map(([, p]) => p.Alias as string);
    expect(aliases).toHaveLength(model.anomalies.length);
    const file = model.ruleFiles.find((f) => f.file === ANOMALY_DETECTORS_FILE)!;
    const rules = file.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.expr)).toEqual(aliases.map((a) => `max_over_time(${ANOMALY_DETECTOR_SERIES[0]}{alias="${a}"}[2m]) > 0.1`));
    expect(rules.every((r) => r.alert && r.labels?.severity === 'warning')).toBe(true);
    // The rule file reaches AMP as its own namespace.
    expect(resourcesOf(json, 'AWS::APS::RuleGroupsNamespace').map(([, p]) => p.Name)).toContain('anomaly-detectors');
  });

  test('local: no detector, so no detector alerts', () => {
    expect(modelOf('local').ruleFiles.map((f) => f.file)).not.toContain(ANOMALY_DETECTORS_FILE);
  });

  test('the alias fits AMP anomaly detector aliases (64 characters)', () => {
    expect(anomalyDetectorAlias(new Naming('a'.repeat(40), 'prod'), 'b'.repeat(40))).toHaveLength(64);
  });
});
