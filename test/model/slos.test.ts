import { parse, stringify } from 'yaml';
import { UserInputError } from '../../lib/errors';
import { SLO_DASHBOARD_FILE } from '../../lib/model/model';
import { compile } from '../../lib/compile/compile';
import { ProjectFiles } from '../../lib/model/project-files';
import { BURN_WINDOWS, burnFactor, parseSlos, SLO_FILE } from '../../lib/model/slos';
import { renderSloRules, sloAlertNames } from '../../lib/render/slo-rules';
import { encodeSamples, failureModeOf, renderSloTests } from '../generators/slo-tests';
import { baseFiles, modelOf } from '../helpers';

/** The project's files with one more SLO: "adding an SLO is one entry". */
function withExtraSlo(extra: Record<string, unknown>): ProjectFiles {
  const doc = parse(baseFiles[SLO_FILE]);
  doc.slos.push(extra);
  return { ...baseFiles, [SLO_FILE]: stringify(doc) };
}
const slosOf = (files: ProjectFiles) => parseSlos(SLO_FILE, files[SLO_FILE]);

describe('SLOs', () => {
  test('each SLO renders error ratios, event counts, its objective, its budget, a page, a ticket and an absent alert', () => {
    const set = modelOf().slos;
    const groups = parse(renderSloRules(set)).groups;
    expect(groups.map((g: { name: string }) => g.name)).toEqual([
      'slo_pipeline_execution_success',
      'slo_backend_availability',
      'slo_backend_latency',
    ]);
    const records = groups[0].rules.filter((r: any) => r.record).map((r: any) => r.record);
    expect(records).toEqual([
      'slo:sli_error:increase5m',
      'slo:sli_total:increase5m',
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate30m',
      'slo:sli_error:ratio_rate1h',
      'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h',
      'slo:sli_error:ratio_rate1d',
      'slo:sli_error:ratio_rate3d',
      'slo:sli_total:increase1h',
      'slo:sli_total:increase6h',
      'slo:objective:ratio',
      'slo:error_budget_remaining:ratio',
    ]);
    const rule = (g: number, name: string) => groups[g].rules.find((r: any) => r.record === name || r.alert === name);
    // Selectors scoped to the service's job; no bad event yet reads 0, not "no data".
    expect(rule(1, 'slo:sli_error:ratio_rate5m').expr).toBe(
      '(sum(rate(http_server_requests_total{job="backend", http_response_status_code=~"5.."}[5m])) or 0 * sum(rate(http_server_requests_total{job="backend"}[5m]))) / sum(rate(http_server_requests_total{job="backend"}[5m]))',
    );
    // Windows past 5 minutes are summed from the recorded 5-minute counts (Pyrra's performance over accuracy),
    // not read from every raw series again; event counts divided by the times each is counted (300 s / 30 s).
    expect(rule(1, 'slo:sli_error:ratio_rate3d').expr).toBe(
      'sum_over_time(slo:sli_error:increase5m{slo="backend-availability"}[3d]) / sum_over_time(slo:sli_total:increase5m{slo="backend-availability"}[3d])',
    );
    expect(rule(1, 'slo:sli_total:increase6h').expr).toBe('sum_over_time(slo:sli_total:increase5m{slo="backend-availability"}[6h]) / 10');
    // The budget left counts events over the window (Pyrra), not an average of ratios.
    expect(rule(1, 'slo:error_budget_remaining:ratio').expr).toBe(
      '1 - (sum_over_time(slo:sli_error:increase5m{slo="backend-availability"}[30d]) / clamp_min(sum_over_time(slo:sli_total:increase5m{slo="backend-availability"}[30d]), 1)) / 0.001',
    );
    const fast = rule(1, 'BackendAvailabilityBudgetBurnFast');
    expect(fast.expr).toBe(
      '(slo:sli_error:ratio_rate1h{slo="backend-availability"} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m{slo="backend-availability"} > (14.4 * 0.001) and slo:sli_total:increase1h{slo="backend-availability"} >= 100) or (slo:sli_error:ratio_rate6h{slo="backend-availability"} > (6 * 0.001) and slo:sli_error:ratio_rate30m{slo="backend-availability"} > (6 * 0.001) and slo:sli_total:increase6h{slo="backend-availability"} >= 100)',
    );
    expect(fast.labels).toEqual({ severity: 'critical', service: 'backend', slo: 'backend-availability' });
    const slow = rule(1, 'BackendAvailabilityBudgetBurnSlow');
    expect(slow.expr).toContain('slo:sli_error:ratio_rate3d{slo="backend-availability"} > (1 * 0.001)');
    expect(slow.expr).not.toContain('increase');
    expect(slow.labels.severity).toBe('warning');
    expect(rule(0, 'PipelineExecutionSuccessBudgetBurnFast').expr).toContain(
      'slo:sli_total:increase1h{slo="pipeline-execution-success"} >= 30',
    );
    expect(rule(1, 'BackendAvailabilitySliAbsent')).toMatchObject({
      expr: 'absent(http_server_requests_total{job="backend"}) == 1',
      for: '3m',
      labels: { severity: 'warning', service: 'backend', slo: 'backend-availability' },
    });
    expect(rule(0, 'PipelineExecutionSuccessSliAbsent').for).toBe('11m');
    // Latency: count minus bucket per series, and only the series that have the bucket in the total:
    // a task without the threshold's bucket counts neither way (not all slow).
    expect(rule(2, 'slo:sli_error:ratio_rate5m').expr).toBe(
      'sum(rate(http_server_request_duration_seconds_count{job="backend"}[5m]) - ignoring (le) rate(http_server_request_duration_seconds_bucket{job="backend", le="0.5"}[5m])) / sum(rate(http_server_request_duration_seconds_count{job="backend"}[5m]) and ignoring (le) rate(http_server_request_duration_seconds_bucket{job="backend", le="0.5"}[5m]))',
    );
  });

  test('each SLO whose split can be checked warns when it cannot be measured: a missing threshold bucket, a label the bad selector matches on missing per target', () => {
    const groups = parse(renderSloRules(modelOf().slos)).groups;
    const alert = (g: number, name: string) => groups[g].rules.find((r: any) => r.alert === name);
    expect(alert(2, 'BackendLatencySliUnmeasurable')).toMatchObject({
      expr: 'count by (instance) (http_server_request_duration_seconds_count{job="backend"} unless ignoring (le) http_server_request_duration_seconds_bucket{job="backend", le="0.5"})',
      for: '11m',
      labels: { severity: 'warning', service: 'backend', slo: 'backend-latency' },
    });
    expect(alert(1, 'BackendAvailabilitySliUnmeasurable').expr).toBe(
      'count by (instance) (http_server_requests_total{job="backend"}) unless on (instance) count by (instance) (http_server_requests_total{job="backend", http_response_status_code!=""})',
    );
    expect(alert(0, 'PipelineExecutionSuccessSliUnmeasurable').expr).toBe(
      'count by (instance) (pipeline_executions_total{job="celery-worker"}) unless on (instance) count by (instance) (pipeline_executions_total{job="celery-worker", status!=""})',
    );
    // A bad counter of its own is checked on its own series (they exist after a first failure);
    // one matched on no label has nothing to check: no alert.
    const extra = (bad: string) =>
      parse(
        renderSloRules({
          window: '30d',
          slos: [
            {
              name: 'kafka',
              service: 'signal-generator',
              objective: 0.99,
              description: 'x',
              minEvents: 100,
              sli: { bad, total: 'kafka_publish_success_total', examples: { bad: { error: 'timeout' }, good: { topic: 's' } } },
            },
          ],
        }),
      ).groups[0].rules.filter((r: any) => r.alert?.endsWith('SliUnmeasurable'));
    expect(extra('kafka_publish_failure_total{error=~".+"}').map((r: any) => r.expr)).toEqual([
      'count by (instance) (kafka_publish_failure_total{job="signal-generator"}) unless on (instance) count by (instance) (kafka_publish_failure_total{job="signal-generator", error!=""})',
    ]);
    expect(extra('kafka_publish_failure_total')).toEqual([]);
  });

  test('fails when the good series of a one-counter SLI lack the label the bad selector matches on (a rename would look like "no error yet")', () => {
    const dir = withExtraSlo({
      name: 'errors-by-type',
      service: 'backend',
      objective: 0.99,
      description: 'x',
      sli: {
        bad: 'http_server_requests_total{error_type=~".+"}',
        total: 'http_server_requests_total',
        examples: { bad: { error_type: 'timeout' }, good: { http_route: '/api' } },
      },
    });
    expect(() => slosOf(dir)).toThrow(
      'alerts/slos.yaml: slos[3].sli.examples.good: lacks error_type, which sli.bad matches on: a renamed label could not be told from "no error yet" (got {"http_route":"/api"}). Fix: match sli.bad on a label every series of http_server_requests_total carries (like status="failed" beside status="completed"), and give its good value here',
    );
  });

  test("burn factors follow the window (Sloth): 2 %, 5 %, 10 %, 10 % of a month's budget per pair; Sloth's 7-day shares", () => {
    expect(BURN_WINDOWS.map((b) => burnFactor('30d', b))).toEqual([14.4, 6, 3, 1]);
    expect(BURN_WINDOWS.map((b) => burnFactor('28d', b))).toEqual([13.44, 5.6, 2.8, 0.9333]);
    expect(BURN_WINDOWS.map((b) => burnFactor('7d', b))).toEqual([13.44, 3.5, 1.4, 0.98]);
    const set = { ...modelOf().slos, window: '28d' };
    const groups = parse(renderSloRules(set)).groups;
    expect(groups[1].rules.find((r: any) => r.alert === 'BackendAvailabilityBudgetBurnFast').expr).toContain('> (13.44 * 0.001)');
    expect(groups[1].rules.find((r: any) => r.record === 'slo:error_budget_remaining:ratio').expr).toContain('[28d])');
  });

  test('generated tests: per SLO, firing and quiet cases and every failure mode', () => {
    const tests = parse(renderSloTests(modelOf().slos, '../slos.yaml')).tests as { name: string }[];
    for (const slo of modelOf().slos.slos) {
      const mine = tests.filter((t) => t.name.includes(`${slo.name}:`)).map((t) => failureModeOf(t.name) ?? 'plain');
      // split-absent: a latency SLI, a task without the threshold's bucket and one with only +Inf; an events SLI, a renamed label.
      const split = 'bad' in slo.sli ? ['split-absent'] : ['split-absent', 'split-absent'];
      expect(mine.sort()).toEqual(
        ['crash', 'denominator-absent', 'gap', 'low-traffic', 'numerator-absent', 'plain', 'plain', 'plain', ...split].sort(),
      );
    }
  });

  test('encodes samples in promtool notation', () => {
    expect(encodeSamples([0, 1, 2, 3, '_', '_', 5, 5, 5, 'stale'])).toBe('0+1x3 _x2 5x2 stale');
  });

  test('fails when an example series is not picked by its selector', () => {
    const dir = withExtraSlo({
      name: 'kafka',
      service: 'signal-generator',
      objective: 0.99,
      description: 'x',
      sli: {
        bad: 'kafka_publish_failure_total{error="timeout"}',
        total: 'kafka_publish_failure_total',
        examples: { bad: { error: 'refused' }, good: { error: 'none' } },
      },
    });
    expect(() => slosOf(dir)).toThrow(
      'alerts/slos.yaml: slos[3].sli.examples.bad: is not matched by sli.bad (got {"error":"refused"}). Fix: give labels of a series that counts bad events: matched by sli.total and sli.bad',
    );
  });

  test('fails when the window has no burn-rate table', () => {
    const dir = { ...baseFiles, [SLO_FILE]: baseFiles[SLO_FILE].replace('window: 30d', 'window: 14d') };
    expect(() => slosOf(dir)).toThrow(
      'alerts/slos.yaml: window: has no burn-rate table (the share of the budget each page and ticket pair may spend) (got "14d"). Fix: use one of 7d, 28d, 30d, or add its table to BUDGET_PERCENT_BY_WINDOW in lib/model/slos.ts',
    );
  });

  test('adding an SLO is one entry: synth renders its rules, alerts and dashboard row', () => {
    const dir = withExtraSlo({
      name: 'kafka-publish',
      service: 'signal-generator',
      objective: 0.995,
      description: 'Kafka publishes that succeed',
      sli: {
        // Matched on a label its series carry, so a rename warns (its "can't measure" alert; sliSplit).
        bad: 'kafka_publish_failure_total{error=~".+"}',
        total: 'kafka_publish_success_total',
        examples: { bad: { topic: 'signals', error: 'timeout' }, good: { topic: 'signals' } },
      },
    });
    const model = compile(dir, 'prod');
    const slos = model.ruleFiles.find((f) => f.name === 'slos')!;
    const names = slos.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect(names).toEqual(expect.arrayContaining(Object.values(sloAlertNames({ name: 'kafka-publish' }))));
    const dashboard = JSON.parse(model.dashboards.find((d) => d.file === SLO_DASHBOARD_FILE)!.text);
    expect(dashboard.panels.filter((p: { type: string }) => p.type === 'row').map((p: { title: string }) => p.title)).toContain(
      'kafka-publish (signal-generator)',
    );
  });

  test('fails when an SLO queries an unknown metric, through the rule file validation', () => {
    const dir = withExtraSlo({
      name: 'typo',
      service: 'backend',
      objective: 0.99,
      description: 'x',
      sli: { bad: 'http_requests_totl', total: 'http_server_requests_total', examples: { bad: {}, good: {} } },
    });
    expect(() => compile(dir, 'prod')).toThrow(
      /^alerts\/slos\.yaml: group "slo_typo", record "slo:sli_error:increase5m", expr: queries a metric that is neither in the catalog nor a recording rule \(got "http_requests_totl"\)/,
    );
  });

  test('fails when an objective leaves no error budget', () => {
    const dir = withExtraSlo({
      name: 'perfect',
      service: 'backend',
      objective: 1,
      description: 'x',
      sli: { bad: 'up', total: 'up', examples: { bad: {}, good: {} } },
    });
    let message = '';
    try {
      slosOf(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(UserInputError);
      message = (e as Error).message;
    }
    expect(message).toBe('alerts/slos.yaml: slos[3].objective: leaves no error budget (got 1). Fix: use an objective below 1, like 0.999');
  });
});
