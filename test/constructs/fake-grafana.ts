import * as http from 'http';
import type { AddressInfo } from 'net';

interface StoredDashboard {
  dashboard: Record<string, any>;
  folderUid: string;
  version: number;
}

/**
 * A Grafana HTTP API on loopback, implementing the endpoints the importer
 * calls with Grafana's status codes. `failNext` queues forced answers
 * (429, 5xx, 412, 400...) for a method and path prefix.
 */
export class FakeGrafana {
  readonly dataSources = new Map<string, Record<string, any>>();
  readonly folders = new Map<string, { uid: string; title: string }>();
  readonly dashboards = new Map<string, StoredDashboard>();
  readonly log: string[] = [];
  readonly tokensSeen = new Set<string>();
  private forced: { method: string; path: string; status: number; body: unknown }[] = [];
  private server?: http.Server;
  url = '';

  constructor(private readonly token: string) {}

  failNext(method: string, path: string, status: number, body: unknown = { message: `forced ${status}` }, times = 1): void {
    for (let i = 0; i < times; i++) this.forced.push({ method, path, status, body });
  }

  /** A dashboard someone made by hand in the UI. */
  addForeignDashboard(uid: string): void {
    this.dashboards.set(uid, { dashboard: { uid, title: `Hand-made ${uid}`, tags: [] }, folderUid: '', version: 1 });
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const [status, body] = this.handle(
          req.method ?? 'GET',
          req.url ?? '/',
          req.headers.authorization,
          raw ? JSON.parse(raw) : undefined,
        );
        res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()) ?? r());
  }

  /** Requests that changed something. */
  writes(): string[] {
    return this.log.filter((l) => !l.startsWith('GET '));
  }

  private handle(method: string, url: string, auth: string | undefined, body: any): [number, unknown] {
    const path = url.split('?')[0];
    this.log.push(`${method} ${path}`);
    if (auth !== `Bearer ${this.token}`) return [401, { message: 'invalid API key' }];
    this.tokensSeen.add(auth);
    const i = this.forced.findIndex((f) => f.method === method && path.startsWith(f.path));
    if (i >= 0) {
      const [f] = this.forced.splice(i, 1);
      return [f.status, f.body];
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path))) {
      const uid = m[1];
      if (method === 'GET')
        return this.dataSources.has(uid) ? [200, { id: 1, ...this.dataSources.get(uid) }] : [404, { message: 'Data source not found' }];
      if (method === 'PUT') return this.dataSources.set(uid, body) && [200, { message: 'Datasource updated' }];
      if (method === 'DELETE')
        return this.dataSources.delete(uid) ? [200, { message: 'deleted' }] : [404, { message: 'Data source not found' }];
    }
    if (path === '/api/datasources' && method === 'POST') {
      if (this.dataSources.has(body.uid)) return [409, { message: 'data source with the same uid already exists' }];
      this.dataSources.set(body.uid, body);
      return [200, { message: 'Datasource added' }];
    }
    if (path === '/api/folders' && method === 'GET') return [200, [...this.folders.values()]];
    if (path === '/api/folders' && method === 'POST') {
      this.folders.set(body.uid, { uid: body.uid, title: body.title });
      return [200, body];
    }
    if ((m = /^\/api\/folders\/([^/]+)$/.exec(path))) {
      if (method === 'GET') return this.folders.has(m[1]) ? [200, this.folders.get(m[1])] : [404, { message: 'folder not found' }];
      if (method === 'DELETE') return this.folders.delete(m[1]) ? [200, {}] : [404, { message: 'folder not found' }];
    }
    if (path === '/api/dashboards/db' && method === 'POST') {
      const uid = body.dashboard.uid as string;
      const current = this.dashboards.get(uid);
      if (current && !body.overwrite)
        return [412, { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' }];
      if (body.folderUid && !this.folders.has(body.folderUid)) return [400, { message: 'folder not found' }];
      const version = (current?.version ?? 0) + 1;
      this.dashboards.set(uid, { dashboard: { ...body.dashboard, id: 7, version }, folderUid: body.folderUid ?? '', version });
      return [200, { uid, status: 'success', version }];
    }
    if ((m = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(path))) {
      const d = this.dashboards.get(m[1]);
      if (method === 'GET')
        return d
          ? [
              200,
              {
                dashboard: d.dashboard,
                meta: { folderUid: d.folderUid, folderTitle: this.folders.get(d.folderUid)?.title ?? 'General', version: d.version },
              },
            ]
          : [404, { message: 'Dashboard not found' }];
      if (method === 'DELETE')
        return this.dashboards.delete(m[1]) ? [200, { title: d?.dashboard.title }] : [404, { message: 'Dashboard not found' }];
    }
    if (path === '/api/search' && method === 'GET') {
      const tag = new URL(url, 'http://x').searchParams.get('tag');
      const hits = [...this.dashboards.values()].filter((d) => !tag || (d.dashboard.tags ?? []).includes(tag));
      return [
        200,
        hits.map((d) => ({
          uid: d.dashboard.uid,
          title: d.dashboard.title,
          type: 'dash-db',
          tags: d.dashboard.tags,
          folderUid: d.folderUid,
        })),
      ];
    }
    return [404, { message: `fake grafana: no route ${method} ${path}` }];
  }
}
