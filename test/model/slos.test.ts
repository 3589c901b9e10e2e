import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadEnvironment } from '../../lib/config/load-environment';
import { UserInputError } from '../../lib/errors';
import { loadModel, SLO_DASHBOARD_FILE } from '../../lib/model/model';
import { copyProject } from '../../lib/project-copy';
import { loadSlos, renderSloRules, sloAlertNames } from '../../lib/model/slos';

const repo = path.resolve(__dirname, '../..');

/** A copy of the project's data with one more SLO: "adding an SLO is one entry". */
function withExtraSlo(extra: Record<string, unknown>): string {
  const dir = copyProject(repo, fs.mkdtempSync(path.join(os.tmpdir(), 'slo-')));
  const file = path.join(dir, 'alerts/slos.yaml');
  const doc = parse(fs.readFileSync(file, 'utf8'));
  doc.slos.push(extra);
  fs.writeFileSync(file, stringify(doc));
  return dir;
}

describe('SLOs', () => {
  test('each SLO renders recording rules for every window, its objective, its budget and two burn-rate alerts', () => {
    const set = loadSlos(repo);
    const groups = parse(renderSloRules(set)).groups;
    expect(groups.map((g: { name: string }) => g.name)).toEqual([
      'slo_pipeline_execution_success',
      'slo_backend_availability',
      'slo_backend_latency',
    ]);
    const records = groups[0].rules.filter((r: any) => r.record).map((r: any) => r.record);
    expect(records).toEqual([
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate30m',
      'slo:sli_error:ratio_rate1h',
      'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h',
      'slo:sli_error:ratio_rate1d',
      'slo:sli_error:ratio_rate3d',
      'slo:objective:ratio',
      'slo:error_budget_remaining:ratio',
    ]);
    const fast = groups[1].rules.find((r: any) => r.alert === 'BackendAvailabilityBudgetBurnFast');
    expect(fast.expr).toBe(
      '(slo:sli_error:ratio_rate1h{slo="backend-availability"} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m{slo="backend-availability"} > (14.4 * 0.001)) or (slo:sli_error:ratio_rate6h{slo="backend-availability"} > (6 * 0.001) and slo:sli_error:ratio_rate30m{slo="backend-availability"} > (6 * 0.001))',
    );
    expect(fast.labels).toEqual({ severity: 'critical', service: 'backend', slo: 'backend-availability' });
    const slow = groups[1].rules.find((r: any) => r.alert === 'BackendAvailabilityBudgetBurnSlow');
    expect(slow.expr).toContain('slo:sli_error:ratio_rate3d{slo="backend-availability"} > (1 * 0.001)');
    expect(slow.labels.severity).toBe('warning');
    const latency = groups[2].rules.find((r: any) => r.record === 'slo:sli_error:ratio_rate5m');
    expect(latency.expr).toBe(
      '(sum(rate(http_server_request_duration_seconds_count[5m])) - sum(rate(http_server_request_duration_seconds_bucket{le="0.5"}[5m]))) / sum(rate(http_server_request_duration_seconds_count[5m]))',
    );
  });

  test('adding an SLO is one entry: synth renders its rules, alerts and dashboard row', () => {
    const dir = withExtraSlo({
      name: 'kafka-publish',
      service: 'signal-generator',
      objective: 0.995,
      description: 'Kafka publishes that succeed',
      sli: { bad: 'kafka_publish_failure_total', total: 'kafka_publish_success_total' },
    });
    try {
      const model = loadModel(dir, loadEnvironment('prod'));
      const slos = model.ruleFiles.find((f) => f.name === 'slos')!;
      const names = slos.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
      expect(names).toEqual(expect.arrayContaining(Object.values(sloAlertNames({ name: 'kafka-publish' } as never))));
      const dashboard = JSON.parse(model.dashboards.find((d) => d.file === SLO_DASHBOARD_FILE)!.text);
      expect(dashboard.panels.filter((p: { type: string }) => p.type === 'row').map((p: { title: string }) => p.title)).toContain(
        'kafka-publish (signal-generator)',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails when an SLO queries an unknown metric, through the rule file validation', () => {
    const dir = withExtraSlo({
      name: 'typo',
      service: 'backend',
      objective: 0.99,
      description: 'x',
      sli: { bad: 'http_requests_totl', total: 'http_server_requests_total' },
    });
    try {
      expect(() => loadModel(dir, loadEnvironment('prod'))).toThrow(
        /^alerts\/slos\.yaml: group "slo_typo", record "slo:sli_error:ratio_rate5m", expr: queries a metric that is neither in the catalog nor a recording rule \(got "http_requests_totl"\)/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails when an objective leaves no error budget', () => {
    const dir = withExtraSlo({ name: 'perfect', service: 'backend', objective: 1, description: 'x', sli: { bad: 'up', total: 'up' } });
    try {
      let message = '';
      try {
        loadSlos(dir);
      } catch (e) {
        expect(e).toBeInstanceOf(UserInputError);
        message = (e as Error).message;
      }
      expect(message).toBe(
        'alerts/slos.yaml: slos[3].objective: leaves no error budget (got 1). Fix: use an objective below 1, like 0.999',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
