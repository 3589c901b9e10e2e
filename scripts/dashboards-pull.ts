/**
 * `npm run dashboards:pull -- --url https://grafana.example.com [--uid UID ...]`
 * with GRAFANA_TOKEN set to a service account token: brings dashboards edited
 * in a Grafana UI back into dashboards/ (seed 3.4 and "Backup dashboards to
 * Git"). By default it pulls exactly the dashboards of dashboards/, each
 * into the file it came from, in that file's own key order and indentation;
 * a dashboard unchanged in Grafana leaves its file untouched. `--uid` pulls
 * only those, and may name a dashboard made in the UI (written to
 * dashboards/<folder>/<uid>.json). Generated dashboards (the SLO dashboard)
 * are never pulled: they are rendered from alerts/slos.yaml.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DASHBOARDS_DIR, dashboardPaths } from '../lib/model/dashboards';
import { resolveForeignDashboard } from '../lib/model/foreign-dashboard';
import { parseSlos, SLO_FILE } from '../lib/model/slos';
import { readProject } from '../lib/io/read-project';
import { ProjectFiles } from '../lib/model/project-files';
import { dashboardFileText, normalizeDashboard, orderLike } from '../lib/render/normalize-dashboard';
import { renderSloDashboard } from '../lib/render/slo-dashboard';
import stringify from 'safe-stable-stringify';
import { sendHttp } from '../lib/http/http-client';
import { parseCli } from './cli-args';

export interface PullOptions {
  readonly url: string;
  readonly token: string;
  /** The project root (its dashboards/ is read and written). */
  readonly root: string;
  /** Only these dashboards. @default - every dashboard of dashboards/ */
  readonly uids?: readonly string[];
}

export interface PullResult {
  /** Files written (paths relative to the root). */
  readonly written: string[];
  /** Files whose dashboard did not change in Grafana. */
  readonly unchanged: string[];
  /** Uids of dashboards/ that Grafana does not have. */
  readonly missing: string[];
}

interface RepoDashboard {
  readonly file: string;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** The dashboards of dashboards/ by uid (a file without one by the uid the linter gives it). */
function repoDashboards(files: ProjectFiles): Map<string, RepoDashboard> {
  const byUid = new Map<string, RepoDashboard>();
  for (const file of dashboardPaths(files)) {
    const text = files[file];
    const json = JSON.parse(text) as Record<string, unknown>;
    const uid = String(resolveForeignDashboard(file, json).uid);
    byUid.set(uid, { file, text, json });
  }
  return byUid;
}

/** Uids of the dashboards the project renders rather than keeps as files. */
function generatedUids(files: ProjectFiles): Set<string> {
  if (files[SLO_FILE] === undefined) return new Set();
  const slos = parseSlos(SLO_FILE, files[SLO_FILE]);
  return new Set(slos.slos.length > 0 ? [String((JSON.parse(renderSloDashboard(slos)) as { uid: string }).uid)] : []);
}

export async function pullDashboards(options: PullOptions): Promise<PullResult> {
  const get = async <T>(p: string): Promise<T | undefined> => {
    const res = await sendHttp({
      method: 'GET',
      url: `${options.url.replace(/\/$/, '')}${p}`,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
    });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET ${p}: Grafana answered ${res.status}: ${res.text.slice(0, 200)}`);
    return JSON.parse(res.text) as T;
  };
  const files = readProject(options.root);
  const repo = repoDashboards(files);
  const generated = generatedUids(files);
  const uids = options.uids?.length ? options.uids : [...repo.keys()];
  for (const uid of uids) {
    if (generated.has(uid))
      throw new Error(`dashboard "${uid}" is generated from alerts/slos.yaml and is never pulled: change alerts/slos.yaml instead`);
  }
  const result: PullResult = { written: [], unchanged: [], missing: [] };
  for (const uid of uids) {
    const found = await get<{ dashboard: Record<string, unknown>; meta: { folderTitle?: string } }>(`/api/dashboards/uid/${uid}`);
    if (!found) {
      result.missing.push(uid);
      continue;
    }
    const pulled = normalizeDashboard(found.dashboard);
    const known = repo.get(uid);
    // The importer adds its marker tag; a file without tags gets none back.
    if (known && !('tags' in known.json) && Array.isArray(pulled.tags) && pulled.tags.length === 0) delete pulled.tags;
    if (known) {
      // What the importer sent, in the same normalized form: equal means no change in Grafana.
      const imported = normalizeDashboard(resolveForeignDashboard(known.file, known.json));
      if (stringify(imported) === stringify(pulled)) {
        result.unchanged.push(known.file);
        continue;
      }
      // Instance keys the file had (id, version) stay as they were: the diff shows only what changed.
      for (const k of ['id', 'version', 'iteration']) if (k in known.json) pulled[k] = known.json[k];
      fs.writeFileSync(
        path.join(options.root, known.file),
        dashboardFileText(orderLike(pulled, known.json) as Record<string, unknown>, known.text),
      );
      result.written.push(known.file);
      continue;
    }
    const folder = found.meta.folderTitle && found.meta.folderTitle !== 'General' ? found.meta.folderTitle : '';
    const file = path.posix.join(DASHBOARDS_DIR, folder, `${uid}.json`);
    fs.mkdirSync(path.dirname(path.join(options.root, file)), { recursive: true });
    fs.writeFileSync(path.join(options.root, file), dashboardFileText(JSON.parse(stringify(pulled)) as Record<string, unknown>));
    result.written.push(file);
  }
  return result;
}

if (require.main === module) {
  const usage = 'usage: GRAFANA_TOKEN=<service account token> npm run dashboards:pull -- --url https://<grafana> [--uid UID ...]';
  const { values } = parseCli('dashboards:pull', usage, {
    options: { url: { type: 'string' }, uid: { type: 'string', multiple: true } },
  });
  const url = values.url;
  const token = process.env.GRAFANA_TOKEN;
  if (!url || !token) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  pullDashboards({ url, token, root: path.resolve(__dirname, '..'), uids: values.uid ?? [] }).then(
    (r) => {
      console.log(`pulled ${r.written.length} changed dashboard(s), ${r.unchanged.length} unchanged`);
      for (const f of r.written) console.log(`  ${f}`);
      for (const u of r.missing) console.log(`  not in Grafana: ${u}`);
    },
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
