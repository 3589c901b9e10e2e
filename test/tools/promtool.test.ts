import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { renderSloTests } from '../generators/slo-tests';
import { alertInputs, renderInputTests } from '../../lib/render/input-rules';
import { renderTargetTests } from '../../lib/render/target-rules';
import { COLLECTOR_JOB } from '../../lib/render/collector-image';
import { AlertRule, dishonestFailureModes, missingFailureModes, recordsMissingGapCase, TestGroup } from './failure-modes';
import { renderedFromTemplate } from './rendered';
import { realTool } from '../../scripts/real-tools';
import { compile } from '../../lib/compile/compile';
import { baseFiles, modelOf } from '../helpers';

const repo = path.resolve(__dirname, '../..');
const rendered = renderedFromTemplate();
afterAll(() => fs.rmSync(rendered.dir, { recursive: true, force: true }));

/**
 * The unit tests: alerts/tests/*.yaml, and the SLOs' tests generated from
 * alerts/slos.yaml like their rules (tests/slos.yaml), all run on the rule
 * files as the template holds them.
 */
const testFiles = (() => {
  const testsDir = path.join(rendered.dir, 'tests');
  fs.cpSync(path.join(repo, 'alerts/tests'), testsDir, { recursive: true });
  fs.writeFileSync(path.join(testsDir, 'slos.yaml'), renderSloTests(modelOf().slos, '../slos.yaml'));
  // The input rules' tests, generated from the alerts' inputs like their rules (tests/inputs.yaml).
  const prod = compile(baseFiles, 'prod');
  fs.writeFileSync(path.join(testsDir, 'inputs.yaml'), renderInputTests(alertInputs(prod.ruleFiles, prod.catalog), '../inputs.yaml'));
  // The crash-loop and stale-metrics cases of every service of the environment (tests/targets-per-service.yaml).
  fs.writeFileSync(
    path.join(testsDir, 'targets-per-service.yaml'),
    renderTargetTests(
      prod.environment.services.map((s) => s.name),
      COLLECTOR_JOB,
      '../targets.yaml',
    ),
  );
  return fs.readdirSync(testsDir).map((f) => path.join('tests', f));
})();
const groupsOf = (file: string): TestGroup[] => parse(fs.readFileSync(path.join(rendered.dir, file), 'utf8')).tests;
const renderedRules = () =>
  rendered.ruleFiles.flatMap((f) => parse(fs.readFileSync(f, 'utf8')).groups.flatMap((g: { rules: unknown[] }) => g.rules));
const alertRules = (): AlertRule[] => renderedRules().filter((r: { alert?: string }) => r.alert);
function recordingRules(): Map<string, string[]> {
  const records = new Map<string, string[]>();
  for (const r of renderedRules() as { record?: string; expr: string }[])
    if (r.record) records.set(r.record, [...(records.get(r.record) ?? []), r.expr]);
  return records;
}

/**
 * promtool 3.14 spends ~42 s of CPU on all the unit tests, most of it in
 * tests/slos.yaml; on a loaded 2-core machine that took 67 s of wall time,
 * past the old 60 s limit (the run was killed: status null). A killed run
 * now says so in its output.
 */
const PROMTOOL_TIMEOUT_MS = 240_000;
function promtool(...args: string[]) {
  const r = spawnSync(realTool('promtool'), args, { cwd: rendered.dir, encoding: 'utf8', timeout: PROMTOOL_TIMEOUT_MS });
  return {
    status: r.status,
    out: `${r.stdout}${r.stderr}${r.signal ? `\nkilled by ${r.signal} (timeout ${PROMTOOL_TIMEOUT_MS} ms)` : ''}`,
  };
}

