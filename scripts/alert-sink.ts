/**
 * The local alert receiver: Alertmanager's webhook posts to /<receiver>;
 * each notification is printed as one line (docker compose logs alert-sink).
 * A GET answers 200 without printing (the container's healthcheck).
 *
 * Runs from source (`node --import tsx scripts/alert-sink.ts`) or, in the
 * local bundle, as plain JavaScript (`node alert-sink.js --port 9099`).
 */
import * as http from 'http';
import { parseCli } from './cli-args';

interface Notification {
  status: string;
  alerts: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

export function alertSink(log: (line: string) => void = console.log): http.Server {
  return http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200).end('ok');
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const n = JSON.parse(body) as Notification;
        for (const a of n.alerts) {
          log(
            `${req.url?.slice(1)}: [${n.status.toUpperCase()}] ${a.labels.alertname} (${a.labels.severity}, ${a.labels.service}) ${a.annotations.summary ?? ''}`,
          );
        }
      } catch {
        log(`${req.url}: ${body.slice(0, 200)}`);
      }
      res.writeHead(200).end('ok');
    });
  });
}

let started = false;
export function main(argv: string[] = process.argv.slice(2)): void {
  if (started) return;
  started = true;
  const { values } = parseCli('alert-sink', 'usage: alert-sink [--port 9099] [--host 0.0.0.0]', {
    args: argv,
    options: { port: { type: 'string', default: '9099' }, host: { type: 'string', default: '0.0.0.0' } },
  });
  const port = Number(values.port);
  const host = values.host;
  alertSink().listen(port, host, () => console.log(`alert sink on ${host}:${port}`));
}

if (require.main === module) main();
