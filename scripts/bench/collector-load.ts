/**
 * `npm run bench -- --collector-load`: the real collector on the local configuration (remote write to a sink that
 * answers 204 at once), OTLP/HTTP metric pushes at rising rates for 20 s each; per step the collector's CPU (from
 * /proc/<pid>/stat, percent of one core), its RSS and the OTLP receiver's accepted and refused points per second.
 * What docs/scaling.md's choice of CPU as the collector's scaling signal rests on.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { compile } from '../../lib/compile/compile';
import { readProject } from '../../lib/io/read-project';
import { renderCollectorConfig } from '../../lib/render/collector-config';
import { collectorFlags } from '../../lib/render/collector-image';
import { realTool } from '../real-tools';

const CLK = 100;
const free = () =>
  new Promise<number>((r) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}
function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** The listeners of the rendered configuration this bench moves to loopback ports. */
interface Listeners {
  extensions: { health_check: { endpoint: string } };
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
  service: { telemetry: { metrics: { readers: { pull: { exporter: { prometheus: { host: string; port: number } } } }[] } } };
}

export async function collectorLoadBench(root: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collector-load-'));
  let writes = 0;
  const codes: Record<number, number> = {};
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      writes++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const sinkPort = (sink.address() as net.AddressInfo).port;
  const [health, grpc, httpPort, self, jaeger] = await Promise.all([free(), free(), free(), free(), free()]);
  const model = compile(readProject(root), 'local');
  const cfg = renderCollectorConfig(
    { environment: model.environment, catalog: model.catalog },
    {
      prometheusRemoteWriteUrl: `http://127.0.0.1:${sinkPort}/api/v1/write`,
      jaegerEndpoint: `127.0.0.1:${jaeger}`,
      selfMetricsTarget: `127.0.0.1:${self}`,
      staticTargets: Object.fromEntries(model.environment.services.map((s) => [s.name, '127.0.0.1:9'])),
      containerLogs: path.join(dir, 'none', '*.log'),
    },
  );
  // Loopback ports instead of the container's (the only changes to the rendered configuration).
  const edit = cfg as unknown as Listeners;
  edit.extensions.health_check.endpoint = `127.0.0.1:${health}`;
  edit.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${grpc}`;
  edit.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${httpPort}`;
  edit.service.telemetry.metrics.readers[0].pull.exporter.prometheus = { host: '127.0.0.1', port: self };
  const file = path.join(dir, 'collector.yaml');
  fs.writeFileSync(file, stringify(cfg));
  const p = spawn(realTool('otelcol-adot'), [`--config=file:${file}`, ...collectorFlags()], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr.on('data', (d) => (log += d));
  await sleep(4000);
  const points = async (): Promise<{ accepted: number; refused: number }> => {
    const text = await new Promise<string>((r) =>
      http.get(`http://127.0.0.1:${self}/metrics`, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => r(b));
      }),
    );
    const sum = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(name) && l.includes('receiver="otlp"'))
        .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    return { accepted: sum('otelcol_receiver_accepted_metric_points{'), refused: sum('otelcol_receiver_refused_metric_points{') };
  };
  // One request: `series` gauge points of one service, one resource per sender (service.instance.id).
  const body = (series: number, t: number, inst: number) =>
    JSON.stringify({
      resourceMetrics: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'backend' } },
              { key: 'service.instance.id', value: { stringValue: `task-${inst}` } },
            ],
          },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'system_active_pipelines',
                  gauge: {
                    dataPoints: Array.from({ length: series }, (_, i) => ({
                      asDouble: i,
                      timeUnixNano: String(t * 1e6),
                      attributes: [{ key: 'k', value: { stringValue: `v${i}` } }],
                    })),
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const post = (data: string) =>
    new Promise<void>((r) => {
      const req = http.request(
        { host: '127.0.0.1', port: httpPort, path: '/v1/metrics', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          codes[res.statusCode!] = (codes[res.statusCode!] ?? 0) + 1;
          res.resume();
          res.on('end', () => r());
        },
      );
      req.on('error', () => r());
      req.end(data);
    });
  console.log('rate (points/s) | collector CPU % of one core | RSS MiB | accepted/s | refused/s');
  for (const rate of [5_000, 20_000, 50_000, 100_000, 200_000]) {
    const perReq = 1000;
    const reqPerSec = rate / perReq;
    const seconds = 20;
    const c0 = cpuTicks(p.pid!);
    const a0 = await points();
    const t0 = Date.now();
    let sent = 0;
    while (Date.now() - t0 < seconds * 1000) {
      const tick = Date.now();
      await Promise.all(Array.from({ length: reqPerSec }, (_, i) => post(body(perReq, Date.now(), (sent + i) % 50))));
      sent += reqPerSec;
      const wait = 1000 - (Date.now() - tick);
      if (wait > 0) await sleep(wait);
    }
    const secs = (Date.now() - t0) / 1000;
    const c1 = cpuTicks(p.pid!);
    const a1 = await points();
    console.log(
      `${rate} | ${(((c1 - c0) / CLK / secs) * 100).toFixed(0)} | ${rss(p.pid!).toFixed(0)} | ${((a1.accepted - a0.accepted) / secs).toFixed(0)} | ${((a1.refused - a0.refused) / secs).toFixed(0)}`,
    );
  }
  console.log(`remote writes answered: ${writes}; OTLP answers by status: ${JSON.stringify(codes)}`);
  p.kill('SIGTERM');
  sink.close();
  agent.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
  const errors = log.split('\n').filter((l) => /\t(error|panic)\t/.test(l));
  if (errors.length > 0) console.log(errors.slice(0, 5).join('\n'));
}
