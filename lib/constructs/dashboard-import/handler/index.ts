/**
 * Imports the dashboards of dashboards/ into an Amazon Managed Grafana
 * workspace (a CloudFormation custom resource, behind the custom-resources
 * Provider). It talks to Grafana's HTTP API with a short-lived service account
 * token that it deletes when done and never logs or returns.
 */
import {
  CreateWorkspaceServiceAccountCommand,
  CreateWorkspaceServiceAccountTokenCommand,
  DeleteWorkspaceServiceAccountCommand,
  DeleteWorkspaceServiceAccountTokenCommand,
  GrafanaClient,
  paginateListWorkspaceServiceAccounts,
} from '@aws-sdk/client-grafana';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { titleSlug } from '../../../model/grafana-names';

/** The custom resource's properties (strings, as CloudFormation passes them). */
export interface ImportProperties {
  readonly WorkspaceId: string;
  /** https://<workspace endpoint> */
  readonly GrafanaUrl: string;
  readonly BundleBucket: string;
  readonly BundleKey: string;
  readonly Region: string;
  /** The AMP workspace's Prometheus endpoint (…/workspaces/ws-…/). */
  readonly PrometheusUrl: string;
  readonly ServiceAccountName: string;
  /** Tag that marks the dashboards this importer owns. */
  readonly Marker: string;
  /** The workspace's Grafana version ("10.4", "12.4"): picks the AMP data source type. */
  readonly GrafanaVersion: string;
  /** "true" when plugin management is on: the X-Ray plugin is installed and its data source made. */
  readonly XRay: string;
}

export interface BundledDashboard {
  readonly file: string;
  readonly folder: string;
  readonly uid: string;
  readonly text: string;
}

/**
 * The auth type of every AWS data source: AMG's "Workspace IAM role". It is
 * the only value for the workspace's service role that grafana-aws-sdk
 * accepts (grafana/grafana-aws-sdk@v1.5.2:pkg/awsds/settings.go ToAuthType;
 * pkg/awsauth/auth.go refuses any other string for SigV4). See
 * test/contracts/grafana.ts.
 */
export const AWS_AUTH_TYPE = 'ec2_iam_role';

/**
 * From AMG 12 on, SigV4 in the core Prometheus data source is removed and AMP
 * is queried through the Amazon Managed Service for Prometheus plugin (AMG
 * user guide, "Manually adding the Prometheus data source" and "Connect to an
 * Amazon Managed Service for Prometheus data source").
 */
export function prometheusType(grafanaVersion: string): string {
  return Number.parseInt(grafanaVersion, 10) >= 12 ? 'grafana-amazonprometheus-datasource' : 'prometheus';
}

export const XRAY_PLUGIN_ID = 'grafana-x-ray-datasource';

/** Data sources every workspace gets, with fixed uids so dashboards resolve the same in AMG and locally. */
export function dataSources(props: ImportProperties): DataSourceSpec[] {
  const list: DataSourceSpec[] = [
    {
      uid: 'prometheus',
      name: 'Amazon Managed Prometheus',
      type: prometheusType(props.GrafanaVersion),
      access: 'proxy',
      url: props.PrometheusUrl.replace(/\/$/, ''),
      isDefault: true,
      jsonData: { httpMethod: 'POST', sigV4Auth: true, sigV4AuthType: AWS_AUTH_TYPE, sigV4Region: props.Region, timeInterval: '15s' },
    },
    {
      uid: 'cloudwatch',
      name: 'CloudWatch',
      type: 'cloudwatch',
      access: 'proxy',
      isDefault: false,
      jsonData: { authType: AWS_AUTH_TYPE, defaultRegion: props.Region },
    },
  ];
  // X-Ray is a plugin that AMG 9+ workspaces may need installed, which needs
  // plugin management ("Connect to an AWS X-Ray data source", AMG user guide).
  if (props.XRay === 'true') {
    list.push({
      uid: 'xray',
      name: 'X-Ray',
      type: XRAY_PLUGIN_ID,
      access: 'proxy',
      isDefault: false,
      jsonData: { authType: AWS_AUTH_TYPE, defaultRegion: props.Region },
    });
  }
  return list;
}

export interface DataSourceSpec {
  readonly uid: string;
  readonly name: string;
  readonly type: string;
  readonly access: string;
  readonly url?: string;
  readonly isDefault: boolean;
  readonly jsonData: Record<string, unknown>;
}

