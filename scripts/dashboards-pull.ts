/**
 * `npm run dashboards:pull -- --url https://grafana.example.com [--uid UID ...]`
 * with GRAFANA_TOKEN set to a service account token: exports dashboards edited
 * in a Grafana UI back into dashboards/ (a Grafana folder becomes a subfolder),
 * normalized so that the diff shows only real changes (seed 3.4 and "Backup
 * dashboards to Git").
 */
import * as fs from 'fs';
import * as path from 'path';
import { dashboardFileText, normalizeDashboard } from '../lib/render/normalize-dashboard';

export interface PullOptions {
  readonly url: string;
  readonly token: string;
  readonly outDir: string;
  /** Only these dashboards. @default - every dashboard */
  readonly uids?: readonly string[];
}

export async function pullDashboards(options: PullOptions): Promise<string[]> {
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${options.url.replace(/\/$/, '')}${p}`, {
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
    });
    if (!res.ok) throw new Error(`GET ${p}: Grafana answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  };
  const hits = await get<{ uid: string }[]>('/api/search?type=dash-db&limit=5000');
  const written: string[] = [];
  for (const { uid } of hits.filter((h) => !options.uids?.length || options.uids.includes(h.uid))) {
    const { dashboard, meta } = await get<{ dashboard: Record<string, unknown>; meta: { folderTitle?: string } }>(
      `/api/dashboards/uid/${uid}`,
    );
    const folder = meta.folderTitle && meta.folderTitle !== 'General' ? meta.folderTitle : '';
    const file = path.join(options.outDir, folder, `${uid}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, dashboardFileText(normalizeDashboard(dashboard)));
    written.push(path.relative(options.outDir, file));
  }
  return written;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const value = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
  const url = value('--url')[0];
  const token = process.env.GRAFANA_TOKEN;
  if (!url || !token) {
    process.stderr.write(
      'usage: GRAFANA_TOKEN=<service account token> npm run dashboards:pull -- --url https://<grafana> [--uid UID ...]\n',
    );
    process.exit(2);
  }
  pullDashboards({ url, token, outDir: path.resolve(__dirname, '..', 'dashboards'), uids: value('--uid') }).then(
    (files) => console.log(`pulled ${files.length} dashboard(s):\n${files.map((f) => `  dashboards/${f}`).join('\n')}`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
