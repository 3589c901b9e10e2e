/**
 * The inhibit rules as deployed to AMP, run by a real Alertmanager 0.34.0
 * (built by tools/build.sh) on loopback: promtool does not evaluate
 * inhibitions and amtool cannot. Per inhibit rule, one scenario: what it
 * mutes, and what it must not mute.
 *
 * Alertmanager's API v2 (prometheus/alertmanager@v0.34.0:api/v2/openapi.yaml):
 * POST /api/v2/alerts takes alerts; GET /api/v2/alerts lists them with
 * status.inhibitedBy (the fingerprints of the muting alerts).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { renderedFromTemplate } from './rendered';
import { freePorts } from '../../scripts/free-ports';
import { realTool } from '../../scripts/real-tools';

const rendered = renderedFromTemplate();
const config = parse(fs.readFileSync(rendered.alertmanagerConfig, 'utf8'));
let am: ChildProcess;
let base = '';
let log = '';

type Labels = Record<string, string>;
interface Scenario {
  /** The inhibit rule (its index in inhibit_rules) this scenario proves. */
  rule: number;
  what: string;
  /** Alerts firing together; each scenario uses its own service so they do not meet. */
  alerts: Labels[];
  muted: string[];
  notMuted: string[];
}

const SCENARIOS: Scenario[] = [
  {
    rule: 0,
    what: "an SLO's page mutes its own ticket and no-data warning, not another SLO's ticket nor a non-SLO warning",
    alerts: [
      { alertname: 'BackendAvailabilityBudgetBurnFast', severity: 'critical', service: 'backend', slo: 'backend-availability' },
      { alertname: 'BackendAvailabilityBudgetBurnSlow', severity: 'warning', service: 'backend', slo: 'backend-availability' },
      { alertname: 'BackendAvailabilitySliAbsent', severity: 'warning', service: 'backend', slo: 'backend-availability', job: 'backend' },
      { alertname: 'BackendLatencyBudgetBurnSlow', severity: 'warning', service: 'backend', slo: 'backend-latency' },
      { alertname: 'ExecutionSuccessRateBelowTarget', severity: 'warning', service: 'backend', job: 'backend' },
    ],
    muted: ['BackendAvailabilityBudgetBurnSlow', 'BackendAvailabilitySliAbsent'],
    notMuted: ['BackendAvailabilityBudgetBurnFast', 'BackendLatencyBudgetBurnSlow', 'ExecutionSuccessRateBelowTarget'],
  },
  {
    rule: 1,
    what: "one task's ServiceDown mutes the service's symptoms, never its SLO pages, the Watchdog or another service",
    alerts: [
      { alertname: 'ServiceDown', severity: 'critical', service: 'celery-worker', job: 'celery-worker', instance: '10.0.1.5:8001' },
      { alertname: 'HighExecutionFailureRate', severity: 'warning', service: 'celery-worker', job: 'celery-worker' },
      {
        alertname: 'PipelineExecutionSuccessBudgetBurnFast',
        severity: 'critical',
        service: 'celery-worker',
        slo: 'pipeline-execution-success',
      },
      { alertname: 'Watchdog', severity: 'info', service: 'observability' },
      { alertname: 'KafkaPublishFailures', severity: 'critical', service: 'signal-generator', job: 'signal-generator' },
      // A log alert of the same service (alerts/logs.yaml): never muted, as on AWS (a CloudWatch alarm).
      { alertname: 'PipelineExecutionFailures', severity: 'warning', service: 'celery-worker', source: 'logs' },
    ],
    muted: ['HighExecutionFailureRate'],
    notMuted: ['ServiceDown', 'PipelineExecutionSuccessBudgetBurnFast', 'Watchdog', 'KafkaPublishFailures', 'PipelineExecutionFailures'],
  },
  {
    rule: 2,
    what: "the collector's loss pages once: nothing arriving mutes every consequence (stale and missing targets, blind thresholds, the self-scrape's absence), not the Watchdog",
    alerts: [
      { alertname: 'ServiceMetricsStale', severity: 'critical', service: 'trigger-dispatcher', job: 'trigger-dispatcher' },
      { alertname: 'ServiceNotScraped', severity: 'critical', service: 'trigger-dispatcher', job: 'trigger-dispatcher' },
      { alertname: 'PipelineCacheEmpty', severity: 'warning', service: 'trigger-dispatcher', job: 'trigger-dispatcher' },
      { alertname: 'CollectorMetricsStale', severity: 'critical', service: 'otel-collector' },
      { alertname: 'CollectorMetricsMissing', severity: 'critical', service: 'otel-collector', job: 'otel-collector' },
      { alertname: 'Watchdog', severity: 'info', service: 'observability' },
      { alertname: 'CriticalLogEvent', severity: 'critical', service: 'trigger-dispatcher', source: 'logs' },
    ],
    // CollectorMetricsMissing is a consequence too (it fires minutes later, once the lookback has passed).
    muted: ['ServiceMetricsStale', 'ServiceNotScraped', 'PipelineCacheEmpty', 'CollectorMetricsMissing'],
    notMuted: ['CollectorMetricsStale', 'Watchdog', 'CriticalLogEvent'],
  },
];

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; alertmanager log:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface ApiAlert {
  labels: Labels;
  status: { state: string; inhibitedBy: string[] };
}
const listAlerts = async (): Promise<ApiAlert[]> => (await fetch(`${base}/api/v2/alerts`)).json() as Promise<ApiAlert[]>;