export const FOLDER_UID_PREFIX = 'tobs-';
/** Folders the importer makes carry this uid prefix; it deletes no other folder. */
export const folderUid = (folder: string) =>
  `${FOLDER_UID_PREFIX}${folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`.slice(0, 40);

/** An answer from Grafana that fails the deployment: the message names the file and quotes Grafana. */
export class GrafanaError extends Error {
  constructor(
    readonly status: number,
    what: string,
    grafanaMessage: string,
  ) {
    super(`${what}: Grafana answered ${status}: ${grafanaMessage}`);
  }
}

/** A state of the workspace the importer refuses to change: it did not make what is in the way. */
export class OwnershipError extends Error {}

/** Grafana's HTTP API: JSON in and out, 429 and 5xx retried with exponential backoff. */
export class GrafanaApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly retry = { attempts: 5, baseMs: Number(process.env.GRAFANA_RETRY_BASE_MS ?? 500) },
  ) {}

  /** Returns the parsed body, or undefined for a 404 when `allow404`. */
  async request<T>(method: string, path: string, what: string, body?: unknown, allow404 = false): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
      if (res.status === 404 && allow404) return undefined;
      const retryable = res.status === 429 || res.status >= 500;
      if (retryable && attempt < this.retry.attempts) {
        const wait = this.retry.baseMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.2);
        console.log(JSON.stringify({ level: 'warn', msg: 'grafana retry', status: res.status, what, attempt, waitMs: Math.round(wait) }));
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      throw new GrafanaError(res.status, what, messageOf(text));
    }
  }
}

function messageOf(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: string; status?: string };
    return [j.message, j.status].filter(Boolean).join(' ') || text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

export interface ImportResult {
  readonly imported: number;
  readonly unchanged: number;
  readonly removed: number;
}

interface SearchHit {
  uid: string;
  title: string;
  tags?: string[];
  folderUid?: string;
  folderTitle?: string;
}

/**
 * Ensures data sources and folders, imports changed dashboards, removes the
 * ones gone from the repo, then health-checks every data source. Before it
 * writes anything it refuses a workspace where a dashboard, folder or data
 * source it did not make is in the way.
 */
export async function importDashboards(
  api: GrafanaApi,
  props: ImportProperties,
  dashboards: readonly BundledDashboard[],
): Promise<ImportResult> {
  const wanted = dataSources(props);
  const existing = await searchDashboards(api);
  const plan = dashboards.map((d) => ({ d, desired: prepare(JSON.parse(d.text) as Record<string, unknown>, props, wanted) }));
  // Every check before the first write: a refused import changes nothing.
  await checkDataSources(api, wanted);
  const folderTitles = [...new Set(dashboards.map((d) => d.folder).filter(Boolean))];
  await checkFolders(api, folderTitles);
  const wantedUids = new Set(dashboards.map((d) => d.uid));
  const ownToDelete = new Set<string>();
  for (const { d, desired } of plan) {
    const targetFolder = d.folder ? folderUid(d.folder) : '';
    const byUid = existing.find((h) => h.uid === d.uid);
    if (byUid && !hasMarker(byUid, props.Marker)) {
      throw new OwnershipError(
        `${d.file}: dashboard uid "${d.uid}" is taken by "${byUid.title}" (folder "${byUid.folderTitle ?? 'General'}"), which this importer did not create. Fix: give ${d.file} another uid, or delete or change the uid of that dashboard in Grafana`,
      );
    }
    const slug = titleSlug(String(desired.title));
    for (const h of existing) {
      if (h.uid === d.uid || (h.folderUid ?? '') !== targetFolder || titleSlug(h.title) !== slug) continue;
      // Grafana would take this dashboard over on save (overwrite matches by title in the folder).
      if (!hasMarker(h, props.Marker)) {
        throw new OwnershipError(
          `${d.file}: title "${String(desired.title)}" is already used in folder "${d.folder || 'General'}" by dashboard "${h.title}" (uid "${h.uid}"), which this importer did not create; saving would replace it. Fix: change the title of ${d.file} or of that dashboard`,
        );
      }
      // Our own: deleted first (one gone from the repo, or one whose title moves to
      // another of ours and is re-imported below), or Grafana would merge the two.
      ownToDelete.add(h.uid);
    }
  }

  await ensureDataSources(api, wanted, props);
  for (const title of folderTitles) {
    const uid = folderUid(title);
    if (!(await api.request('GET', `/api/folders/${uid}`, `folder ${title}`, undefined, true)))
      await api.request('POST', '/api/folders', `folder ${title}`, { uid, title });
  }
  // An own dashboard whose title another takes: delete it first, or Grafana would
  // give the other its uid.
  for (const uid of ownToDelete) await api.request('DELETE', `/api/dashboards/uid/${uid}`, `dashboard ${uid} (removed from dashboards/)`);

  let imported = 0;
  let unchanged = 0;
  for (const { d, desired } of plan) {
    const current = await api.request<{ dashboard: Record<string, unknown>; meta: { folderUid?: string } }>(
      'GET',
      `/api/dashboards/uid/${d.uid}`,
      d.file,
      undefined,
      true,
    );
    const targetFolder = d.folder ? folderUid(d.folder) : '';
    if (current && sameDashboard(current.dashboard, desired) && (current.meta.folderUid ?? '') === targetFolder) {
      unchanged++;
      continue;
    }
    await api.request('POST', '/api/dashboards/db', d.file, {
      dashboard: { ...desired, id: null, version: undefined },
      folderUid: targetFolder || undefined,
      overwrite: true,
      message: `imported from ${d.file}`,
    });
    imported++;
  }

  let removed = [...ownToDelete].filter((uid) => !wantedUids.has(uid)).length;
  for (const hit of await ownDashboards(api, props.Marker)) {
    if (wantedUids.has(hit.uid)) continue;
    await api.request('DELETE', `/api/dashboards/uid/${hit.uid}`, `dashboard ${hit.uid} (removed from dashboards/)`);
    removed++;
  }

  await checkHealth(api, wanted);
  return { imported, unchanged, removed };
}

