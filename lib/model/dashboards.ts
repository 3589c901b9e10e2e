import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from '../errors';
import { MetricCatalog } from './metric-catalog';
import { parsePromql } from './promql';

export const DASHBOARDS_DIR = 'dashboards';
/**
 * The uid of the Prometheus data source in every Grafana we provision (AMG and
 * local), so dashboards' datasource references resolve the same everywhere.
 */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';
/** Every data source uid we provision (AMG and local), and the dashboard variable form. */
export const ALLOWED_DATASOURCE_UIDS = [PROMETHEUS_DATASOURCE_UID, 'cloudwatch', 'xray', '${datasource}'] as const;
/** Functions under which a counter (or a histogram's _sum/_count) is meaningful. */
const COUNTER_FUNCTIONS = ['rate', 'irate', 'increase'];

export interface DashboardFile {
  /** Path relative to the project root. */
  readonly file: string;
  /** Grafana folder: the subfolder of dashboards/ ('' for the top level). */
  readonly folder: string;
  readonly uid: string;
  readonly title: string;
  /** The file's text, unchanged: what AMG and local Grafana import. */
  readonly text: string;
  readonly panels: readonly DashboardPanel[];
}

export interface DashboardPanel {
  readonly id?: number;
  readonly title: string;
  readonly type: string;
  readonly queries: readonly string[];
  readonly unit?: string;
  readonly datasourceUids: readonly string[];
}

interface RawPanel {
  id?: number;
  title?: string;
  type?: string;
  panels?: RawPanel[];
  targets?: { expr?: string; datasource?: { uid?: string } | string }[];
  datasource?: { uid?: string } | string | null;
  fieldConfig?: { defaults?: { unit?: string } };
}

/** Lists dashboards/**\/*.json, sorted. */
export function dashboardPaths(root: string): string[] {
  const dir = path.join(root, DASHBOARDS_DIR);
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${DASHBOARDS_DIR}/${f.split(path.sep).join('/')}`)
    .sort();
}

/**
 * Checks dashboards: JSON, a unique uid and title, and every panel by the
 * lint rules below.
 */
export function validateDashboards(
  raw: readonly { file: string; text: string }[],
  catalog: MetricCatalog,
  recordingRules: ReadonlySet<string>,
): DashboardFile[] {
  const uids = new Map<string, string>();
  return raw.map(({ file, text }) => {
    let json: { uid?: unknown; title?: unknown; panels?: RawPanel[] };
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw UserInputError.of({
        file,
        where: 'JSON',
        problem: `does not parse: ${(e as Error).message}`,
        fix: 'export the dashboard again from Grafana (Share > Export > Save to file)',
      });
    }
    if (typeof json.uid !== 'string' || json.uid === '') {
      throw UserInputError.of({
        file,
        where: 'uid',
        problem: 'is missing',
        fix: 'give the dashboard a fixed "uid" so links and re-imports stay stable',
      });
    }
    if (typeof json.title !== 'string' || json.title === '') {
      throw UserInputError.of({ file, where: 'title', problem: 'is missing', fix: 'give the dashboard a "title"' });
    }
    const first = uids.get(json.uid);
    if (first) {
      throw UserInputError.of({
        file,
        where: 'uid',
        problem: `is already used by ${first}`,
        value: json.uid,
        fix: 'give each dashboard its own uid',
      });
    }
    uids.set(json.uid, file);
    const panels = flattenPanels(json.panels ?? []).map((p) => toPanel(p));
    for (const panel of panels) lintPanel(file, panel, catalog, recordingRules);
    const folder = path.posix.dirname(path.posix.relative(DASHBOARDS_DIR, file));
    return { file, folder: folder === '.' ? '' : folder, uid: json.uid, title: json.title, text, panels };
  });
}

/** Every check of one panel; the first failure stops synth naming file and panel. */
function lintPanel(file: string, panel: DashboardPanel, catalog: MetricCatalog, recordingRules: ReadonlySet<string>): void {
  const where = `panel "${panel.title}"${panel.id !== undefined ? ` (id ${panel.id})` : ''}`;
  for (const expr of panel.queries) {
    const parse = parsePromql(expr, { grafana: true });
    if (!parse.ok) {
      throw UserInputError.of({
        file,
        where,
        problem: `has a query that is not valid PromQL near position ${parse.position} ("${parse.near}")`,
        value: expr,
        fix: 'correct the query in Grafana and export the dashboard again',
      });
    }
    for (const sel of parse.selectors) {
      if (sel.name === undefined) continue;
      const kind = catalog.resolve(sel.name, recordingRules);
      if (!kind) {
        throw UserInputError.of({
          file,
          where,
          problem: 'queries a metric that is neither in the catalog nor a recording rule',
          value: sel.name,
          fix: 'add it to catalog/metrics.yaml, add a recording rule of that name in alerts/, or correct the spelling',
        });
      }
      if (kind.kind !== 'metric') continue;
      const counterLike = (kind.metric.type === 'counter' && !kind.suffix) || kind.suffix === 'sum' || kind.suffix === 'count';
      if (counterLike && !sel.enclosing.some((f) => COUNTER_FUNCTIONS.includes(f))) {
        throw UserInputError.of({
          file,
          where,
          problem: `shows the counter ${sel.name} raw`,
          value: expr,
          fix: `wrap it in rate(${sel.name}[$__rate_interval]) or increase(...) (seed 9.3: rate, not raw counts)`,
        });
      }
      if (kind.suffix === 'bucket' && !sel.enclosing.includes('histogram_quantile')) {
        throw UserInputError.of({
          file,
          where,
          problem: 'uses histogram buckets outside histogram_quantile',
          value: expr,
          fix: `use histogram_quantile(0.95, sum by (le) (rate(${sel.name}[$__rate_interval]))) (seed 9.3: percentiles, not averages)`,
        });
      }
    }
  }
  if (panel.queries.length > 0 && !panel.unit) {
    throw UserInputError.of({
      file,
      where,
      problem: 'has no unit',
      fix: 'set Standard options > Unit in Grafana (fieldConfig.defaults.unit), e.g. "s", "ops", "percentunit", "none"',
    });
  }
  for (const uid of panel.datasourceUids) {
    if (!(ALLOWED_DATASOURCE_UIDS as readonly string[]).includes(uid)) {
      throw UserInputError.of({
        file,
        where,
        problem: 'references a data source that is not provisioned',
        value: uid,
        fix: `use the uid "${PROMETHEUS_DATASOURCE_UID}" or a \${datasource} variable (npm run dashboards:pull normalizes exports)`,
      });
    }
  }
}

function flattenPanels(panels: RawPanel[]): RawPanel[] {
  return panels.flatMap((p) => [p, ...flattenPanels(p.panels ?? [])]);
}

function toPanel(p: RawPanel): DashboardPanel {
  const uidOf = (d: { uid?: string } | string | null | undefined) => (typeof d === 'string' ? d : d?.uid);
  const uids = [uidOf(p.datasource), ...(p.targets ?? []).map((t) => uidOf(t.datasource))].filter((u): u is string => !!u);
  return {
    id: p.id,
    title: p.title ?? '(untitled)',
    type: p.type ?? 'unknown',
    queries: (p.targets ?? []).map((t) => t.expr).filter((e): e is string => typeof e === 'string' && e.trim() !== ''),
    unit: p.fieldConfig?.defaults?.unit,
    datasourceUids: uids,
  };
}
