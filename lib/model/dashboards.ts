import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from '../errors';
import { MetricCatalog } from './metric-catalog';
import { PROVISIONED_BY_TYPE, PROVISIONED_UIDS, resolveForeignDashboard } from './foreign-dashboard';
import { GRAFANA_UID_MAX_LENGTH, GRAFANA_UID_PATTERN, titleSlug } from './grafana-names';
import { parsePromql } from './promql';

export const DASHBOARDS_DIR = 'dashboards';
/**
 * The uid of the Prometheus data source in every Grafana we provision (AMG and
 * local), so dashboards' datasource references resolve the same everywhere.
 */
const PROMETHEUS_DATASOURCE_UID = 'prometheus';
/** Functions under which a counter (or a histogram's _sum/_count) is meaningful. */
const COUNTER_FUNCTIONS = ['rate', 'irate', 'increase', 'resets'];
/**
 * Functions that count series rather than show their values: a counter under
 * them is not "shown raw" (e.g. `count(count(node_cpu_seconds_total) by (cpu))`).
 */
const SERIES_COUNTING = ['count', 'group', 'absent', 'absent_over_time', 'present_over_time', 'count_over_time', 'timestamp'];

export interface DashboardFile {
  /** Path relative to the project root. */
  readonly file: string;
  /** Grafana folder: the subfolder of dashboards/ ('' for the top level). */
  readonly folder: string;
  readonly uid: string;
  readonly title: string;
  /**
   * What AMG and local Grafana import: the file's text unchanged, or, for an
   * export from another Grafana, the dashboard with its data sources resolved
   * to ours (see resolveForeignDashboard).
   */
  readonly text: string;
  readonly panels: readonly DashboardPanel[];
}

interface DashboardPanel {
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
  /** Units of the old singlestat (`format`) and graph (`yaxes[].format`) panels. */
  format?: string;
  yaxes?: { format?: string }[];
}