/**
 * A data source is ours when its uid, name and type are the ones we make; a
 * data source of another owner holding our uid or our name is refused before
 * Grafana's 409 (grafana/grafana pkg/api/datasources.go AddDataSource:
 * ErrDataSourceNameExists or ErrDataSourceUidExists → 409).
 */
async function checkDataSources(api: GrafanaApi, wanted: readonly DataSourceSpec[]): Promise<void> {
  for (const ds of wanted) {
    const byUid = await api.request<{ name: string; type: string }>(
      'GET',
      `/api/datasources/uid/${ds.uid}`,
      `data source ${ds.uid}`,
      undefined,
      true,
    );
    if (byUid && byUid.name !== ds.name) {
      throw new OwnershipError(
        `data source uid "${ds.uid}" is taken by "${byUid.name}" (type ${byUid.type}), which this importer did not create. Fix: delete that data source or change its uid in Grafana`,
      );
    }
    if (byUid) continue;
    const byName = await api.request<{ uid: string; type: string }>(
      'GET',
      `/api/datasources/name/${encodeURIComponent(ds.name)}`,
      `data source ${ds.name}`,
      undefined,
      true,
    );
    if (byName) {
      throw new OwnershipError(
        `a data source named "${ds.name}" exists with uid "${byName.uid}" (type ${byName.type}); this importer did not create it and needs that name for uid "${ds.uid}". Fix: rename or delete that data source in Grafana`,
      );
    }
  }
}

async function ensureDataSources(api: GrafanaApi, wanted: readonly DataSourceSpec[], props: ImportProperties): Promise<void> {
  if (props.XRay === 'true') await ensurePlugin(api, XRAY_PLUGIN_ID);
  for (const ds of wanted) {
    const existing = await api.request<Record<string, unknown>>(
      'GET',
      `/api/datasources/uid/${ds.uid}`,
      `data source ${ds.uid}`,
      undefined,
      true,
    );
    if (!existing) await api.request('POST', '/api/datasources', `data source ${ds.uid}`, ds);
    else if (!sameDataSource(existing, ds))
      await api.request('PUT', `/api/datasources/uid/${ds.uid}`, `data source ${ds.uid}`, { ...existing, ...ds });
  }
}

/**
 * Installs a plugin through AMG's Plugin API (`POST /api/plugins/:id/install`,
 * AMG user guide "Plugin API"; needs plugin management on). Whether it is
 * installed is read from `GET /api/plugins/:id/settings` (404 when not).
 */
async function ensurePlugin(api: GrafanaApi, id: string): Promise<void> {
  if (await api.request('GET', `/api/plugins/${id}/settings`, `plugin ${id}`, undefined, true)) return;
  await api.request('POST', `/api/plugins/${id}/install`, `plugin ${id} (needs plugin management on the workspace)`, {});
}

