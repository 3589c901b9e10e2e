import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { SNSEvent } from 'aws-lambda';
import { handler, resetCache } from '../../lib/constructs/slack-notifier/handler';

describe('Slack notifier when the webhook does not answer', () => {
  const sm = mockClient(SecretsManagerClient);
  let server: http.Server;
  let posts = 0;
  let url = '';
  beforeAll(async () => {
    // Every connection is cut before an answer: the request fails at once, as a network failure.
    server = http.createServer((req) => {
      posts++;
      req.socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret-path`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('fails when Slack does not answer, after one POST, without the URL in the error', async () => {
    resetCache();
    process.env.WEBHOOK_SECRET_ID = 'trading-observability/prod/slack-webhook';
    sm.on(GetSecretValueCommand).resolves({ SecretString: url.replace('http:', 'https:') });
    const realFetch = global.fetch;
    global.fetch = ((u: string, init: RequestInit) => realFetch(u.replace('https:', 'http:'), init)) as typeof fetch;
    let error: unknown;
    try {
      await handler({ Records: [{ Sns: { Message: 'hello', Subject: 'x' } }] } as unknown as SNSEvent);
    } catch (e) {
      error = e;
    } finally {
      global.fetch = realFetch;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Slack did not answer (no connection, or no answer within 10 s)');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).stack)).not.toContain('secret-path');
    expect((error as Error).cause).toBeUndefined();
    expect(posts).toBe(1);
  });
});
