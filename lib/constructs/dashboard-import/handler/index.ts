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
  ListWorkspaceServiceAccountsCommand,
} from '@aws-sdk/client-grafana';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

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
}

export interface BundledDashboard {
  readonly file: string;
  readonly folder: string;
  readonly uid: string;
  readonly text: string;
}

/** Data sources every workspace gets, with fixed uids so dashboards resolve the same in AMG and locally. */
export function dataSources(props: ImportProperties) {
  return [
    {
      uid: 'prometheus',
      name: 'Amazon Managed Prometheus',
      type: 'prometheus',
      access: 'proxy',
      url: props.PrometheusUrl.replace(/\/$/, ''),
      isDefault: true,
      jsonData: { httpMethod: 'POST', sigV4Auth: true, sigV4AuthType: 'ec2', sigV4Region: props.Region, timeInterval: '15s' },
    },
    {
      uid: 'cloudwatch',
      name: 'CloudWatch',
      type: 'cloudwatch',
      access: 'proxy',
      isDefault: false,
      jsonData: { authType: 'ec2', defaultRegion: props.Region },
    },
    {
      uid: 'xray',
      name: 'X-Ray',
      type: 'grafana-x-ray-datasource',
      access: 'proxy',
      isDefault: false,
      jsonData: { authType: 'ec2', defaultRegion: props.Region },
    },
  ];
}

export const FOLDER_UID_PREFIX = 'tobs-';
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

/** Ensures data sources and folders, imports changed dashboards, removes the ones gone from the repo. */
export async function importDashboards(
  api: GrafanaApi,
  props: ImportProperties,
  dashboards: readonly BundledDashboard[],
): Promise<ImportResult> {
  for (const ds of dataSources(props)) {
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

  for (const folder of [...new Set(dashboards.map((d) => d.folder).filter(Boolean))]) {
    const uid = folderUid(folder);
    const existing = await api.request('GET', `/api/folders/${uid}`, `folder ${folder}`, undefined, true);
    if (!existing) await api.request('POST', '/api/folders', `folder ${folder}`, { uid, title: folder });
  }

  let imported = 0;
  let unchanged = 0;
  for (const d of dashboards) {
    const desired = withMarker(JSON.parse(d.text) as Record<string, unknown>, props.Marker);
    const current = await api.request<{ dashboard: Record<string, unknown>; meta: { folderUid?: string } }>(
      'GET',
      `/api/dashboards/uid/${d.uid}`,
      d.file,
      undefined,
      true,
    );
    const targetFolder = d.folder ? folderUid(d.folder) : '';
    if (current) {
      if (!hasMarker(current.dashboard, props.Marker)) {
        throw new GrafanaError(
          409,
          d.file,
          `a dashboard with uid "${d.uid}" exists and was not created by this importer; rename the uid or delete that dashboard`,
        );
      }
      if (sameDashboard(current.dashboard, desired) && (current.meta.folderUid ?? '') === targetFolder) {
        unchanged++;
        continue;
      }
    }
    await api.request('POST', '/api/dashboards/db', d.file, {
      dashboard: { ...desired, id: null, version: undefined },
      folderUid: targetFolder || undefined,
      overwrite: true,
      message: `imported from ${d.file}`,
    });
    imported++;
  }

  const wanted = new Set(dashboards.map((d) => d.uid));
  let removed = 0;
  for (const hit of await ownDashboards(api, props.Marker)) {
    if (wanted.has(hit.uid)) continue;
    await api.request('DELETE', `/api/dashboards/uid/${hit.uid}`, `dashboard ${hit.uid} (removed from dashboards/)`);
    removed++;
  }
  return { imported, unchanged, removed };
}

/** Removes everything the importer created: its dashboards, its folders and its data sources. */
export async function removeAll(api: GrafanaApi, props: ImportProperties): Promise<number> {
  const own = await ownDashboards(api, props.Marker);
  for (const hit of own) await api.request('DELETE', `/api/dashboards/uid/${hit.uid}`, `dashboard ${hit.uid}`, undefined, true);
  const folders = (await api.request<{ uid: string }[]>('GET', '/api/folders', 'folders')) ?? [];
  for (const f of folders.filter((f) => f.uid.startsWith(FOLDER_UID_PREFIX)))
    await api.request('DELETE', `/api/folders/${f.uid}`, `folder ${f.uid}`, undefined, true);
  for (const ds of dataSources(props))
    await api.request('DELETE', `/api/datasources/uid/${ds.uid}`, `data source ${ds.uid}`, undefined, true);
  return own.length;
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

function withMarker(dashboard: Record<string, unknown>, marker: string): Record<string, unknown> {
  const tags = Array.isArray(dashboard.tags) ? (dashboard.tags as string[]) : [];
  return { ...dashboard, tags: tags.includes(marker) ? tags : [...tags, marker] };
}
function hasMarker(dashboard: Record<string, unknown>, marker: string): boolean {
  return Array.isArray(dashboard.tags) && (dashboard.tags as string[]).includes(marker);
}

/** Grafana adds id and version on save; compare without them. */
function sameDashboard(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const strip = ({ id: _id, version: _version, ...rest }: Record<string, unknown>) => rest;
  return stableJson(strip(a)) === stableJson(strip(b));
}
function sameDataSource(existing: Record<string, unknown>, wanted: ReturnType<typeof dataSources>[number]): boolean {
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

/** Runs `work` with a fresh service account token, and deletes the token afterwards whatever happens. */
export async function withToken<T>(
  props: ImportProperties,
  work: (token: string) => Promise<T>,
  client: GrafanaClient = grafana,
): Promise<T> {
  const accounts = await client.send(new ListWorkspaceServiceAccountsCommand({ workspaceId: props.WorkspaceId }));
  let accountId = accounts.serviceAccounts?.find((a) => a.name === props.ServiceAccountName)?.id;
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
      const accounts = await grafana.send(new ListWorkspaceServiceAccountsCommand({ workspaceId: props.WorkspaceId }));
      const id = accounts.serviceAccounts?.find((a) => a.name === props.ServiceAccountName)?.id;
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
