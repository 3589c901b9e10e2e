import { parse } from 'yaml';
import { compile } from '../../lib/compile/compile';
import { alertInputs, INPUT_ALERTS, INPUTS_FILE } from '../../lib/render/input-rules';
import { baseFiles, modelOf } from '../helpers';

const model = modelOf('prod');
const clausesOf = (m: typeof model) => {
  const file = m.ruleFiles.find((f) => f.file === INPUTS_FILE)!;
  return file.groups[0].rules.flatMap((r) => [...r.expr.matchAll(/"metric", "([a-zA-Z0-9_:]+)"/g)].map((x) => `${r.alert} ${x[1]}`));
};

describe('alerts\' inputs: a "can\'t see" alert for every input that can vanish while its service is up', () => {
  test('every unlabelled always-present input of an alert has its clause, at the severity of the alerts that read it', () => {
    const inputs = alertInputs(model.ruleFiles, model.catalog);
    // The system gauges of the backend and the dispatcher's unlabelled series, read directly or through recording rules.
    expect(inputs.map((i) => [i.metric.name, i.severity, i.alerts.join(',')])).toEqual([
      ['batch_processing_duration_seconds', 'warning', 'DispatcherBatchLatencyHigh'],
      ['pipeline_cache_size', 'warning', 'PipelineCacheEmpty'],
      ['pipelines_enqueued_total', 'warning', 'PipelinesSkippedSpike'],
      ['pipelines_skipped_running_total', 'warning', 'PipelinesSkippedSpike'],
      ['system_executions_pending_executions', 'warning', 'PendingExecutionsBacklog'],
      ['system_executions_running_executions', 'critical', 'RunningExecutionsStuck'],
      ['system_signal_pipelines', 'warning', 'PipelineCacheEmpty,SignalsConsumedNoneMatched'],
      ['system_success_rate_24h_percent', 'warning', 'ExecutionSuccessRateBelowTarget'],
    ]);
    expect(clausesOf(model).sort()).toEqual(
      inputs.map((i) => `${INPUT_ALERTS[i.severity]} ${i.metric.type === 'histogram' ? `${i.metric.name}_count` : i.metric.name}`).sort(),
    );
  });

  test('a new alert reading an input gets its clause without touching the generator', () => {
    const more = compile(
      {
        ...baseFiles,
        'alerts/extra.yaml':
          'groups:\n  - name: extra\n    rules:\n      - alert: NoUsers\n        expr: max by (job) (system_total_users) == 0\n        for: 5m\n        labels: { severity: critical, service: backend }\n        annotations: { summary: s, description: d, runbook_url: https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md#nousers, dashboard_url: /d/x/y }\n',
      },
      'prod',
    );
    expect(clausesOf(more)).toContain('PagingInputMissing system_total_users');
    expect(alertInputs(more.ruleFiles, more.catalog).find((i) => i.metric.name === 'system_total_users')?.alerts).toEqual(['NoUsers']);
  });

  test('labelled inputs are left out: after a restart a labelled series is absent until its first event, and says nothing', () => {
    const names = alertInputs(model.ruleFiles, model.catalog).map((i) => i.metric.name);
    expect(names).not.toContain('kafka_publish_success_total');
    expect(names).not.toContain('pipeline_executions_total');
    const file = parse(model.ruleFiles.find((f) => f.file === INPUTS_FILE)!.text);
    expect(file.groups[0].rules.map((r: { alert: string; labels: { severity: string } }) => [r.alert, r.labels.severity])).toEqual([
      ['PagingInputMissing', 'critical'],
      ['AlertInputMissing', 'warning'],
    ]);
  });
});
