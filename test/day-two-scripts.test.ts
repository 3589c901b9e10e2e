import * as http from 'http';
import { AlertmanagerApi } from '../scripts/alertmanager-api';
import { ampRegion } from '../scripts/aws-http';
import { buildSilence, mutesWatchdog, parseDuration } from '../scripts/alerts-silence';
import { planTests, seconds } from '../scripts/alerts-test';
import { environmentOf, modelOf } from './helpers';

const routing = modelOf().routing;
const now = new Date('2026-11-25T10:00:00Z');
const local = environmentOf('local');

describe('alerts:silence', () => {
  test('a service silence matches the service and never the Watchdog', () => {
    const s = buildSilence(local, { service: 'backend', hours: 2, comment: 'deploy 1.4.2', author: 'alice', now });
    expect(s).toEqual({
      matchers: [
        { name: 'service', value: 'backend', isRegex: false, isEqual: true },
        { name: 'alertname', value: 'Watchdog', isRegex: false, isEqual: false },
      ],
      startsAt: '2026-11-25T10:00:00.000Z',
      endsAt: '2026-11-25T12:00:00.000Z',
      createdBy: 'alice',
      comment: 'deploy 1.4.2',
    });
    expect(mutesWatchdog(s)).toBe(false);
  });

  test('--all silences every alert but the Watchdog, with a matcher that does not match the empty string', () => {
    const s = buildSilence(local, { hours: 1, comment: 'maintenance window', author: 'bob', now });
    expect(s.matchers).toEqual([
      { name: 'alertname', value: '.+', isRegex: true, isEqual: true },
      { name: 'alertname', value: 'Watchdog', isRegex: false, isEqual: false },
    ]);
    expect(mutesWatchdog(s)).toBe(false);
    expect(mutesWatchdog({ matchers: [{ name: 'service', value: 'backend', isRegex: false, isEqual: true }] })).toBe(true);
  });

  test('fails when the comment or author is missing, or the service is unknown', () => {
    expect(() => buildSilence(local, { service: 'backend', hours: 1, comment: ' ', author: 'a', now })).toThrow('--comment is required');
    expect(() => buildSilence(local, { service: 'backend', hours: 1, comment: 'x', author: '', now })).toThrow('--author is required');
    expect(() => buildSilence(local, { service: 'frontend', hours: 1, comment: 'x', author: 'a', now })).toThrow(
      'alerts:silence: --service "frontend" is not a service of local; use one of backend, celery-worker, signal-generator, trigger-dispatcher, or --all',
    );
  });

  test('durations in minutes, hours or days, at most a week', () => {
    expect([parseDuration('90m'), parseDuration('2h'), parseDuration('1d')]).toEqual([1.5, 2, 24]);
    expect(() => parseDuration('2 hours')).toThrow('--duration must be like 30m, 2h or 1d (got "2 hours")');
    expect(() => parseDuration('0h')).toThrow('--duration must be like');
    expect(() => parseDuration('8d')).toThrow('longer than 7 days');
  });
});

describe('alerts:test', () => {
  test('one alert per receiver, clearly labelled, ending after --minutes', () => {
    const tests = planTests(local, routing, { minutes: 10, now, author: 'alice' });
    expect(tests.map((t) => t.receiver)).toEqual(routing.receivers);
    for (const t of tests) {
      expect(t.alert.labels).toEqual(t.labels);
      expect(t.alert.annotations?.summary).toMatch(/^TEST of the ".+" alert destinations \(no action needed\)$/);
      expect(t.alert.endsAt).toBe('2026-11-25T10:10:00.000Z');
    }
  });

  test('--receiver sends only that receiver', () => {
    expect(planTests(local, routing, { receiver: 'info', minutes: 10, now, author: 'a' }).map((t) => t.receiver)).toEqual(['info']);
  });

  test('fails when the receiver is unknown', () => {
    expect(() => planTests(local, routing, { receiver: 'pager', minutes: 10, now, author: 'a' })).toThrow(
      'alerts:test: no receiver "pager" in alerts/alertmanager.yaml; receivers are critical, warning, info, watchdog',
    );
  });

  test("fails when the alert would end before its route's group_wait (it would never be notified)", () => {
    expect(seconds('1m')).toBe(60);
    expect(seconds('1h30m')).toBe(5400);
    expect(() => planTests(local, routing, { receiver: 'info', minutes: 1, now, author: 'a' })).toThrow(
      '--minutes 1 ends the "info" test alert before its route\'s group_wait (1m) has passed',
    );
  });
});

describe('Alertmanager API client', () => {
  const requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        // AMP answers CreateAlertManagerAlerts with an empty body; PutAlertManagerSilences with {"silenceID"}.
        if (req.url!.endsWith('/silences') && req.method === 'POST')
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"silenceID":"s-1"}');
        else if (req.url!.endsWith('/silences')) res.writeHead(200).end('[]');
        else res.writeHead(200, { 'content-length': '0' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/workspaces/ws-1/alertmanager`;
  });
  afterAll(() => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    return new Promise<void>((r) => server.close(() => r()));
  });

  test('signs every call with SigV4 for the aps service when a region is given, body included', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    const api = new AlertmanagerApi(base, 'eu-west-1');
    await api.postAlerts([{ labels: { alertname: 'X' } }]);
    expect(await api.createSilence({ matchers: [], startsAt: 'a', endsAt: 'b', createdBy: 'c', comment: 'd' })).toBe('s-1');
    await api.listSilences();
    await api.expireSilence('s-1');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /workspaces/ws-1/alertmanager/api/v2/alerts',
      'POST /workspaces/ws-1/alertmanager/api/v2/silences',
      'GET /workspaces/ws-1/alertmanager/api/v2/silences',
      'DELETE /workspaces/ws-1/alertmanager/api/v2/silence/s-1',
    ]);
    for (const r of requests)
      expect(r.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=.*host/,
      );
    expect(JSON.parse(requests[0].body)).toEqual([{ labels: { alertname: 'X' } }]);
  });

  test('AMP URLs are signed in their own region; other URLs are not signed', () => {
    expect(ampRegion('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/alertmanager')).toBe('eu-west-1');
    expect(ampRegion('http://127.0.0.1:9093')).toBeUndefined();
    expect(AlertmanagerApi.isAmp('http://127.0.0.1:9093')).toBe(false);
  });
});
