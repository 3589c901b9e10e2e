import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { parseNotification } from '../../lib/constructs/slack-notifier/handler';
import { renderedFromTemplate } from './rendered';
import { realTool } from '../../scripts/real-tools';

const rendered = renderedFromTemplate();
afterAll(() => fs.rmSync(rendered.dir, { recursive: true, force: true }));

function amtool(...args: string[]) {
  const r = spawnSync(realTool('amtool'), args, { cwd: rendered.dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}
/** The receiver amtool picks for a label set (stdout only: amtool warns on stderr). */
function routesTest(...labels: string[]): string {
  const r = spawnSync(realTool('amtool'), ['config', 'routes', 'test', `--config.file=${rendered.alertmanagerConfig}`, ...labels], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.stdout.trim();
}

describe('alert manager definition as deployed to AMP', () => {
  test('passes amtool check-config', () => {
    const r = amtool('check-config', rendered.alertmanagerConfig);
    expect(r.out).toContain('SUCCESS');
    expect(r.out).toContain('4 receivers');
    expect(r.out).toContain('3 inhibit rules');
    expect(r.status).toBe(0);
  });

  test("every matcher parses with Alertmanager's UTF-8 matcher parser alone (0.34 warns when it falls back to the classic one)", () => {
    const r = amtool('--enable-feature=utf8-strict-mode', 'check-config', rendered.alertmanagerConfig);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test.each([
    ['critical', ['alertname=ServiceDown', 'severity=critical', 'service=backend']],
    ['warning', ['alertname=HighExecutionFailureRate', 'severity=warning', 'service=celery-worker']],
    ['info', ['alertname=SomethingToKnow', 'severity=info', 'service=backend']],
    ['watchdog', ['alertname=Watchdog', 'severity=info', 'service=observability']],
    ['warning', ['alertname=NoSeverity']],
  ])('routes to %s: %p', (receiver, labels) => {
    expect(routesTest(...labels)).toBe(receiver);
  });

  test.each([
    ['ServiceNotScraped', 'targets.yaml', 'trigger-dispatcher'],
    ['CollectorMetricsMissing', 'targets.yaml', 'otel-collector'],
  ])('%s, as the deployed rule file labels it, routes to critical (amtool config routes test)', (alert, file, job) => {
    const ruleFile = rendered.ruleFiles.find((f) => path.basename(f) === file)!;
    const rule = parse(fs.readFileSync(ruleFile, 'utf8'))
      .groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules)
      .find((r: { alert?: string }) => r.alert === alert);
    const labels = Object.entries<string>(rule.labels).map(([k, v]) => `${k}=${v.replace('{{ $labels.job }}', job)}`);
    expect(routesTest(`alertname=${alert}`, `job=${job}`, ...labels)).toBe('critical');
  });

  test('amtool routes test can fail (a wrong expectation is reported)', () => {
    const r = amtool(
      'config',
      'routes',
      'test',
      `--config.file=${rendered.alertmanagerConfig}`,
      '--verify.receivers=critical',
      'severity=warning',
    );
    expect(r.status).not.toBe(0);
  });

  test('renders notifications the Slack notifier can read back', () => {
    const data = {
      receiver: 'critical',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'ServiceDown', severity: 'critical', service: 'backend', job: 'backend' },
          annotations: {
            summary: 'Service backend is down',
            description: 'up = 0',
            runbook_url: 'https://r/x#servicedown',
            dashboard_url: '/d/x',
          },
          startsAt: '2026-11-24T10:00:00Z',
        },
      ],
      groupLabels: { alertname: 'ServiceDown', service: 'backend' },
      commonLabels: { alertname: 'ServiceDown', severity: 'critical', service: 'backend' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager',
    };
    const dataFile = path.join(rendered.dir, 'data.json');
    fs.writeFileSync(dataFile, JSON.stringify(data));
    const glob = `--template.glob=${path.join(rendered.templateDir, '*.tmpl')}`;
    const subject = amtool('template', 'render', glob, `--template.data=${dataFile}`, '--template.text={{ template "trading.subject" . }}');
    expect(subject.out).toBe('[FIRING:1] ServiceDown (critical, backend)');
    const body = amtool('template', 'render', glob, `--template.data=${dataFile}`, '--template.text={{ template "trading.message" . }}');
    expect(parseNotification(body.out)).toEqual([
      {
        alert: 'ServiceDown',
        status: 'firing',
        severity: 'critical',
        service: 'backend',
        summary: 'Service backend is down',
        description: 'up = 0',
        runbook: 'https://r/x#servicedown',
        dashboard: '/d/x',
      },
    ]);
  });
});