beforeAll(async () => {
  const [port] = await freePorts(1);
  base = `http://127.0.0.1:${port}`;
  const storage = fs.mkdtempSync(path.join(rendered.dir, 'am-'));
  // The configuration as deployed: SNS receivers with SigV4 never get to send
  // here (nothing is delivered before group_wait, and the test ends first).
  am = spawn(
    realTool('alertmanager'),
    [
      `--config.file=${rendered.alertmanagerConfig}`,
      `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  am.stdout!.on('data', (d) => (log += d));
  am.stderr!.on('data', (d) => (log += d));
  await until('alertmanager ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
});

afterAll(() => {
  am?.kill();
  fs.rmSync(rendered.dir, { recursive: true, force: true });
});

describe('inhibit rules as deployed to AMP, in a real Alertmanager 0.34', () => {
  test('every inhibit rule has a scenario proving what it mutes and what it must not', () => {
    expect(SCENARIOS.map((s) => s.rule).sort()).toEqual(config.inhibit_rules.map((_: unknown, i: number) => i));
    for (const s of SCENARIOS) {
      expect(s.muted.length).toBeGreaterThan(0);
      expect(s.notMuted.length).toBeGreaterThan(0);
    }
  });

  // Before the scenarios (rule 2 mutes globally once its source fires): with no collector alert, nothing is muted.
  test('while data arrives, a crash loop, its consequence and a broken self-scrape all notify', async () => {
    const startsAt = new Date().toISOString();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const alerts = [
      { alertname: 'ServiceCrashLooping', severity: 'critical', service: 'signal-generator', job: 'signal-generator' },
      { alertname: 'SignalGenerationStalled', severity: 'critical', service: 'signal-generator', job: 'signal-generator' },
      // The self-scrape alone broken: the services' data still flows, so it mutes nothing.
      { alertname: 'CollectorMetricsMissing', severity: 'critical', service: 'otel-collector', job: 'otel-collector' },
    ];
    const post = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt, endsAt, annotations: {} }))),
    });
    expect(post.status).toBe(200);
    const mine = await until('both alerts listed', async () => {
      const all = (await listAlerts()).filter((a) => ['signal-generator', 'otel-collector'].includes(a.labels.service));
      return all.length === 3 ? all : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(mine.map((a) => a.status.inhibitedBy)).toEqual([[], [], []]);
    expect((await listAlerts()).filter((a) => a.status.inhibitedBy.length > 0)).toEqual([]);
  });

  test.each(SCENARIOS.map((s) => [s.what, s] as const))('%s', async (_what, s) => {
    const startsAt = new Date().toISOString();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const post = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(s.alerts.map((labels) => ({ labels, startsAt, endsAt, annotations: {} }))),
    });
    expect(post.status).toBe(200);
    const names = new Set(s.alerts.map((a) => a.alertname));
    // The inhibitor learns source alerts asynchronously: wait until the muted ones are muted.
    // This scenario's alerts, by their whole label sets (scenarios use their own services, so they do not meet).
    const same = (a: Labels, b: Labels) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    const mine = await until(`${s.muted.join(', ')} inhibited`, async () => {
      const all = (await listAlerts()).filter((a) => s.alerts.some((l) => same(l, a.labels)));
      const inhibited = all.filter((a) => a.status.inhibitedBy.length > 0).length;
      return all.length >= s.alerts.length && inhibited >= s.muted.length ? all : undefined;
    });
    // Let a late evaluation show up, then read once more.
    await new Promise((r) => setTimeout(r, 500));
    const now = (await listAlerts()).filter((a) => names.has(a.labels.alertname));
    expect(mine.length).toBeGreaterThan(0);
    const inhibited = now.filter((a) => a.status.inhibitedBy.length > 0).map((a) => a.labels.alertname);
    expect(inhibited.sort()).toEqual([...s.muted].sort());
    const active = now.filter((a) => a.status.inhibitedBy.length === 0).map((a) => a.labels.alertname);
    expect(active.sort()).toEqual([...s.notMuted].sort());
  });
});
