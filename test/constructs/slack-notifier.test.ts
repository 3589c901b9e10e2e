import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { SNSEvent } from 'aws-lambda';
import { handler, parseNotification, resetCache, toSlackMessage } from '../../lib/constructs/slack-notifier/handler';

const MESSAGE = [
  'Alert: KafkaPublishFailures',
  'Status: firing',
  'Severity: critical',
  'Service: signal-generator',
  'Summary: Kafka publishes are failing',
  'Description: 10% of Kafka publishes fail',
  'Runbook: https://example.com/runbooks.md#kafkapublishfailures',
  'Dashboard: https://grafana.example.com/d/trading-platform-overview',
  'Started: 2026-11-24 10:00:00 +0000 UTC',
  '',
  'Alert: PipelineCacheEmpty',
  'Status: resolved',
  'Severity: warning',
  'Service: trigger-dispatcher',
  'Summary: cache empty',
  'Description: 0 pipelines cached',
  'Runbook: ',
  'Dashboard: ',
  '',
].join('\n');

const event = (message: string, subject = '[FIRING:1] KafkaPublishFailures (critical, signal-generator)'): SNSEvent =>
  ({ Records: [{ Sns: { Message: message, Subject: subject } }] }) as unknown as SNSEvent;

describe('Slack notifier', () => {
  const sm = mockClient(SecretsManagerClient);
  let server: http.Server;
  let received: { status: number; body: unknown }[] = [];
  let answer = 200;
  let url = '';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ status: answer, body: JSON.parse(body) });
        res.writeHead(answer).end(answer === 200 ? 'ok' : 'invalid_payload');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    sm.reset();
    resetCache();
    received = [];
    answer = 200;
    process.env.WEBHOOK_SECRET_ID = 'trading-observability/prod/slack-webhook';
  });

  test('parses one block per alert', () => {
    const alerts = parseNotification(MESSAGE);
    expect(alerts.map((a) => [a.alert, a.status, a.severity, a.service])).toEqual([
      ['KafkaPublishFailures', 'firing', 'critical', 'signal-generator'],
      ['PipelineCacheEmpty', 'resolved', 'warning', 'trigger-dispatcher'],
    ]);
  });

  test('a Slack message shows name, severity, state, summary, service and links', () => {
    const msg = JSON.stringify(toSlackMessage('subject', parseNotification(MESSAGE)));
    expect(msg).toContain('KafkaPublishFailures (critical)');
    expect(msg).toContain('FIRING');
    expect(msg).toContain('RESOLVED');
    expect(msg).toContain('service `signal-generator`');
    expect(msg).toContain('<https://example.com/runbooks.md#kafkapublishfailures|Runbook>');
    expect(msg).toContain('<https://grafana.example.com/d/trading-platform-overview|Dashboard>');
  });

  test('posts to the webhook read from Secrets Manager, reading the secret once', async () => {
    // https in production; the loopback server is plain http, so the secret is a test one.
    sm.on(GetSecretValueCommand, { SecretId: 'trading-observability/prod/slack-webhook' }).resolves({
      SecretString: JSON.stringify({ url: url.replace('http:', 'https:') }),
    });
    // The handler refuses non-https URLs; point fetch at the loopback server.
    const realFetch = global.fetch;
    global.fetch = ((u: string, init: RequestInit) => realFetch(u.replace('https:', 'http:'), init)) as typeof fetch;
    try {
      await expect(handler(event(MESSAGE))).resolves.toEqual({ posted: 1 });
      await expect(handler(event(MESSAGE))).resolves.toEqual({ posted: 1 });
    } finally {
      global.fetch = realFetch;
    }
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(received).toHaveLength(2);
    expect(JSON.stringify(received[0].body)).toContain('Kafka publishes are failing');
  });

  test('fails when Slack refuses the message, without logging the URL', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: url.replace('http:', 'https:') });
    const realFetch = global.fetch;
    global.fetch = ((u: string, init: RequestInit) => realFetch(u.replace('https:', 'http:'), init)) as typeof fetch;
    answer = 400;
    try {
      const error = await handler(event(MESSAGE)).catch((e: Error) => e);
      expect(String(error)).toBe('Error: Slack answered 400: invalid_payload');
      expect(String(error)).not.toContain('127.0.0.1');
    } finally {
      global.fetch = realFetch;
    }
  });

  test('fails when the secret holds no https URL', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: 'http://plain' }) });
    await expect(handler(event(MESSAGE))).rejects.toThrow('holds no https webhook URL');
    expect(received).toHaveLength(0);
  });
});
