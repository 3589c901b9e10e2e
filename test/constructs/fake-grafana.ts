import * as http from 'http';
import type { AddressInfo } from 'net';
import { AMG, AWS_AUTH, DASHBOARD_SAVE, DATA_SOURCES, FOLDERS, UIDS } from '../contracts/grafana';

interface StoredDashboard {
  id: number;
  dashboard: Record<string, any>;
  folderUid: string;
  version: number;
}

/** Grafana's slug for ASCII titles (what getExistingDashboardByTitleAndFolder compares). */
const slug = (title: string) =>
  String(title)
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9\u0080-\uffff]+/g, '-')
    .replace(/^-+|-+$/g, '');

/**
 * A Grafana HTTP API on loopback, implementing the endpoints the importer and
 * `dashboards:pull` call with Grafana's semantics. Each rule cites the source
 * it mirrors (test/contracts/grafana.ts holds the facts). `failNext` queues
 * forced answers (429, 5xx, 412, 400...) for a method and path prefix.
 */
export class FakeGrafana {
  readonly dataSources = new Map<string, Record<string, any>>();
  readonly folders = new Map<string, { uid: string; title: string }>();
  readonly dashboards = new Map<string, StoredDashboard>();
  /** Folder uids that hold Grafana-managed alert rules. */
  readonly alertRuleFolders = new Set<string>();
  /** Installed plugins (data source types that are not core). */
  readonly plugins = new Set<string>(['prometheus', 'cloudwatch', 'grafana-amazonprometheus-datasource']);
  /** Data sources whose health check fails, with the plugin's message. */
  readonly unhealthy = new Map<string, string>();
  pluginAdminEnabled = false;
  /** The workspace's Grafana version, as GET /api/health reports it (AMG upgrades it in place). */
  grafanaVersion = '12.4.0';
  readonly log: string[] = [];
  readonly tokensSeen = new Set<string>();
  private forced: { method: string; path: string; status: number; body: unknown }[] = [];
  private server?: http.Server;
  private nextId = 1;
  url = '';

  constructor(private readonly token: string) {}

  failNext(method: string, path: string, status: number, body: unknown = { message: `forced ${status}` }, times = 1): void {
    for (let i = 0; i < times; i++) this.forced.push({ method, path, status, body });
  }

  /** AMG.ampPluginFromMajor: from Grafana 12 the core Prometheus data source has no SigV4 (AMG.ampSource). */
  private versionProblem(ds: Record<string, any>): string | undefined {
    const major = Number.parseInt(this.grafanaVersion, 10);
    if (ds.type === 'prometheus' && ds.jsonData?.sigV4Auth && major >= AMG.ampPluginFromMajor)
      return `SigV4 is not supported by the core Prometheus data source in Grafana ${this.grafanaVersion}`;
    return undefined;
  }

