import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { renderedFromTemplate } from './rendered';

const repo = path.resolve(__dirname, '../..');
const rendered = renderedFromTemplate();
afterAll(() => fs.rmSync(rendered.dir, { recursive: true, force: true }));

function promtool(...args: string[]) {
  const r = spawnSync('promtool', args, { cwd: rendered.dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
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

  test('pass their promtool unit tests (alerts/tests)', () => {
    const testsDir = path.join(rendered.dir, 'tests');
    fs.cpSync(path.join(repo, 'alerts/tests'), testsDir, { recursive: true });
    const files = fs.readdirSync(testsDir).map((f) => path.join('tests', f));
    const r = promtool('test', 'rules', ...files);
    expect(r.out).not.toContain('FAILED');
    expect(r.status).toBe(0);
  });

  test('every rule file has a unit test file, and every alert a "not firing" and a "firing with labels and annotations" case', () => {
    const cases = new Map<string, AlertCase[]>();
    for (const f of fs.readdirSync(path.join(repo, 'alerts/tests'))) {
      const doc = parse(fs.readFileSync(path.join(repo, 'alerts/tests', f), 'utf8'));
      for (const t of doc.tests)
        for (const c of (t.alert_rule_test ?? []) as AlertCase[]) cases.set(c.alertname, [...(cases.get(c.alertname) ?? []), c]);
    }
    for (const file of rendered.ruleFiles) {
      expect(fs.existsSync(path.join(repo, 'alerts/tests', path.basename(file)))).toBe(true);
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
