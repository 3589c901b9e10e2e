import * as http from 'http';
import * as net from 'net';
import { sendHttp } from '../../lib/http/http-client';
import { SERVICES } from '../../scripts/bench/native-stack';

/**
 * A remote-write target the end-to-end tests control, between the real
 * collector and the real Prometheus: it forwards (`pass`), answers 429
 * (`mode = '429'`), or is not there at all (`down`: no listener, every open
 * connection dropped, so each push fails at once with connection refused).
 */
export class RemoteWriteProxy {
  mode: 'pass' | '429' = 'pass';
  /** The port it listens on; kept across `down`/`up`, so the collector's URL stays valid. */
  port = 0;
  /** Requests answered in each mode. */
  readonly answered = { pass: 0, '429': 0 };
  private server?: http.Server;
  private readonly sockets = new Set<net.Socket>();

  /** @param target the port of the Prometheus it forwards to */
  constructor(private readonly target: () => number) {}

  /** Listens (on its earlier port, once it has one) in `mode`. */
  async up(mode: 'pass' | '429' = 'pass'): Promise<void> {
    this.mode = mode;
    const server = http.createServer((req, res) => {
      if (this.mode === '429') {
        req.resume();
        this.answered['429']++;
        res.writeHead(429, { 'retry-after': '1' }).end('throttled by the test');
        return;
      }
      this.answered.pass++;
      const up = http.request({ host: '127.0.0.1', port: this.target(), path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      req.pipe(up);
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** No listener, every open connection dropped; nothing to do when it is down already. */
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * Every scraped series of the services (not rules' outputs, which carry `job`
 * too, nor OTLP pushes, which have no loopback `instance`) over the `range`
 * seconds up to `to`, from Prometheus' query API: each series' sample times.
 */
export async function scrapedSamples(prometheusPort: number, range: number, to: number): Promise<Map<string, number[]>> {
  const q = `{job=~"${SERVICES.join('|')}", instance=~"127.0.0.1:[0-9]+"}[${range}s]`;
  const r = await sendHttp({
    method: 'GET',
    url: `http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(q)}&time=${to}`,
    timeoutMs: 30_000,
    retry: { attempts: 1 },
  });
  const result = (JSON.parse(r.text) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } }).data.result;
  return new Map(result.map((s) => [JSON.stringify(s.metric), s.values.map((v) => v[0])]));
}