interface RawVariable {
  name?: string;
  type?: string;
  query?: string | { query?: string };
  datasource?: { uid?: string; type?: string } | string | null;
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
 * Checks dashboards: JSON, a uid Grafana accepts and unique, a title unique in
 * its folder, the layout, every templating variable and every panel by the
 * lint rules below. Exports from any Grafana are resolved to our data
 * sources first.
 */
export function validateDashboards(
  raw: readonly { file: string; text: string }[],
  catalog: MetricCatalog,
  recordingRules: ReadonlySet<string>,
): DashboardFile[] {
  const uids = new Map<string, string>();
  const titles = new Map<string, string>();
  return raw.map(({ file, text }) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw UserInputError.of({
        file,
        where: 'JSON',
        problem: `does not parse: ${(e as Error).message}`,
        fix: 'export the dashboard again from Grafana (Share > Export > Save to file)',
      });
    }
    if (Array.isArray(parsed.rows) && parsed.rows.length > 0) {
      throw UserInputError.of({
        file,
        where: 'rows',
        problem: `uses the "rows" layout of Grafana 4 and earlier (schemaVersion ${String(parsed.schemaVersion)}), which Grafana converts only when it loads the dashboard in its UI`,
        fix: 'import it once into any Grafana 5 or later (Dashboards > New > Import), save it, and export it again into dashboards/',
      });
    }
    const json = resolveForeignDashboard(file, parsed) as {
      uid: string;
      title?: unknown;
      panels?: RawPanel[];
      templating?: { list?: RawVariable[] };
    };
    const resolvedText = JSON.stringify(json) === JSON.stringify(parsed) ? text : `${JSON.stringify(json, null, 2)}\n`;
    if (!GRAFANA_UID_PATTERN.test(json.uid) || json.uid.length > GRAFANA_UID_MAX_LENGTH) {
      throw UserInputError.of({
        file,
        where: 'uid',
        problem: `is not a uid Grafana accepts: at most ${GRAFANA_UID_MAX_LENGTH} characters of a-z, A-Z, 0-9, "-" and "_"`,
        value: json.uid,
        fix: 'choose a shorter uid of those characters (Grafana would refuse this one at deploy)',
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
    const folderPath = path.posix.dirname(path.posix.relative(DASHBOARDS_DIR, file));
    const folder = folderPath === '.' ? '' : folderPath;
    const titleKey = `${folder}\u0000${titleSlug(json.title)}`;
    const sameTitle = titles.get(titleKey);
    if (sameTitle) {
      throw UserInputError.of({
        file,
        where: 'title',
        problem: `is the title of ${sameTitle} in the same folder; Grafana keeps one dashboard per title in a folder and would overwrite one with the other on every deploy`,
        value: json.title,
        fix: 'give one of them another title, or move it to another subfolder of dashboards/',
      });
    }
    titles.set(titleKey, file);
    const variables = lintTemplating(file, json.templating?.list ?? [], catalog, recordingRules);
    const panels = flattenPanels(json.panels ?? []).map((p) => toPanel(p));
    for (const panel of panels) lintPanel(file, panel, catalog, recordingRules, variables);
    return { file, folder, uid: json.uid, title: json.title, text: resolvedText, panels };
  });
}

/** Grafana's own variables ($__interval, $__range, $timeFilter...). */
const isBuiltinVariable = (name: string) => name.startsWith('__') || name === 'timeFilter' || name === 'interval';

/** Variables a query uses: $name, ${name}, ${name:format}, [[name]]. */
function usedVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
}

interface Variables {
  /** Every variable the dashboard defines. */
  readonly names: ReadonlySet<string>;
  /** Data source variables (any name) of a type we provision. */
  readonly datasources: ReadonlySet<string>;
}

/**
 * Templating: a data source variable must be of a type we provision; a query
 * variable's PromQL must parse and use known metrics; every variable a query
 * uses must be defined.
 */
function lintTemplating(
  file: string,
  list: readonly RawVariable[],
  catalog: MetricCatalog,
  recordingRules: ReadonlySet<string>,
): Variables {
  const names = new Set(list.map((v) => String(v.name)));
  const datasources = new Set<string>();
  for (const v of list) {
    const where = `templating variable "${String(v.name)}"`;
    if (v.type === 'datasource') {
      if (!PROVISIONED_BY_TYPE[String(v.query)]) {
        throw UserInputError.of({
          file,
          where,
          problem: 'chooses among data sources of a type this project does not provision',
          value: v.query,
          fix: `set its type (query) to one of ${Object.keys(PROVISIONED_BY_TYPE).join(', ')}`,
        });
      }
      datasources.add(String(v.name));
      continue;
    }
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    for (const name of usedVariables(query)) {
      if (!names.has(name) && !isBuiltinVariable(name))
        throw UserInputError.of({
          file,
          where,
          problem: `uses the variable $${name}, which the dashboard does not define`,
          value: query,
          fix: `define $${name} under Settings > Variables, or remove it from the query`,
        });
    }
    const dsType = typeof v.datasource === 'object' && v.datasource ? v.datasource.type : undefined;
    if (dsType !== undefined && PROVISIONED_BY_TYPE[dsType] !== PROMETHEUS_DATASOURCE_UID) continue;
    const expr = promqlOfVariableQuery(query);
    if (expr === undefined) continue;
    lintQuery(file, where, expr, catalog, recordingRules, false);
  }
  return { names, datasources };
}

/** The PromQL inside Grafana's Prometheus variable functions, if any. */
function promqlOfVariableQuery(query: string): string | undefined {
  const q = query.trim();
  const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/s.exec(q);
  if (labelValues) return labelValues[1];
  const result = /^query_result\((.*)\)$/s.exec(q);
  if (result) return result[1];
  return undefined;
}

/** Every check of one panel; the first failure stops synth naming file and panel. */
function lintPanel(
  file: string,
  panel: DashboardPanel,
  catalog: MetricCatalog,
  recordingRules: ReadonlySet<string>,
  variables: Variables,
): void {
  const where = `panel "${panel.title}"${panel.id !== undefined ? ` (id ${panel.id})` : ''}`;
  for (const expr of panel.queries) {
    for (const name of usedVariables(expr)) {
      if (!variables.names.has(name) && !isBuiltinVariable(name)) {
        throw UserInputError.of({
          file,
          where,
          problem: `uses the variable $${name}, which the dashboard does not define`,
          value: expr,
          fix: `define $${name} under Settings > Variables, or remove it from the query`,
        });
      }
    }
    lintQuery(file, where, expr, catalog, recordingRules, true);
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
    const variable = /^\$\{?([A-Za-z0-9_]+)(?::[a-z]+)?\}?$/.exec(uid)?.[1];
    if (variable !== undefined ? variables.datasources.has(variable) : PROVISIONED_UIDS[uid] !== undefined || BUILTIN_REFS.has(uid))
      continue;
    throw UserInputError.of({
      file,
      where,
      problem:
        variable !== undefined
          ? `uses the data source variable $${variable}, which the dashboard does not define as a data source variable`
          : 'references a data source that is not provisioned',
      value: uid,
      fix: `use the uid "${PROMETHEUS_DATASOURCE_UID}", or a data source variable of type prometheus defined under Settings > Variables`,
    });
  }
}

const BUILTIN_REFS = new Set(['-- Grafana --', 'grafana', '-- Mixed --', '-- Dashboard --']);

/** One PromQL query: it parses, its metrics are known, counters are rated, buckets go through histogram_quantile. */
function lintQuery(
  file: string,
  where: string,
  expr: string,
  catalog: MetricCatalog,
  recordingRules: ReadonlySet<string>,
  shown: boolean,
): void {
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
    const resolved = catalog.resolve(sel.name, recordingRules);
    if (!resolved) {
      throw UserInputError.of({
        file,
        where,
        problem: 'queries a metric that is neither in the catalog nor a recording rule',
        value: sel.name,
        fix: 'add it to catalog/metrics.yaml, add a recording rule of that name in alerts/, or correct the spelling',
      });
    }
    if (resolved.kind !== 'metric' || !shown) continue;
    const counterLike =
      (resolved.metric.type === 'counter' && !resolved.suffix) || resolved.suffix === 'sum' || resolved.suffix === 'count';
    const counted = sel.enclosing.length > 0 && SERIES_COUNTING.includes(sel.enclosing[0]);
    if (counterLike && !counted && !sel.enclosing.some((f) => COUNTER_FUNCTIONS.includes(f))) {
      throw UserInputError.of({
        file,
        where,
        problem: `shows the counter ${sel.name} raw`,
        value: expr,
        fix: `wrap it in rate(${sel.name}[$__rate_interval]) or increase(...) (seed 9.3: rate, not raw counts)`,
      });
    }
    if (resolved.suffix === 'bucket' && !counted && !sel.enclosing.includes('histogram_quantile')) {
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
    unit: p.fieldConfig?.defaults?.unit ?? p.format ?? p.yaxes?.[0]?.format,
    datasourceUids: uids,
  };
}