/**
 * Refuses a folder title that another owner's folder already has: Grafana
 * answers 409 for it (grafana/grafana@3e9248b7:pkg/api/apierrors/folder.go,
 * ErrFolderSameNameExists).
 */
async function checkFolders(api: GrafanaApi, titles: readonly string[]): Promise<void> {
  if (titles.length === 0) return;
  const folders = (await api.request<{ uid: string; title: string }[]>('GET', '/api/folders?limit=1000', 'folders')) ?? [];
  for (const title of titles) {
    const uid = folderUid(title);
    const other = folders.find((f) => f.uid !== uid && f.title.toLowerCase() === title.toLowerCase());
    if (other) {
      throw new OwnershipError(
        `folder "${title}" (dashboards/${title}/) is already a folder of Grafana with uid "${other.uid}", which this importer did not create. Fix: rename the subfolder dashboards/${title}/ or that folder in Grafana`,
      );
    }
  }
}

/**
 * Asks Grafana to test every data source (`GET /api/datasources/uid/:uid/health`:
 * 200 with status OK, 400 with status ERROR and the plugin's message; see
 * test/contracts/grafana.ts) and fails the deployment with Grafana's message.
 */
async function checkHealth(api: GrafanaApi, wanted: readonly DataSourceSpec[]): Promise<void> {
  for (const ds of wanted) {
    const what = `data source "${ds.name}" (uid ${ds.uid}) cannot query`;
    const res = await api.request<{ status?: string; message?: string }>('GET', `/api/datasources/uid/${ds.uid}/health`, what);
    if (res?.status !== 'OK') throw new GrafanaError(200, what, `${res?.status ?? 'no status'} ${res?.message ?? ''}`.trim());
  }
}

/**
 * Removes what the importer created: its own dashboards, its folders when
 * nothing else is left in them, and its data sources. A folder deleted in
 * Grafana takes every dashboard in it along and is refused while it holds
 * alert rules (grafana/grafana@8673c5bd:pkg/services/dashboards/database/database.go
 * deleteDashboard, deleteFolderRules → 400), so a folder is deleted only when
 * a search finds nothing in it, and one Grafana still refuses is left.
 */
export async function removeAll(api: GrafanaApi, props: ImportProperties): Promise<number> {
  const own = await ownDashboards(api, props.Marker);
  for (const hit of own) await api.request('DELETE', `/api/dashboards/uid/${hit.uid}`, `dashboard ${hit.uid}`, undefined, true);
  const folders = (await api.request<{ uid: string; title: string }[]>('GET', '/api/folders?limit=1000', 'folders')) ?? [];
  for (const f of folders.filter((f) => f.uid.startsWith(FOLDER_UID_PREFIX))) {
    const left = (await api.request<unknown[]>('GET', `/api/search?folderUIDs=${encodeURIComponent(f.uid)}`, `folder ${f.uid}`)) ?? [];
    if (left.length > 0) {
      console.log(
        JSON.stringify({ level: 'warn', msg: 'folder kept: it holds what the importer did not make', folder: f.title, items: left.length }),
      );
      continue;
    }
    try {
      await api.request('DELETE', `/api/folders/${f.uid}`, `folder ${f.uid}`, undefined, true);
    } catch (e) {
      if (!(e instanceof GrafanaError) || e.status !== 400) throw e;
      console.log(JSON.stringify({ level: 'warn', msg: 'folder kept: Grafana refused to delete it', folder: f.title, error: e.message }));
    }
  }
  for (const ds of dataSources(props))
    await api.request('DELETE', `/api/datasources/uid/${ds.uid}`, `data source ${ds.uid}`, undefined, true);
  return own.length;
}

async function searchDashboards(api: GrafanaApi): Promise<SearchHit[]> {
  return (await api.request<SearchHit[]>('GET', '/api/search?type=dash-db&limit=5000', 'dashboard search')) ?? [];
}

async function ownDashboards(api: GrafanaApi, marker: string): Promise<{ uid: string }[]> {
  return (
    (await api.request<{ uid: string }[]>(
      'GET',
      `/api/search?type=dash-db&limit=5000&tag=${encodeURIComponent(marker)}`,
      'dashboard search',
    )) ?? []
  );
}

/** The dashboard as saved: marker tag added, references to our Prometheus uid carrying the provisioned type. */
function prepare(dashboard: Record<string, unknown>, props: ImportProperties, wanted: readonly DataSourceSpec[]): Record<string, unknown> {
  const tags = Array.isArray(dashboard.tags) ? (dashboard.tags as string[]) : [];
  const types = new Map(wanted.map((ds) => [ds.uid, ds.type]));
  return retype({ ...dashboard, tags: tags.includes(props.Marker) ? tags : [...tags, props.Marker] }, types) as Record<string, unknown>;
}

