/**
 * The local alert receiver: Alertmanager's webhook posts to /<receiver>;
 * each notification is printed as one line (docker compose logs alert-sink).
 */
import * as http from 'http';

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 9099);
http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const n = JSON.parse(body) as { status: string; alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };
        for (const a of n.alerts) {
          console.log(
            `${req.url?.slice(1)}: [${n.status.toUpperCase()}] ${a.labels.alertname} (${a.labels.severity}, ${a.labels.service}) ${a.annotations.summary ?? ''}`,
          );
        }
      } catch {
        console.log(`${req.url}: ${body.slice(0, 200)}`);
      }
      res.writeHead(200).end('ok');
    });
  })
  .listen(port, '0.0.0.0', () => console.log(`alert sink on :${port}`));
