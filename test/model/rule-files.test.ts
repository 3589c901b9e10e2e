import { stringify } from 'yaml';
import { REQUIRED_ANNOTATIONS, validateRuleFiles } from '../../lib/model/rule-files';
import { inputErrorOf, modelOf } from '../helpers';

const catalog = modelOf().catalog;
/** The repository's own rule files (not the generated ones: SLOs, anomalies, missing targets). */
const repoRuleFiles = () => modelOf('dev').ruleFiles.filter((f) => !['slos', 'anomalies', 'targets', 'anomaly-detectors'].includes(f.name));
const thresholds = { limit: { value: 0.1, description: 'a limit' } };
const annotations = Object.fromEntries(REQUIRED_ANNOTATIONS.map((a) => [a, `${a} text`]));
const alert = (over: Record<string, unknown> = {}) => ({
  alert: 'A',
  expr: 'up == 0',
  labels: { severity: 'critical', service: 'backend' },
  annotations,
  ...over,
});
const file = (rules: unknown[], name = 'alerts/x.yaml') => ({ file: name, text: stringify({ groups: [{ name: `g-${name}`, rules }] }) });

describe('rule files', () => {
  test('the repository rule files load, thresholds filled in', () => {
    const files = repoRuleFiles();
    expect(files.map((f) => f.name)).toEqual([
      'dashboard-recording',
      'pipeline-execution',
      'platform-health',
      'recording-rules',
      'signal-system',
      // Generated from what the alerts above read (lib/render/input-rules.ts).
      'inputs',
    ]);
    const text = files.map((f) => f.text).join('\n');
    expect(text).not.toContain('${threshold.');
    expect(text).toContain(`> ${modelOf().thresholds.execution_failures_per_second.value}`);
  });

  test("keeps the seed's two alerts by name, severity and expression", () => {
    const rules = repoRuleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules));
    const serviceDown = rules.find((r) => r.alert === 'ServiceDown');
    // The seed's `up == 0`, for a service of one task the same; with several, it pages only when none answers (issue 28:
    // a draining task in a rolling deploy paged), and not while every target is down (AllTargetsDown's one page).
    // ServiceInstanceDown warns for one task of several.
    expect(serviceDown).toMatchObject({
      expr: 'up == 0 unless on (job) (up == 1) unless on () (max(up{job!~"otel-collector|prometheus"}) == 0)',
      for: '1m',
      labels: { severity: 'critical' },
    });
    const failure = rules.find((r) => r.alert === 'HighExecutionFailureRate');
    expect(failure).toMatchObject({ for: '5m', labels: { severity: 'warning' } });
    expect(failure?.expr).toBe('job:pipeline_executions_failed:rate5m > 0.1');
  });

  test('fills a threshold into expressions and annotations', () => {
    const [f] = validateRuleFiles(
      [file([alert({ expr: 'up < ${threshold.limit}', annotations: { ...annotations, summary: 'below ${threshold.limit}' } })])],
      catalog,
      thresholds,
    );
    expect(f.groups[0].rules[0]).toMatchObject({ expr: 'up < 0.1', annotations: { summary: 'below 0.1' } });
  });

  test('fails when an expression does not parse', () => {
    const msg = inputErrorOf(() => validateRuleFiles([file([alert({ expr: 'rate(up[5m]' })])], catalog, thresholds));
    expect(msg).toMatch(
      /^alerts\/x\.yaml: group "g-alerts\/x\.yaml", alert "A", expr: is not valid PromQL near position 11 .*\(got "rate\(up\[5m\]"\)\. Fix: /,
    );
  });

  test('fails when a metric is neither in the catalog nor a recording rule', () => {
    const msg = inputErrorOf(() =>
      validateRuleFiles([file([alert({ expr: 'rate(pipeline_execution_total[5m]) > 0' })])], catalog, thresholds),
    );
    expect(msg).toContain(
      'alert "A", expr: queries a metric that is neither in the catalog nor a recording rule (got "pipeline_execution_total")',
    );
    expect(msg).toContain('Fix: add it to catalog/metrics.yaml');
  });

  test('accepts histogram series and recording rules defined in another file', () => {
    const files = [
      file([{ record: 'job:x:rate5m', expr: 'sum by (job) (rate(kafka_publish_duration_seconds_count[5m]))' }], 'alerts/a.yaml'),
      file([alert({ expr: 'job:x:rate5m > 1' })], 'alerts/b.yaml'),
    ];
    expect(validateRuleFiles(files, catalog, thresholds)).toHaveLength(2);
  });

  test('fails when two alerts share a name', () => {
    const msg = inputErrorOf(() =>
      validateRuleFiles([file([alert()], 'alerts/a.yaml'), file([alert()], 'alerts/b.yaml')], catalog, thresholds),
    );
    expect(msg).toContain('alerts/b.yaml: group "g-alerts/b.yaml", alert "A": duplicates the alert of the same name in alerts/a.yaml');
  });

  test('files added to validated ones see their recording rules and names, and follow them unchanged', () => {
    const validated = validateRuleFiles(
      [file([{ record: 'job:x:rate5m', expr: 'sum by (job) (rate(kafka_publish_duration_seconds_count[5m]))' }, alert()], 'alerts/a.yaml')],
      catalog,
      thresholds,
    );
    const all = validateRuleFiles(
      [file([alert({ alert: 'B', expr: 'job:x:rate5m > 1' })], 'alerts/b.yaml')],
      catalog,
      thresholds,
      undefined,
      validated,
    );
    expect(all.map((f) => f.file)).toEqual(['alerts/a.yaml', 'alerts/b.yaml']);
    expect(all[0]).toBe(validated[0]);
  });

  test('fails when a file added to validated ones repeats an alert or group name of theirs', () => {
    const validated = validateRuleFiles([file([alert()], 'alerts/a.yaml')], catalog, thresholds);
    expect(inputErrorOf(() => validateRuleFiles([file([alert()], 'alerts/b.yaml')], catalog, thresholds, undefined, validated))).toContain(
      'alerts/b.yaml: group "g-alerts/b.yaml", alert "A": duplicates the alert of the same name in alerts/a.yaml',
    );
    const sameGroup = { file: 'alerts/c.yaml', text: file([alert({ alert: 'C' })], 'alerts/a.yaml').text };
    expect(inputErrorOf(() => validateRuleFiles([sameGroup], catalog, thresholds, undefined, validated))).toContain(
      'alerts/c.yaml: group "g-alerts/a.yaml": has the same name as a group in alerts/a.yaml',
    );
  });

  test('fails when an alert has no severity', () => {
    const msg = inputErrorOf(() => validateRuleFiles([file([alert({ labels: { service: 'backend' } })])], catalog, thresholds));
    expect(msg).toBe(
      'alerts/x.yaml: group "g-alerts/x.yaml", alert "A": has no `severity` label. Fix: add labels.severity: one of critical, warning, info',
    );
  });

  test('fails when the severity is unknown', () => {
    const msg = inputErrorOf(() => validateRuleFiles([file([alert({ labels: { severity: 'page', service: 'b' } })])], catalog, thresholds));
    expect(msg).toContain('labels.severity: is not a known severity (got "page")');
  });

  test('fails when an alert lacks an annotation', () => {
    const msg = inputErrorOf(() => validateRuleFiles([file([alert({ annotations: { summary: 's' } })])], catalog, thresholds));
    expect(msg).toContain('has no `description` annotation');
  });

  test('fails when a threshold is unknown', () => {
    const msg = inputErrorOf(() => validateRuleFiles([file([alert({ expr: 'up < ${threshold.nope}' })])], catalog, thresholds));
    expect(msg).toContain('alert "A", expr: uses an unknown threshold (got "${threshold.nope}")');
  });

  test('fails when a recording rule is not named level:metric:operations', () => {
    const msg = inputErrorOf(() => validateRuleFiles([file([{ record: 'signals_per_minute', expr: 'up' }])], catalog, thresholds));
    expect(msg).toContain('is not named level:metric:operations (got "signals_per_minute")');
  });

  test('fails when the file is not in the rule file format', () => {
    const msg = inputErrorOf(() =>
      validateRuleFiles(
        [{ file: 'alerts/x.yaml', text: 'groups:\n  - name: g\n    rules:\n      - alert: A\n        exprr: up\n' }],
        catalog,
        thresholds,
      ),
    );
    expect(msg).toBe('alerts/x.yaml: groups[0].rules[0].expr: is missing. Fix: add expr (expected string)');
  });

  test("every rule group, generated ones included, asks for no shorter interval than AMP's rule evaluation interval quota", () => {
    // config/limits.yaml amp.ruleEvaluationIntervalMinSeconds (AMP service quotas, "Rule evaluation interval").
    const min = modelOf().ampLimits.ruleEvaluationIntervalMinSeconds;
    expect(min).toBeGreaterThan(0);
    const { parse } = jest.requireActual<typeof import('yaml')>('yaml');
    const short = modelOf('prod')
      .ruleFiles.flatMap((f) => (parse(f.text) as { groups: { name: string; interval?: string }[] }).groups)
      .filter((g) => g.interval !== undefined && Number(/^(\d+)s$/.exec(g.interval)?.[1] ?? Infinity) < min)
      .map((g) => `${g.name} ${g.interval}`);
    expect(short).toEqual([]);
  });
});
