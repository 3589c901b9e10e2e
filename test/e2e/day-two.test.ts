/**
 * Day two, end to end without Docker: the real Alertmanager 0.34.0 (built by
 * tools/build.sh, the version the local stack's image pins) on loopback with the rendered local Alertmanager configuration (the
 * routing tree of alerts/alertmanager.yaml, webhooks to a loopback sink), and
 * the real commands: `alerts:test` gets a notification to every local
 * receiver; `alerts:silence` mutes a service's alerts, or everything, but
 * never the Watchdog; silences are listed and expired.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { TEST_LABEL, testAlerts } from '../../scripts/alert-probes';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { writeBundle } from '../../lib/io/write-bundle';
import { freePorts } from '../../scripts/free-ports';
import { pollUntil } from '../../scripts/poll-until';
import { realTool } from '../../scripts/real-tools';
import { compile } from '../../lib/compile/compile';
import { baseFiles, environmentOf, modelOf } from '../helpers';
import { bundleLocalPrograms } from '../../scripts/local-programs';

const repo = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-day-two-'));
let alertmanager: ChildProcess | undefined;
let amLog = '';
let sink: http.Server;
let am = '';
/** Notifications the sink received, per receiver (the last path segment of the webhook URL). */
const received: Record<string, any[]> = {};

const until = <T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> =>
  pollUntil(what, f, timeoutMs, { everyMs: 500, context: () => `--- alertmanager\n${amLog.slice(-1500)}` });

