import * as http from 'http';
import { AddressInfo } from 'net';
import { HttpMethod, HttpRequestError, IDEMPOTENT_METHODS, sendHttp } from '../../lib/http/http-client';

/**
 * A loopback server answering from a script: each request takes the next
 * answer (a status, 'hang' for none at all, 'stall' for headers and no body
 * end); the last one repeats.
 */
class ScriptedServer {
  readonly seen: string[] = [];
  private server?: http.Server;
  private readonly hanging: http.ServerResponse[] = [];
  constructor(private readonly answers: (number | 'hang' | 'stall')[]) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.seen.push(req.method!);
        const answer = this.answers[Math.min(this.seen.length - 1, this.answers.length - 1)];
        if (answer === 'hang') return void this.hanging.push(res);
        if (answer === 'stall') {
          // Headers and the start of a body, then nothing.
          res.writeHead(200, { 'content-type': 'application/json' }).write('{"partial":');
          return void this.hanging.push(res);
        }
        res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ attempt: this.seen.length }));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/x`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

const FAST = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

describe('sendHttp: timeouts on every request, retries only for idempotent methods', () => {
  let server: ScriptedServer | undefined;
  afterEach(() => server?.stop());

  test('idempotent methods are exactly those of RFC 9110 9.2.2 in use here; POST and PATCH are not', () => {
    expect([...IDEMPOTENT_METHODS].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT']);
  });

  test.each(['GET', 'PUT', 'DELETE'] as HttpMethod[])('%s answered 503, 429, then 200 is retried until the 200', async (method) => {
    server = new ScriptedServer([503, 429, 200]);
    const url = await server.start();
    const retries: number[] = [];
    const res = await sendHttp({ method, url, retry: FAST, onRetry: ({ attempt }) => retries.push(attempt) });
    expect(res).toMatchObject({ status: 200, ok: true });
    expect(JSON.parse(res.text)).toEqual({ attempt: 3 });
    expect(server.seen).toEqual([method, method, method]);
    expect(retries).toEqual([2, 3]);
  });

  test('a POST answered 503 is sent once, and its answer returned', async () => {
    server = new ScriptedServer([503, 200]);
    const url = await server.start();
    const res = await sendHttp({ method: 'POST', url, body: '{}', retry: FAST });
    expect(res.status).toBe(503);
    expect(server.seen).toEqual(['POST']);
  });

  test('a 4xx other than 429 is final, even for a GET', async () => {
    server = new ScriptedServer([404, 200]);
    const url = await server.start();
    expect((await sendHttp({ method: 'GET', url, retry: FAST })).status).toBe(404);
    expect(server.seen).toHaveLength(1);
  });

  test('a GET still failing after its attempts returns the last answer, without a retry notice after the last', async () => {
    server = new ScriptedServer([502]);
    const url = await server.start();
    const retries: number[] = [];
    const res = await sendHttp({ method: 'GET', url, retry: FAST, onRetry: ({ attempt }) => retries.push(attempt) });
    expect(res.status).toBe(502);
    expect(server.seen).toHaveLength(4);
    expect(retries).toEqual([2, 3, 4]);
  });

  test('fails when a GET gets no answer within its timeout on any attempt, naming the attempts', async () => {
    server = new ScriptedServer(['hang']);
    const url = await server.start();
    const started = Date.now();
    const failure = sendHttp({ method: 'GET', url, timeoutMs: 100, retry: { attempts: 2, baseDelayMs: 1 } });
    await expect(failure).rejects.toThrow(HttpRequestError);
    await expect(failure).rejects.toThrow(/GET \/api\/x: no answer after 2 attempts \(TimeoutError/);
    expect(server.seen).toHaveLength(2);
    // Two 100 ms attempts, not the default 30 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('fails when an answer starts but its body never ends: the timeout covers reading the body', async () => {
    server = new ScriptedServer(['stall']);
    const url = await server.start();
    await expect(sendHttp({ method: 'GET', url, timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 1 } })).rejects.toThrow(
      /GET \/api\/x: no answer after 2 attempts \((TimeoutError|AbortError)/,
    );
    expect(server.seen).toHaveLength(2);
  });

  test('a timed-out attempt of a GET is retried, and a later answer wins', async () => {
    server = new ScriptedServer(['hang', 200]);
    const url = await server.start();
    const res = await sendHttp({ method: 'GET', url, timeoutMs: 100, retry: FAST });
    expect(res.status).toBe(200);
    expect(server.seen).toHaveLength(2);
  });

  test('fails when a POST gets no answer in time, after one attempt', async () => {
    server = new ScriptedServer(['hang', 200]);
    const url = await server.start();
    await expect(sendHttp({ method: 'POST', url, body: '{}', timeoutMs: 100, retry: FAST })).rejects.toThrow(
      'POST /api/x: no answer after 1 attempt (TimeoutError',
    );
    expect(server.seen).toEqual(['POST']);
  });

  test('fails when nothing listens: a refused connection is retried for a GET, then reported', async () => {
    server = new ScriptedServer([200]);
    const url = await server.start();
    await server.stop();
    await expect(sendHttp({ method: 'GET', url, timeoutMs: 1000, retry: { attempts: 2, baseDelayMs: 1 } })).rejects.toThrow(
      /no answer after 2 attempts/,
    );
  });
});
