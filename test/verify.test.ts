import * as http from 'http';
import type { AddressInfo } from 'net';
import { main, verify } from '../scripts/verify';
import { baseFiles, captureOutput } from './helpers';
import { compile } from '../lib/compile/compile';

const model = compile(baseFiles, 'prod');

/** A Prometheus API on loopback that answers like AMP: every job up, every metric present, every query with data. */
function fakeAmp(options: { missing?: string[]; down?: string[]; absent?: string[] } = {}) {
  const auth: string[] = [];
  const server = http.createServer((req, res) => {
    auth.push(String(req.headers.authorization ?? ''));
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const p = url.pathname.replace(/^\/workspaces\/ws-1/, '');
    if (p === '/api/v1/query') {
      const q = url.searchParams.get('query') ?? '';
      if (q === 'up')
        return json({
          data: {
            result: model.environment.services
              .filter((s) => !options.absent?.includes(s.name))
              .map((s) => ({
                metric: { job: s.name, instance: `10.0.1.7:${s.port}` },
                value: [0, options.down?.includes(s.name) ? '0' : '1'],
              })),
          },
        });
      return json({ data: { result: [{ metric: {}, value: [0, '1'] }] } });
    }
    if (p === '/api/v1/label/__name__/values')
      return json({ data: model.catalog.seriesNames().filter((n) => !options.missing?.includes(n)) });
    if (p === '/api/v1/rules') return json({ data: { groups: model.ruleFiles.flatMap((f) => f.groups.map((g) => ({ name: g.name }))) } });
    if (p === '/alertmanager/api/v2/alerts') return json([]);
    return void res.writeHead(404).end();
  });
  return { server, auth };
}

async function run(options: Parameters<typeof fakeAmp>[0] = {}) {
  const { server, auth } = fakeAmp(options);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workspaces/ws-1`;
  try {
    return { checks: await verify(model, { prometheusUrl: url, sigv4Region: 'eu-west-1' }), auth };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('npm run verify against an AMP-like API with SigV4', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    delete process.env.AWS_PROFILE;
  });
  afterAll(() => {
    process.env = saved;
  });

  test('signs every request and passes every check, Alertmanager included', async () => {
    const { checks, auth } = await run();
    expect(checks.map((c) => [c.name.split(' (')[0], c.ok])).toEqual([
      ['every expected service has an `up` series', true],
      ['every expected service is up', true],
      ['every catalog metric exists', true],
      ['every dashboard query returns data', true],
      ['every rule group is loaded', true],
      ['Alertmanager answers', true],
    ]);
    expect(auth.length).toBeGreaterThan(10);
    expect(auth.every((a) => a.startsWith('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/') && a.includes('/eu-west-1/aps/aws4_request'))).toBe(
      true,
    );
  });

  test('fails when a job is down or a catalog metric is missing, naming them', async () => {
    const { checks } = await run({ down: ['celery-worker'], missing: ['pipeline_cache_size'] });
    expect(checks.find((c) => c.name.startsWith('every expected service is up'))).toMatchObject({
      ok: false,
      detail: 'up == 0: celery-worker (10.0.1.7:8001)',
    });
    expect(checks.find((c) => c.name.startsWith('every expected service has'))).toMatchObject({ ok: true });
    expect(checks.find((c) => c.name.startsWith('every catalog metric'))).toMatchObject({
      ok: false,
      detail: 'missing: pipeline_cache_size',
    });
  });

  test('accepts the absence of metrics recorded only after a failure (a healthy collector), and nothing else', async () => {
    const afterFailure = model.catalog.metrics.filter((m) => m.presence === 'after-failure').map((m) => m.name);
    expect(afterFailure).toEqual(
      expect.arrayContaining(['otelcol_exporter_send_failed_metric_points_total', 'otelcol_exporter_enqueue_failed_metric_points_total']),
    );
    const healthy = await run({ missing: afterFailure });
    expect(healthy.checks.find((c) => c.name.startsWith('every catalog metric'))).toMatchObject({ ok: true });
    const broken = await run({ missing: [...afterFailure, 'otelcol_exporter_queue_size'] });
    expect(broken.checks.find((c) => c.name.startsWith('every catalog metric'))).toMatchObject({
      ok: false,
      detail: 'missing: otelcol_exporter_queue_size',
    });
  });
  test('fails when a service has no up series at all, naming it apart from those that are down', async () => {
    const { checks } = await run({ absent: ['backend', 'signal-generator'], down: ['celery-worker'] });
    expect(checks.find((c) => c.name.startsWith('every expected service has'))).toMatchObject({
      ok: false,
      detail: 'no up series (never scraped): backend, signal-generator',
    });
    expect(checks.find((c) => c.name.startsWith('every expected service is up'))).toMatchObject({
      ok: false,
      detail: 'up == 0: celery-worker (10.0.1.7:8001)',
    });
  });

  /** Serves the fake AMP on loopback while `fn` runs against its workspace URL. */
  async function withFakeAmp<T>(options: Parameters<typeof fakeAmp>[0], fn: (url: string) => Promise<T>): Promise<T> {
    const { server } = fakeAmp(options);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/workspaces/ws-1`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  /** scripts/verify.ts's `main` (what `npm run verify` exits with) in-process: its exit code and what it printed. */
  async function verifyCommand(options: Parameters<typeof fakeAmp>[0]) {
    const { result: code, stdout } = await captureOutput(() =>
      withFakeAmp(options, (url) => main(['--prometheus', url, '--sigv4', 'eu-west-1', '--env', 'prod'])),
    );
    return { code, stdout };
  }

  // The command's exit code and report. Which checks fail, and how they read, is tested above; the entry
  // point's own parsing and exit (a usage error exits 2) in test/cli-args.test.ts.
  test('npm run verify -- --sigv4 returns 1 when a service has no up series and another is down, printing both', async () => {
    const { code, stdout } = await verifyCommand({ absent: ['backend'], down: ['celery-worker'] });
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL {2}every expected service has[^\n]*\n\s+no up series \(never scraped\): backend/);
    expect(stdout).toMatch(/FAIL {2}every expected service is up[^\n]*\n\s+up == 0: celery-worker/);
    expect(stdout).toMatch(/\nverify: 4 passed, 2 failed\n$/);
  });

  test('npm run verify -- --sigv4 returns zero when nothing is wrong', async () => {
    const { code, stdout } = await verifyCommand({});
    expect(code).toBe(0);
    expect(stdout).toMatch(/\nverify: 6 passed, 0 failed\n$/);
    expect(stdout).not.toContain('FAIL');
  });
});

