/**
 * Makes a Grafana workspace hold what the bundle says: the data sources, the
 * folders and the dashboards this importer owns (marked with a tag), and
 * nothing else of its own. Talks to Grafana only through GrafanaRequests (GrafanaApi in the Lambda).
 */
import stringify from 'safe-stable-stringify';
import { AMP_WORKSPACE_VARIABLE, titleSlug } from '../../../model/grafana-names';
import { DataSourceSpec, dataSources, XRAY_PLUGIN_ID } from './data-sources';
import { GrafanaError, GrafanaRequests } from './grafana-client';
import type { BundledDashboard, ImportProperties } from './import-properties';

const FOLDER_UID_PREFIX = 'tobs-';
/** Folders the importer makes carry this uid prefix (it deletes only those it recorded making). */
const folderUid = (folder: string) =>
  `${FOLDER_UID_PREFIX}${folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`.slice(0, 40);

/** A state of the workspace the importer refuses to change: it did not make what is in the way. */
export class OwnershipError extends Error {}

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
  api: GrafanaRequests,
  props: ImportProperties,
  dashboards: readonly BundledDashboard[],
  previous: readonly string[] = [],
): Promise<ImportResult> {
  props = await forWorkspaceVersion(api, props);
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
      if (!hasMarker(h, props.Marker) || !(previous.includes(h.uid) || wantedUids.has(h.uid))) {
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
    if (!(await getIfExists(api, `/api/folders/${uid}`, `folder ${title}`)))
      await api.request('POST', '/api/folders', `folder ${title}`, { uid, title });
  }
  // An own dashboard whose title another takes: delete it first, or Grafana would
  // give the other its uid.
  // A DELETE may be retried after a lost answer (lib/http): a 404 then means it is already gone.
  for (const uid of ownToDelete)
    await api.request('DELETE', `/api/dashboards/uid/${uid}`, `dashboard ${uid} (removed from dashboards/)`, undefined, true);

  let imported = 0;
  let unchanged = 0;
  for (const { d, desired } of plan) {
    const current = await getIfExists<{ dashboard: Record<string, unknown>; meta: { folderUid?: string } }>(
      api,
      `/api/dashboards/uid/${d.uid}`,
      d.file,
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

  // Only what this resource recorded importing (the previous bundle's uids) and still owns: a copy saved from one of
  // them (its tags copied, another uid) is not ours, and one another instance took over is no longer ours.
  let removed = [...ownToDelete].filter((uid) => !wantedUids.has(uid)).length;
  for (const uid of previous) {
    if (wantedUids.has(uid) || ownToDelete.has(uid)) continue;
    if (await deleteIfOwned(api, props, uid, `dashboard ${uid} (removed from dashboards/)`)) removed++;
  }

  await checkHealth(api, wanted);
  return { imported, unchanged, removed };
}

/**
 * A data source is ours when its uid, name and type are the ones we make; a
 * data source of another owner holding our uid or our name is refused before
 * Grafana refuses it with a 409.
 * @see test/contracts/grafana.ts DATA_SOURCES
 */
async function checkDataSources(api: GrafanaRequests, wanted: readonly DataSourceSpec[]): Promise<void> {
  for (const ds of wanted) {
    const byUid = await getIfExists<{ name: string; type: string }>(api, `/api/datasources/uid/${ds.uid}`, `data source ${ds.uid}`);
    if (byUid && byUid.name !== ds.name) {
      throw new OwnershipError(
        `data source uid "${ds.uid}" is taken by "${byUid.name}" (type ${byUid.type}), which this importer did not create. Fix: delete that data source or change its uid in Grafana`,
      );
    }
    if (byUid) continue;
    const byName = await getIfExists<{ uid: string; type: string }>(
      api,
      `/api/datasources/name/${encodeURIComponent(ds.name)}`,
      `data source ${ds.name}`,
    );
    if (byName) {
      throw new OwnershipError(
        `a data source named "${ds.name}" exists with uid "${byName.uid}" (type ${byName.type}); this importer did not create it and needs that name for uid "${ds.uid}". Fix: rename or delete that data source in Grafana`,
      );
    }
  }
}

async function ensureDataSources(api: GrafanaRequests, wanted: readonly DataSourceSpec[], props: ImportProperties): Promise<void> {
  if (props.XRay === 'true') await ensurePlugin(api, XRAY_PLUGIN_ID);
  for (const ds of wanted) {
    const existing = await getIfExists<Record<string, unknown>>(api, `/api/datasources/uid/${ds.uid}`, `data source ${ds.uid}`);
    if (!existing) await api.request('POST', '/api/datasources', `data source ${ds.uid}`, ds);
    else if (!sameDataSource(existing, ds))
      await api.request('PUT', `/api/datasources/uid/${ds.uid}`, `data source ${ds.uid}`, { ...existing, ...ds });
  }
}

/**
 * Installs a plugin through AMG's Plugin API (needs plugin management on),
 * unless `GET /api/plugins/:id/settings` finds it (404 when not installed).
 * @see test/contracts/grafana.ts AMG.pluginInstallPath
 */
async function ensurePlugin(api: GrafanaRequests, id: string): Promise<void> {
  if (await getIfExists(api, `/api/plugins/${id}/settings`, `plugin ${id}`)) return;
  await api.request('POST', `/api/plugins/${id}/install`, `plugin ${id} (needs plugin management on the workspace)`, {});
}

/**
 * Refuses a folder title that another owner's folder already has, before
 * Grafana refuses it with a 409.
 * @see test/contracts/grafana.ts FOLDERS
 */
async function checkFolders(api: GrafanaRequests, titles: readonly string[]): Promise<void> {
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
 * Asks Grafana to test every data source and fails the deployment with
 * Grafana's message when one is not OK.
 * @see test/contracts/grafana.ts DATA_SOURCES.healthPath
 */
async function checkHealth(api: GrafanaRequests, wanted: readonly DataSourceSpec[]): Promise<void> {
  for (const ds of wanted) {
    const what = `data source "${ds.name}" (uid ${ds.uid}) cannot query`;
    const res = await api.request<{ status?: string; message?: string }>('GET', `/api/datasources/uid/${ds.uid}/health`, what);
    if (res?.status !== 'OK') throw new GrafanaError(200, what, `${res?.status ?? 'no status'} ${res?.message ?? ''}`.trim());
  }
}

/**
 * Removes what the importer created: its own dashboards, its folders when
 * nothing else is left in them, and its data sources. Deleting a folder
 * deletes every dashboard in it, so a folder is deleted only when a search
 * finds nothing in it, and one Grafana still refuses (alert rules) is left.
 * @see test/contracts/grafana.ts FOLDERS
 */
export async function removeAll(api: GrafanaRequests, props: ImportProperties): Promise<number> {
  let own = 0;
  for (const uid of recordedUids(props)) if (await deleteIfOwned(api, props, uid, `dashboard ${uid}`)) own++;
  // Only the folders this resource recorded making (its bundle's), never any folder whose uid merely has our prefix.
  const recordedFolders = new Set((props.Folders ? (JSON.parse(props.Folders) as string[]) : []).map(folderUid));
  const folders = (await api.request<{ uid: string; title: string }[]>('GET', '/api/folders?limit=1000', 'folders')) ?? [];
  for (const f of folders.filter((f) => recordedFolders.has(f.uid))) {
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
  // Dashboards of this marker still there (taken over by a new instance, or copies) use the data sources: keep them.
  if ((await markedDashboards(api, props.Marker)).length > 0) return own;
  for (const ds of dataSources(props))
    await api.request('DELETE', `/api/datasources/uid/${ds.uid}`, `data source ${ds.uid}`, undefined, true);
  return own;
}

/**
 * The properties for the Grafana the workspace runs. AMG upgrades in place and
 * never downgrades, so after a deploy that raised the version fails later, the
 * rollback's properties name the old version while the workspace runs the new
 * one: data source types follow the newer of the two.
 * @see test/contracts/grafana.ts AMG.runningVersionPath
 */
async function forWorkspaceVersion(api: GrafanaRequests, props: ImportProperties): Promise<ImportProperties> {
  const running = (await getIfExists<{ version?: string }>(api, '/api/health', 'Grafana health'))?.version;
  const major = (v: string | undefined) => Number.parseInt(v ?? '', 10);
  if (!running || !(major(running) > major(props.GrafanaVersion))) return props;
  console.log(
    JSON.stringify({ level: 'warn', msg: 'workspace runs a newer Grafana than the properties', running, properties: props.GrafanaVersion }),
  );
  return { ...props, GrafanaVersion: running.split('.').slice(0, 2).join('.') };
}

/** The uids this resource recorded importing (its bundle's). */
export function recordedUids(props: Pick<ImportProperties, 'DashboardUids'> | undefined): string[] {
  return props?.DashboardUids ? (JSON.parse(props.DashboardUids) as string[]) : [];
}

/** The tag naming the resource instance that imported a dashboard (the marker alone before instances were told apart). */
function ownerTag(props: ImportProperties): string {
  return props.Owner ? `tobs-owner:${props.Owner}` : props.Marker;
}

/** Deletes a dashboard this instance still owns (its owner tag on it); anything else is left. */
async function deleteIfOwned(api: GrafanaRequests, props: ImportProperties, uid: string, what: string): Promise<boolean> {
  const current = await getIfExists<{ dashboard: { tags?: unknown } }>(api, `/api/dashboards/uid/${uid}`, what);
  if (!current || !hasMarker(current.dashboard, ownerTag(props))) return false;
  await api.request('DELETE', `/api/dashboards/uid/${uid}`, what, undefined, true);
  return true;
}

async function searchDashboards(api: GrafanaRequests): Promise<SearchHit[]> {
  return (await api.request<SearchHit[]>('GET', '/api/search?type=dash-db&limit=5000', 'dashboard search')) ?? [];
}

async function markedDashboards(api: GrafanaRequests, marker: string): Promise<{ uid: string }[]> {
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
  const own = [...new Set([...tags.filter((t) => !t.startsWith('tobs-owner:')), props.Marker, ownerTag(props)])];
  return retype({ ...withWorkspace(dashboard, props), tags: own }, types) as Record<string, unknown>;
}

/** The AMP workspace id in the Prometheus endpoint (https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-…/). */
export function ampWorkspaceId(prometheusUrl: string): string {
  const id = /\/workspaces\/([^/]+)/.exec(prometheusUrl)?.[1];
  if (!id) throw new Error(`PrometheusUrl "${prometheusUrl}" names no AMP workspace (…/workspaces/<id>/)`);
  return id;
}

/** The dashboard with its AMP_WORKSPACE_VARIABLE constant (if it declares one) set to this workspace. */
function withWorkspace(dashboard: Record<string, unknown>, props: ImportProperties): Record<string, unknown> {
  const templating = dashboard.templating as { list?: Record<string, unknown>[] } | undefined;
  if (!templating?.list?.some((v) => v.name === AMP_WORKSPACE_VARIABLE && v.type === 'constant')) return dashboard;
  const id = ampWorkspaceId(props.PrometheusUrl);
  const list = templating.list.map((v) =>
    v.name === AMP_WORKSPACE_VARIABLE && v.type === 'constant'
      ? { ...v, query: id, current: { text: id, value: id }, options: [{ text: id, value: id, selected: true }] }
      : v,
  );
  return { ...dashboard, templating: { ...templating, list } };
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

/** A GET whose 404 means "not there": undefined. */
function getIfExists<T>(api: GrafanaRequests, path: string, what: string): Promise<T | undefined> {
  return api.request<T>('GET', path, what, undefined, true);
}

function hasMarker(d: { tags?: unknown }, marker: string): boolean {
  return Array.isArray(d.tags) && (d.tags as string[]).includes(marker);
}

/** Grafana adds id and version on save; compare without them. */
function sameDashboard(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const strip = ({ id: _id, version: _version, ...rest }: Record<string, unknown>) => rest;
  return stringify(strip(a)) === stringify(strip(b));
}
function sameDataSource(existing: Record<string, unknown>, wanted: DataSourceSpec): boolean {
  return Object.entries(wanted).every(([k, v]) => stringify(existing[k]) === stringify(v));
}