function retype(value: unknown, types: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => retype(v, types));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const ref = v as { uid?: unknown; type?: unknown } | null;
    if (k === 'datasource' && ref && typeof ref === 'object' && typeof ref.uid === 'string' && 'type' in ref && types.has(ref.uid))
      out[k] = { ...ref, type: types.get(ref.uid) };
    else out[k] = retype(v, types);
  }
  return out;
}

function hasMarker(d: { tags?: unknown }, marker: string): boolean {
  return Array.isArray(d.tags) && (d.tags as string[]).includes(marker);
}

/** Grafana adds id and version on save; compare without them. */
function sameDashboard(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const strip = ({ id: _id, version: _version, ...rest }: Record<string, unknown>) => rest;
  return stableJson(strip(a)) === stableJson(strip(b));
}
function sameDataSource(existing: Record<string, unknown>, wanted: DataSourceSpec): boolean {
  return Object.entries(wanted).every(([k, v]) => stableJson(existing[k]) === stableJson(v));
}

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

const grafana = new GrafanaClient({});
const s3 = new S3Client({});

/**
 * The importer's service account, searched on every page: ListWorkspaceServiceAccounts is paginated
 * (nextToken; AMG API reference), and creating an account whose name exists fails with a conflict.
 */
async function findServiceAccount(client: GrafanaClient, props: ImportProperties): Promise<string | undefined> {
  for await (const page of paginateListWorkspaceServiceAccounts({ client }, { workspaceId: props.WorkspaceId })) {
    const id = page.serviceAccounts?.find((a) => a.name === props.ServiceAccountName)?.id;
    if (id) return id;
  }
  return undefined;
}

/** Runs `work` with a fresh service account token, and deletes the token afterwards whatever happens. */
export async function withToken<T>(
  props: ImportProperties,
  work: (token: string) => Promise<T>,
  client: GrafanaClient = grafana,
): Promise<T> {
  let accountId = await findServiceAccount(client, props);
  if (!accountId) {
    const created = await client.send(
      new CreateWorkspaceServiceAccountCommand({ workspaceId: props.WorkspaceId, name: props.ServiceAccountName, grafanaRole: 'ADMIN' }),
    );
    accountId = created.id;
  }
  const token = await client.send(
    new CreateWorkspaceServiceAccountTokenCommand({
      workspaceId: props.WorkspaceId,
      serviceAccountId: accountId,
      name: `import-${Date.now()}`,
      secondsToLive: 900,
    }),
  );
  try {
    return await work(token.serviceAccountToken!.key!);
  } finally {
    await client.send(
      new DeleteWorkspaceServiceAccountTokenCommand({
        workspaceId: props.WorkspaceId,
        serviceAccountId: accountId,
        tokenId: token.serviceAccountToken!.id!,
      }),
    );
  }
}

async function readBundle(props: ImportProperties): Promise<BundledDashboard[]> {
  const out = await s3.send(new GetObjectCommand({ Bucket: props.BundleBucket, Key: props.BundleKey }));
  return (JSON.parse(await out.Body!.transformToString()) as { dashboards: BundledDashboard[] }).dashboards;
}

export async function onEvent(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, number> }> {
  const props = event.ResourceProperties as unknown as ImportProperties;
  const physicalId = `${props.WorkspaceId}/dashboards`;
  if (event.RequestType === 'Delete') {
    try {
      await withToken(props, (token) => removeAll(new GrafanaApi(props.GrafanaUrl, token), props));
      const id = await findServiceAccount(grafana, props);
      if (id) await grafana.send(new DeleteWorkspaceServiceAccountCommand({ workspaceId: props.WorkspaceId, serviceAccountId: id }));
    } catch (e) {
      // A workspace deleted before us leaves nothing to clean up.
      if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
    }
    return { PhysicalResourceId: physicalId };
  }
  const dashboards = await readBundle(props);
  const result = await withToken(props, (token) => importDashboards(new GrafanaApi(props.GrafanaUrl, token), props, dashboards));
  console.log(JSON.stringify({ level: 'info', msg: 'dashboards imported', ...result }));
  return { PhysicalResourceId: physicalId, Data: { Imported: result.imported, Unchanged: result.unchanged, Removed: result.removed } };
}
