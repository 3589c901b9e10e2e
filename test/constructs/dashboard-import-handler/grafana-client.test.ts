import * as http from 'http';
import { AddressInfo } from 'net';
import { GrafanaApi, GrafanaError } from '../../../lib/constructs/dashboard-import/handler/grafana-client';

/** One loopback route table: "METHOD /path" -> [status, body]; every request is recorded with its headers and body. */
async function serve(routes: Record<string, [number, unknown]>) {
  const seen: { line: string; auth?: string; type?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const line = `${req.method} ${req.url}`;
      seen.push({ line, auth: req.headers.authorization, type: req.headers['content-type'], body });
      const [status, answer] = routes[line] ?? [404, { message: 'Not found' }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(answer === undefined ? '' : JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, seen, stop: () => new Promise((r) => server.close(r)) };
}

const FAST = { retry: { attempts: 3, baseDelayMs: 1 }, timeoutMs: 2000 };

describe('GrafanaApi: Grafana HTTP API client', () => {
  test('sends JSON with the bearer token and returns the parsed answer (trailing slash of the URL tolerated)', async () => {
    const g = await serve({ 'POST /api/folders': [200, { uid: 'f', title: 'F' }] });
    try {
      const out = await new GrafanaApi(g.url, 'tok', FAST).request('POST', '/api/folders', 'folder F', { uid: 'f', title: 'F' });
      expect(out).toEqual({ uid: 'f', title: 'F' });
      expect(g.seen).toEqual([
        { line: 'POST /api/folders', auth: 'Bearer tok', type: 'application/json', body: '{"uid":"f","title":"F"}' },
      ]);
    } finally {
      await g.stop();
    }
  });

  test('a 404 is undefined when allowed, and an empty body is undefined', async () => {
    const g = await serve({ 'DELETE /api/x': [200, undefined] });
    try {
      const api = new GrafanaApi(g.url, 'tok', FAST);
      expect(await api.request('GET', '/api/missing', 'x', undefined, true)).toBeUndefined();
      expect(await api.request('DELETE', '/api/x', 'x')).toBeUndefined();
    } finally {
      await g.stop();
    }
  });

  test('fails with GrafanaError naming what was done, the status and Grafana’s message and status', async () => {
    const g = await serve({ 'POST /api/dashboards/db': [412, { message: 'changed by someone else', status: 'version-mismatch' }] });
    try {
      const failure = new GrafanaApi(g.url, 'tok', FAST).request('POST', '/api/dashboards/db', 'dashboards/a.json', {});
      await expect(failure).rejects.toThrow(GrafanaError);
      await expect(failure).rejects.toThrow('dashboards/a.json: Grafana answered 412: changed by someone else version-mismatch');
    } finally {
      await g.stop();
    }
  });

  test('fails when a 404 is not allowed, with Grafana’s message', async () => {
    const g = await serve({});
    try {
      const api = new GrafanaApi(g.url, 'tok', FAST);
      await expect(api.request('GET', '/api/missing', 'thing')).rejects.toThrow('thing: Grafana answered 404: Not found');
    } finally {
      await g.stop();
    }
  });

  test('GET answered 503 is retried and a POST answered 503 is not', async () => {
    const g = await serve({ 'GET /api/health': [503, { message: 'down' }], 'POST /api/folders': [503, { message: 'down' }] });
    try {
      const api = new GrafanaApi(g.url, 'tok', FAST);
      await expect(api.request('GET', '/api/health', 'health')).rejects.toThrow('health: Grafana answered 503: down');
      await expect(api.request('POST', '/api/folders', 'folder F', {})).rejects.toThrow('folder F: Grafana answered 503: down');
      expect(g.seen.map((s) => s.line)).toEqual(['GET /api/health', 'GET /api/health', 'GET /api/health', 'POST /api/folders']);
    } finally {
      await g.stop();
    }
  });

  test('fails when Grafana does not answer, naming what was being done', async () => {
    const g = await serve({});
    await g.stop();
    await expect(new GrafanaApi(g.url, 'tok', FAST).request('GET', '/api/search', 'dashboard search')).rejects.toThrow(
      /^dashboard search: GET \/api\/search: no answer after 3 attempts/,
    );
  });
});