  /** A dashboard someone made by hand in the UI. */
  addForeignDashboard(uid: string, title = `Hand-made ${uid}`, folderUid = ''): void {
    this.dashboards.set(uid, { id: this.nextId++, dashboard: { uid, title, tags: [] }, folderUid, version: 1 });
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
    const query = new URL(url, 'http://x').searchParams;
    this.log.push(`${method} ${path}`);
    if (auth !== `Bearer ${this.token}`) return [401, { message: 'invalid API key' }];
    this.tokensSeen.add(auth);
    const i = this.forced.findIndex((f) => f.method === method && path.startsWith(f.path));
    if (i >= 0) {
      const [f] = this.forced.splice(i, 1);
      return [f.status, f.body];
    }
    let m: RegExpExecArray | null;

    if (path === '/api/health' && method === 'GET') return [200, { database: 'ok', version: this.grafanaVersion }];

    if ((m = /^\/api\/datasources\/uid\/([^/]+)\/health$/.exec(path)) && method === 'GET') {
      // DATA_SOURCES.healthSource: 200 {status: OK} or 400 {status: ERROR, message}.
      const ds = this.dataSources.get(m[1]);
      if (!ds) return [404, { message: 'Data source not found' }];
      if (!this.plugins.has(ds.type)) return [404, { message: `plugin ${ds.type} not found` }];
      const problem = this.unhealthy.get(m[1]) ?? authProblem(ds) ?? this.versionProblem(ds);
      return problem
        ? [DATA_SOURCES.healthFailStatus, { status: 'ERROR', message: problem }]
        : [200, { status: 'OK', message: 'Data source is working' }];
    }
    if ((m = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path))) {
      const uid = m[1];
      if (method === 'GET')
        return this.dataSources.has(uid) ? [200, { id: 1, ...this.dataSources.get(uid) }] : [404, { message: 'Data source not found' }];
      if (method === 'PUT') return this.dataSources.set(uid, body) && [200, { message: 'Datasource updated' }];
      if (method === 'DELETE')
        return this.dataSources.delete(uid) ? [200, { message: 'deleted' }] : [404, { message: 'Data source not found' }];
    }
    if ((m = /^\/api\/datasources\/name\/([^/]+)$/.exec(path)) && method === 'GET') {
      const ds = [...this.dataSources.values()].find((d) => d.name === decodeURIComponent(m![1]));
      return ds ? [200, ds] : [404, { message: 'Data source not found' }];
    }
    if (path === '/api/datasources' && method === 'POST') {
      // DATA_SOURCES.source: ErrDataSourceNameExists or ErrDataSourceUidExists → 409.
      if (this.dataSources.has(body.uid) || [...this.dataSources.values()].some((d) => d.name === body.name))
        return [DATA_SOURCES.createConflictStatus, { message: DATA_SOURCES.nameConflictMessage }];
      this.dataSources.set(body.uid, body);
      return [200, { message: 'Datasource added' }];
    }

    if ((m = /^\/api\/plugins\/([^/]+)\/settings$/.exec(path)) && method === 'GET')
      return this.plugins.has(m[1]) ? [200, { id: m[1], enabled: true }] : [404, { message: 'Plugin not found' }];
    if ((m = /^\/api\/plugins\/([^/]+)\/install$/.exec(path)) && method === 'POST') {
      // AMG Plugin API: changes need plugin management on. The status AMG answers without it is UNCONFIRMED.
      if (!this.pluginAdminEnabled) return [403, { message: 'plugin management is disabled' }];
      this.plugins.add(m[1]);
      return [200, {}];
    }

    if (path === '/api/folders' && method === 'GET') return [200, [...this.folders.values()]];
    if (path === '/api/folders' && method === 'POST') {
      // FOLDERS.source: ErrFolderSameNameExists / ErrFolderWithSameUIDExists → 409.
      const uid = body.uid as string;
      if (!UIDS.pattern.test(uid) || uid.length > UIDS.maxLength) return [400, { message: 'uid contains illegal characters' }];
      if (this.folders.has(uid) || [...this.folders.values()].some((f) => f.title === body.title))
        return [FOLDERS.createConflictStatus, { message: 'a folder with the same name already exists' }];
      this.folders.set(uid, { uid, title: body.title });
      return [200, { uid, title: body.title }];
    }
    if ((m = /^\/api\/folders\/([^/]+)$/.exec(path))) {
      const uid = m[1];
      if (method === 'GET')
        return this.folders.has(uid) ? [200, this.folders.get(uid)] : [FOLDERS.notFoundStatus, { message: 'folder not found' }];
      if (method === 'DELETE') {
        if (!this.folders.has(uid)) return [FOLDERS.notFoundStatus, { message: 'folder not found' }];
        // FOLDERS.source (deleteFolderRules): refused while the folder holds alert rules, without forceDeleteRules.
        if (this.alertRuleFolders.has(uid) && query.get('forceDeleteRules') !== 'true')
          return [FOLDERS.deleteWithAlertRulesStatus, { message: 'folder cannot be deleted: folder contains alert rules' }];
        // FOLDERS.source (deleteDashboard): "DELETE FROM dashboard WHERE folder_id = ?": every dashboard in it goes.
        if (FOLDERS.deleteCascadesToDashboards)
          for (const [duid, d] of this.dashboards) if (d.folderUid === uid) this.dashboards.delete(duid);
        this.folders.delete(uid);
        return [200, { message: 'Folder deleted' }];
      }
    }

