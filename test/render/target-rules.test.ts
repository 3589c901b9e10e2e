import { parse } from 'yaml';
import { renderTargetRules, TARGETS_FILE } from '../../lib/render/target-rules';
import { baseFiles, environmentOf } from '../helpers';
import { compile } from '../../lib/compile/compile';

describe('missing scrape targets', () => {
  test('every service of the environment, and the collector, has an absent(up) alert that pages', () => {
    const env = environmentOf('prod');
    const file = compile(baseFiles, env).ruleFiles.find((f) => f.file === TARGETS_FILE)!;
    const rule = (name: string) => file.groups[0].rules.find((r) => r.alert === name)!;
    const [missing, collector] = [rule('ServiceNotScraped'), rule('CollectorMetricsMissing')];
    expect(missing.expr.split(' or ')).toEqual(env.services.map((s) => `absent(up{job="${s.name}"})`));
    expect(missing.labels).toEqual({ severity: 'critical', service: '{{ $labels.job }}' });
    expect(collector.expr).toBe('absent(up{job="otel-collector"})');
    expect(collector.labels?.severity).toBe('critical');
  });

  test('a service added to the environment gets its alert without touching alerts/', () => {
    const env = environmentOf('prod');
    const more = { ...env, services: [...env.services, { ...env.services[0], name: 'risk-engine' }] };
    const file = compile(baseFiles, more).ruleFiles.find((f) => f.file === TARGETS_FILE)!;
    expect(file.groups[0].rules[0].expr).toContain('absent(up{job="risk-engine"})');
  });

  test('renders a valid rule file for one service', () => {
    const doc = parse(renderTargetRules(['a'], 'c'));
    expect(doc.groups[0].rules.map((r: { alert: string; for: string }) => [r.alert, r.for])).toEqual([
      ['ServiceNotScraped', '3m'],
      ['ServiceCrashLooping', '5m'],
      ['AllTargetsDown', '1m'],
      ['ServiceMetricsStale', '30s'],
      ['CollectorMetricsStale', '30s'],
      ['CollectorMetricsMissing', '3m'],
    ]);
    // Nothing arriving: the age of the newest sample of everything the collector writes, then absent() once the
    // lookback has passed; no keep_firing_for (it would keep every other alert muted after recovery).
    const stale = doc.groups[0].rules.find((r: { alert: string }) => r.alert === 'CollectorMetricsStale');
    expect(stale).toEqual(
      expect.objectContaining({ expr: 'time() - max(timestamp(up{job=~"a|c"})) > 60 or on () absent(up{job=~"a|c"})' }),
    );
    expect(stale.keep_firing_for).toBeUndefined();
  });
});