/** Runs one of the day-two commands as a user would (npm run X -- args), against the loopback Alertmanager. */
function run(script: 'alerts-test' | 'alerts-silence', ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args, '--alertmanager', am], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function alerts(): Promise<any[]> {
  return (await (await fetch(`${am}/api/v2/alerts`)).json()) as any[];
}
async function post(labels: Record<string, string>) {
  const res = await fetch(`${am}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels, annotations: { summary: 'e2e' }, endsAt: new Date(Date.now() + 600_000).toISOString() }]),
  });
  expect(res.status).toBe(200);
}
const stateOf = async (labels: Record<string, string>) =>
  (await alerts()).find((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v))?.status;

beforeAll(async () => {
  const [amPort, sinkPort] = await freePorts(2);
  am = `http://127.0.0.1:${amPort}`;
  sink = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      (received[(req.url ?? '/').slice(1)] ??= []).push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));
  const env = environmentOf('local');
  const bundle = path.join(dir, 'bundle');
  writeBundle(
    bundle,
    renderLocalBundle(compile(baseFiles, env), bundleLocalPrograms(), {
      webhookBaseUrl: `http://127.0.0.1:${sinkPort}`,
      templatesDir: path.join(bundle, 'monitoring/alertmanager/templates'),
    }),
  );
  alertmanager = spawn(
    realTool('alertmanager'),
    [
      `--config.file=${path.join(bundle, 'monitoring/alertmanager/alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  alertmanager.stdout?.on('data', (d) => (amLog = (amLog + d).slice(-6000)));
  alertmanager.stderr?.on('data', (d) => (amLog = (amLog + d).slice(-6000)));
  await until('Alertmanager ready', async () => ((await fetch(`${am}/-/ready`)).ok ? true : undefined), 30_000);
}, 60_000);

afterAll(async () => {
  alertmanager?.kill('SIGKILL');
  await new Promise<void>((r) => sink?.close(() => r()) ?? r());
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('day two on a local Alertmanager', () => {
  test('alerts:test: every local receiver gets its test alert, routed by the real tree', async () => {
    const r = run('alerts-test');
    expect(r.out).toContain('Sending 4 test alert(s)');
    expect(r.status).toBe(0);
    const receivers = testAlerts(modelOf().routing).map((t) => t.receiver);
    // info's route waits 1m before its first notification.
    const got = await until(
      'a test notification at every receiver',
      () => {
        const tests = Object.fromEntries(
          receivers.map((rc) => [
            rc,
            (received[rc] ?? []).flatMap((n) => n.alerts).find((a: any) => a.labels[TEST_LABEL.name] === TEST_LABEL.value),
          ]),
        );
        return receivers.every((rc) => tests[rc]) ? tests : undefined;
      },
      100_000,
    );
    for (const rc of receivers) {
      expect(got[rc].labels.service).toBe(`alerts-test-${rc}`);
      expect(got[rc].annotations.summary).toBe(`TEST of the "${rc}" alert destinations (no action needed)`);
      expect(received[rc].every((n) => n.receiver === rc)).toBe(true);
    }
  }, 110_000);

  test("alerts:silence: a service's silence mutes its alerts, not the Watchdog, and is listed and expired", async () => {
    const c = run(
      'alerts-silence',
      'create',
      '--service',
      'backend',
      '--duration',
      '1h',
      '--comment',
      'e2e: deploy of backend',
      '--author',
      'e2e',
    );
    expect(c.status).toBe(0);
    const id = /^silence (\S+) until/m.exec(c.out)?.[1];
    expect(id).toBeDefined();

    const backend = { alertname: 'E2EBackendDown', severity: 'critical', service: 'backend' };
    const watchdog = { alertname: 'Watchdog', severity: 'info', service: 'backend' };
    const other = { alertname: 'E2EWorkerDown', severity: 'critical', service: 'celery-worker' };
    await post(backend);
    await post(watchdog);
    await post(other);
    expect(
      await until(
        'backend alert silenced',
        async () => ((await stateOf(backend))?.state === 'suppressed' ? stateOf(backend) : undefined),
        10_000,
      ),
    ).toEqual({
      state: 'suppressed',
      silencedBy: [id],
      inhibitedBy: [],
      // Alertmanager 0.34's API v2 also lists the time intervals muting an alert (openapi.yaml alertStatus.mutedBy, required).
      mutedBy: [],
    });
    expect((await stateOf(watchdog))?.state).toBe('active');
    expect((await stateOf(other))?.state).toBe('active');
    // The Watchdog's notification goes out (group_wait 0s); the silenced backend alert's never does.
    await until(
      'Watchdog notification for service backend',
      () => (received.watchdog ?? []).find((n) => n.commonLabels.service === 'backend'),
      20_000,
    );
    await until(
      'the other service still notified',
      () => (received.critical ?? []).find((n) => n.commonLabels.alertname === 'E2EWorkerDown'),
      20_000,
    );
    expect((received.critical ?? []).some((n) => n.commonLabels.alertname === 'E2EBackendDown')).toBe(false);

    const list = run('alerts-silence', 'list');
    expect(list.out).toContain(`${id}  active`);
    expect(list.out).toContain('{service="backend", alertname!="Watchdog"}  by e2e: e2e: deploy of backend');
    expect(list.out).not.toContain('WARNING');

    expect(run('alerts-silence', 'expire', id!).status).toBe(0);
    expect(
      await until('backend alert active again', async () => ((await stateOf(backend))?.state === 'active' ? true : undefined), 10_000),
    ).toBe(true);
    expect(run('alerts-silence', 'list').out).not.toContain(id!);
  }, 90_000);

  test('alerts:silence --all mutes every service but never the Watchdog', async () => {
    const c = run('alerts-silence', 'create', '--all', '--duration', '30m', '--comment', 'e2e: maintenance window', '--author', 'e2e');
    expect(c.status).toBe(0);
    const id = /^silence (\S+) until/m.exec(c.out)?.[1];
    const worker = { alertname: 'E2EAllWorker', severity: 'warning', service: 'signal-generator' };
    const watchdog = { alertname: 'Watchdog', severity: 'info', service: 'observability' };
    await post(worker);
    await post(watchdog);
    expect(
      await until('worker silenced', async () => ((await stateOf(worker))?.state === 'suppressed' ? stateOf(worker) : undefined), 10_000),
    ).toMatchObject({
      silencedBy: [id],
    });
    expect((await stateOf(watchdog))?.state).toBe('active');
    expect(run('alerts-silence', 'expire', id!).status).toBe(0);
  }, 60_000);

  test('fails when a silence has no comment (nothing is created)', async () => {
    const before = ((await (await fetch(`${am}/api/v2/silences`)).json()) as unknown[]).length;
    const r = run('alerts-silence', 'create', '--service', 'backend', '--duration', '1h', '--author', 'e2e');
    expect(r.status).toBe(1);
    expect(r.out).toContain('--comment is required');
    expect(((await (await fetch(`${am}/api/v2/silences`)).json()) as unknown[]).length).toBe(before);
  });
});