interface AlertCase {
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

describe('rule files as deployed to AMP', () => {
  test('pass promtool check rules', () => {
    const r = promtool('check', 'rules', ...rendered.ruleFiles);
    expect(r.out).not.toContain('FAILED');
    expect(r.status).toBe(0);
  });

  test('pass their promtool unit tests (alerts/tests and the generated SLO tests), failure modes included', () => {
    expect(testFiles).toContain(path.join('tests', 'slos.yaml'));
    expect(testFiles).toContain(path.join('tests', 'inputs.yaml'));
    expect(testFiles).toContain(path.join('tests', 'targets-per-service.yaml'));
    const r = promtool('test', 'rules', ...testFiles);
    expect(r.out).not.toContain('FAILED');
    expect(r.out).not.toContain('killed by');
    expect(r.status).toBe(0);
  }, 250_000);

  test('every alert has a case for each failure mode it can meet (missing ratio side, gap, low traffic, crash)', () => {
    const groups = testFiles.flatMap(groupsOf);
    expect(missingFailureModes(alertRules(), recordingRules(), groups)).toEqual([]);
    expect(recordsMissingGapCase(recordingRules(), groups)).toEqual([]);
    expect(dishonestFailureModes(groups)).toEqual([]);
    // What the demand rests on: the rules that can meet each failure mode are found.
    const modes = (name: string) =>
      missingFailureModes(
        alertRules().filter((a) => a.alert === name || a.alert.endsWith('SliUnmeasurable')),
        recordingRules(),
        [],
      ).filter((m) => m.startsWith(`${name}: `));
    expect(modes('KafkaPublishFailures')).toEqual(['KafkaPublishFailures: denominator-absent', 'KafkaPublishFailures: gap']);
    expect(modes('PipelinesSkippedSpike')).toEqual(['PipelinesSkippedSpike: denominator-absent']);
    expect(modes('BackendAvailabilityBudgetBurnFast')).toEqual([
      'BackendAvailabilityBudgetBurnFast: denominator-absent',
      'BackendAvailabilityBudgetBurnFast: gap',
      'BackendAvailabilityBudgetBurnFast: crash',
      'BackendAvailabilityBudgetBurnFast: low-traffic',
      'BackendAvailabilityBudgetBurnFast: split-absent',
    ]);
    expect(modes('BackendLatencySliUnmeasurable')).toEqual([
      'BackendLatencySliUnmeasurable: crash',
      'BackendLatencySliUnmeasurable: split-absent',
    ]);
    expect(modes('ExecutionDurationP95Anomalous')).toEqual([
      'ExecutionDurationP95Anomalous: denominator-absent',
      'ExecutionDurationP95Anomalous: gap',
    ]);
  });

  test('fails when a rule lacks its failure-mode cases, or a crash case has no stale series', () => {
    const groups = testFiles.flatMap(groupsOf);
    const withoutKafkaGap = groups.filter((g) => !g.name?.startsWith('failure-mode gap: KafkaPublishFailures'));
    expect(missingFailureModes(alertRules(), recordingRules(), withoutKafkaGap)).toEqual(['KafkaPublishFailures: gap']);
    const withoutLatencySplit = groups.filter((g) => !g.name?.startsWith('failure-mode split-absent: backend-latency:'));
    expect(missingFailureModes(alertRules(), recordingRules(), withoutLatencySplit)).toEqual(
      ['BackendLatencyBudgetBurnFast', 'BackendLatencyBudgetBurnSlow', 'BackendLatencySliUnmeasurable', 'BackendLatencySliAbsent'].map(
        (a) => `${a}: split-absent`,
      ),
    );
    const withoutSignalGap = groups.filter((g) => !g.name?.startsWith('failure-mode gap: signal-generation-rate'));
    expect(recordsMissingGapCase(recordingRules(), withoutSignalGap)).toEqual([
      'anomaly:signal_generation_rate:avg1d: gap',
      'anomaly:signal_generation_rate:stddev1d: gap',
      'anomaly:signal_generation_rate:zscore1d: gap',
    ]);
    const crash = groups.find((g) => g.name?.startsWith('failure-mode crash:'))!;
    const notACrash = { ...crash, input_series: crash.input_series!.map((s) => ({ ...s, values: s.values.replace(/ stale/g, '') })) };
    expect(dishonestFailureModes([notACrash])).toEqual([crash.name]);
  });

  test('every rule file has a unit test file, and every alert a "not firing" and a "firing with labels and annotations" case', () => {
    const cases = new Map<string, AlertCase[]>();
    for (const f of testFiles) {
      for (const t of groupsOf(f))
        for (const c of (t.alert_rule_test ?? []) as AlertCase[]) cases.set(c.alertname, [...(cases.get(c.alertname) ?? []), c]);
    }
    for (const file of rendered.ruleFiles) {
      expect(testFiles).toContain(path.join('tests', path.basename(file)));
      for (const group of parse(fs.readFileSync(file, 'utf8')).groups) {
        for (const rule of group.rules.filter((r: { alert?: string }) => r.alert)) {
          const mine = cases.get(rule.alert) ?? [];
          expect({ alert: rule.alert, quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({
            alert: rule.alert,
            quiet: true,
          });
          const firing = mine.flatMap((c) => c.exp_alerts ?? []);
          expect({ alert: rule.alert, firing: firing.length > 0 }).toEqual({ alert: rule.alert, firing: true });
          for (const a of firing) {
            expect(Object.keys(a.exp_labels ?? {})).toEqual(expect.arrayContaining(['severity', 'service']));
            expect(Object.keys(a.exp_annotations ?? {}).sort()).toEqual(['dashboard_url', 'description', 'runbook_url', 'summary']);
          }
        }
      }
    }
  });

  test('a broken unit test fails (the harness can fail)', () => {
    const bad = path.join(rendered.dir, 'tests', 'platform-health.yaml');
    fs.writeFileSync(bad, fs.readFileSync(bad, 'utf8').replace('service: backend', 'service: frontend'));
    const r = promtool('test', 'rules', path.join('tests', 'platform-health.yaml'));
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('FAILED');
  });

  test("every alert's runbook anchor exists in docs/runbooks.md", () => {
    const runbooks = fs.readFileSync(path.join(repo, 'docs/runbooks.md'), 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^## (\w+)/gm)].map((m) => m[1].toLowerCase()));
    for (const file of rendered.ruleFiles) {
      for (const group of parse(fs.readFileSync(file, 'utf8')).groups) {
        for (const rule of group.rules.filter((r: { alert?: string }) => r.alert)) {
          expect(rule.annotations.runbook_url).toMatch(/docs\/runbooks\.md#/);
          expect(anchors).toContain(rule.annotations.runbook_url.split('#')[1]);
        }
      }
    }
  });
});