/**
 * Jaeger's query API as jaegertracing/jaeger v2.12.0 answers it (module v1.75.0, cmd/query/app/http_handler.go):
 * /api/services, and /api/traces for one service between `start` and `end` in unix microseconds. Each service's
 * traces were last seen at `lastSeenMs`; one never seen is absent from /api/services.
 */
function fakeJaeger(lastSeenMs: Record<string, number>) {
  const queries: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/api/services') return json({ data: Object.keys(lastSeenMs), total: Object.keys(lastSeenMs).length });
    if (url.pathname === '/api/traces') {
      queries.push(url.searchParams);
      const at = lastSeenMs[url.searchParams.get('service') ?? ''] * 1000;
      // Without `start`, Jaeger searches its default lookback: a check that sends none would find old traces.
      const start = Number(url.searchParams.get('start') ?? 0);
      const end = Number(url.searchParams.get('end') ?? Number.MAX_SAFE_INTEGER);
      return json({ data: at >= start && at <= end ? [{ traceID: 'a', spans: [], processes: {} }] : [] });
    }
    return void res.writeHead(404).end();
  });
  return { server, queries };
}

describe('npm run verify -- --jaeger: every service has recent traces', () => {
  const local = compile(baseFiles, 'local');
  const services = local.environment.services.map((s) => s.name);

  async function jaegerCheck(lastSeenMs: Record<string, number>) {
    const { server, queries } = fakeJaeger(lastSeenMs);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const jaegerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // No Prometheus answers here: only the Jaeger check is looked at.
      const checks = await verify(local, { prometheusUrl: 'http://127.0.0.1:1', jaegerUrl, attempts: 1 });
      return { check: checks.find((c) => c.name.includes('Jaeger')), queries };
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  test('passes when every service has a trace from the last 5 minutes, asking with start and end in microseconds', async () => {
    const now = Date.now();
    const { check, queries } = await jaegerCheck(Object.fromEntries(services.map((s) => [s, now - 60_000])));
    expect(check).toMatchObject({ ok: true, name: 'every service has traces in Jaeger from the last 5 min (7, Jaeger locally)' });
    expect(queries.map((q) => q.get('service')).sort()).toEqual([...services].sort());
    const start = Number(queries[0].get('start'));
    expect(Math.abs(start - (now - 5 * 60_000) * 1000)).toBeLessThan(5_000_000);
  });

  test('fails naming the service Jaeger never saw and the one whose traces are older than the lookback', async () => {
    const now = Date.now();
    const seen = Object.fromEntries(services.filter((s) => s !== 'celery-worker').map((s) => [s, now - 1000]));
    seen['trigger-dispatcher'] = now - 20 * 60_000;
    const { check } = await jaegerCheck(seen);
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(
      /^no recent traces: celery-worker \(never seen by Jaeger\), trigger-dispatcher \(none since \d{4}-\d\d-\d\dT[\d:.]+Z\)$/,
    );
  });

  test('without --jaeger, traces are not checked (AWS environments, X-Ray)', async () => {
    const checks = await verify(local, { prometheusUrl: 'http://127.0.0.1:1', attempts: 1 });
    expect(checks.filter((c) => c.name.includes('Jaeger'))).toEqual([]);
  });
});