    if (path === '/api/dashboards/db' && method === 'POST') return this.saveDashboard(body);
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
      const tag = query.get('tag');
      const folderUIDs = query.get('folderUIDs');
      const hits = [...this.dashboards.values()].filter(
        (d) => (!tag || (d.dashboard.tags ?? []).includes(tag)) && (folderUIDs === null || d.folderUid === folderUIDs),
      );
      return [
        200,
        hits.map((d) => ({
          uid: d.dashboard.uid,
          title: d.dashboard.title,
          type: 'dash-db',
          tags: d.dashboard.tags,
          folderUid: d.folderUid || undefined,
          folderTitle: this.folders.get(d.folderUid)?.title,
        })),
      ];
    }
    return [404, { message: `fake grafana: no route ${method} ${path}` }];
  }

  /** `POST /api/dashboards/db` as DASHBOARD_SAVE.source validates and saves it. */
  private saveDashboard(body: any): [number, unknown] {
    const dash = { ...body.dashboard } as Record<string, any>;
    const folderUid = (body.folderUid as string | undefined) ?? '';
    const overwrite = body.overwrite === true;
    const uid = (dash.uid as string | undefined) ?? '';
    // UIDS.source: illegal characters → 400, longer than 40 → 400.
    if (!UIDS.pattern.test(uid)) return [400, { message: 'uid contains illegal characters' }];
    if (uid.length > UIDS.maxLength) return [400, { message: 'uid too long, max 40 characters' }];
    if (!dash.title) return [400, { message: 'Dashboard title cannot be empty' }];
    if (folderUid && !this.folders.has(folderUid)) return [400, { message: 'folder not found' }];
    let target = uid ? this.dashboards.get(uid) : undefined;
    if (target && !overwrite && dash.version !== target.version)
      return [
        DASHBOARD_SAVE.versionMismatchStatus,
        { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' },
      ];
    // getExistingDashboardByTitleAndFolder: same slug in the target folder, another dashboard.
    const sameTitle = [...this.dashboards.values()].find(
      (d) => d.folderUid === folderUid && slug(d.dashboard.title) === slug(dash.title) && d.id !== target?.id,
    );
    if (sameTitle) {
      if (!overwrite) return [412, { message: 'A dashboard with the same name in the folder already exists', status: 'name-exists' }];
      // With overwrite Grafana takes over that dashboard's id and uid: it is replaced
      // (a dashboard matched by uid stays as it was).
      if (DASHBOARD_SAVE.overwriteMatchesTitleInFolder) {
        target = sameTitle;
        dash.uid = sameTitle.dashboard.uid;
      }
    }
    const id = target?.id ?? this.nextId++;
    const version = (target?.version ?? 0) + 1;
    if (target) this.dashboards.delete(target.dashboard.uid);
    const finalUid = (dash.uid as string) || `gen${id}`;
    this.dashboards.set(finalUid, { id, dashboard: { ...dash, uid: finalUid, id, version }, folderUid, version });
    return [200, { uid: finalUid, status: 'success', version }];
  }
}

/**
 * What grafana-aws-sdk says of a data source's AWS auth type (AWS_AUTH.source):
 * SigV4 refuses any type outside the allowed providers; the AWS plugins'
 * settings accept only ToAuthType's list.
 */
function authProblem(ds: Record<string, any>): string | undefined {
  const j = (ds.jsonData ?? {}) as Record<string, unknown>;
  const type = (j.sigV4Auth ? j.sigV4AuthType : j.authType) as string | undefined;
  if (type === undefined) return undefined;
  if (j.sigV4Auth && type !== AWS_AUTH.workspaceIamRole && !['default', 'keys', 'credentials'].includes(type))
    return `trying to use non-allowed auth method ${type}`;
  if (!(AWS_AUTH.accepted as readonly string[]).includes(type)) return `invalid auth type: ${type}`;
  return undefined;
}
