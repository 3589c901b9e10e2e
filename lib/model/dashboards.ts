import * as path from 'path';
import { UserInputError } from '../errors';
import { filesIn, ProjectFiles } from './project-files';
import { MetricCatalog } from './metric-catalog';
import { PROVISIONED_BY_TYPE, PROVISIONED_UIDS, resolveForeignDashboard } from './foreign-dashboard';
import { GRAFANA_UID_MAX_LENGTH, GRAFANA_UID_PATTERN, titleSlug } from './grafana-names';
import {
  describeAssignment,
  expandQuery,
  isMacro,
  PLACEHOLDER_PREFIX,
  referencedVariables,
  toVariables,
  type DashboardVariable,
  type Expansion,
  type RawVariable,
} from './grafana-variables';
import { parsePromql, type PromqlParse, type SelectorUse } from './promql';

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

/** Lists dashboards/**\/*.json, sorted. */
export function dashboardPaths(files: ProjectFiles): string[] {
  return filesIn(files, DASHBOARDS_DIR, /\.json$/, true);
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
    const folder = folderOf(file);
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
    const unknown: UnknownMetrics = new Map();
    const variables = lintTemplating(file, json.templating?.list ?? [], catalog, recordingRules, unknown);
    const panels = flattenPanels(json.panels ?? []).map((p) => toPanel(p));
    for (const panel of panels) lintPanel(file, panel, catalog, recordingRules, variables, unknown);
    if (unknown.size > 0) throw unknownMetricsError(file, unknown);
    return { file, folder, uid: json.uid, title: json.title, text: resolvedText, panels };
  });
}

/**
 * A dashboard the model renders whose queries are not PromQL (the log
 * dashboards: Logs Insights and LogQL, checked where they are rendered):
 * published like the others, with no PromQL for the metric checks.
 */
export function generatedLogDashboard(file: string, text: string): DashboardFile {
  const json = JSON.parse(text) as { uid: string; title: string; panels?: RawPanel[] };
  const panels = flattenPanels(json.panels ?? []).map((p) => ({ ...toPanel(p), queries: [] }));
  return { file, folder: folderOf(file), uid: json.uid, title: json.title, text, panels };
}

/**
 * A dashboard the model generates keeps its uid, and its title in its folder,
 * free among the repository's dashboards: otherwise one of the two would
 * replace the other in Grafana. The repository's dashboard is named, since
 * that is the one to change.
 */
export function checkGeneratedFree(generated: DashboardFile, dashboards: readonly DashboardFile[]): void {
  const clash = dashboards.find((d) => d.uid === generated.uid || (d.folder === generated.folder && d.title === generated.title));
  if (!clash) return;
  const what = clash.uid === generated.uid ? 'uid' : 'title';
  throw UserInputError.of({
    file: clash.file,
    where: what,
    problem: `is the ${what} of the generated "${generated.title}" dashboard`,
    value: what === 'uid' ? clash.uid : clash.title,
    fix: 'give this dashboard another one',
  });
}

/** A dashboard file's Grafana folder: its subfolder of dashboards/ ('' at the top). */
function folderOf(file: string): string {
  const dir = path.posix.dirname(path.posix.relative(DASHBOARDS_DIR, file));
  return dir === '.' ? '' : dir;
}

/** Grafana's own variables ($__interval, $__range, $timeFilter...). */
const isBuiltinVariable = (name: string) => isMacro(name) || name === 'interval';

/** Variables a query uses: $name, ${name}, ${name:format}, [[name]] (Grafana's syntax, grafana-variables.ts). */
const usedVariables = (text: string): string[] => referencedVariables(text).filter((n) => /^[A-Za-z_]/.test(n));

interface Variables {
  /** Every variable the dashboard defines, with the values Grafana can interpolate. */
  readonly all: ReadonlyMap<string, DashboardVariable>;
  /** Data source variables (any name) of a type we provision. */
  readonly datasources: ReadonlySet<string>;
}

/** At most this many unknown metric names are listed in the error; the count says how many there are. */
const UNKNOWN_LISTED = 12;

/** Unknown metrics of a dashboard: name → where first seen, and the variable values that alone produce it. */
type UnknownMetrics = Map<string, { where: string; when?: string }>;

/** One error for every metric of the dashboard the catalog lacks, pointing to `npm run catalog:add`. */
function unknownMetricsError(file: string, unknown: UnknownMetrics): UserInputError {
  const names = [...unknown].map(([name, { where, when }]) => `${name} (${where}${when ? ` when ${when}` : ''})`);
  const listed = names.slice(0, UNKNOWN_LISTED).join(', ');
  const more = names.length > UNKNOWN_LISTED ? ` and ${names.length - UNKNOWN_LISTED} more` : '';
  return UserInputError.of({
    file,
    where: 'queries',
    problem: `query ${names.length} metric(s) that are neither in the catalog nor recording rules: ${listed}${more}`,
    fix: `declare them all with \`npm run catalog:add -- ${file} --service NAME\` (then review catalog/metrics.yaml), add recording rules of those names in alerts/, or correct the spelling or the variable's values`,
  });
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
  unknown: UnknownMetrics,
): Variables {
  const names = new Set(list.map((v) => String(v.name)));
  const all = toVariables(list);
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
    lintQuery(file, where, expr, all, catalog, recordingRules, false, unknown);
  }
  return { all, datasources };
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
  unknown: UnknownMetrics,
): void {
  const where = `panel "${panel.title}"${panel.id !== undefined ? ` (id ${panel.id})` : ''}`;
  for (const expr of panel.queries) {
    for (const name of usedVariables(expr)) {
      if (!variables.all.has(name) && !isBuiltinVariable(name)) {
        throw UserInputError.of({
          file,
          where,
          problem: `uses the variable $${name}, which the dashboard does not define`,
          value: expr,
          fix: `define $${name} under Settings > Variables, or remove it from the query`,
        });
      }
    }
    lintQuery(file, where, expr, variables.all, catalog, recordingRules, true, unknown, panel.type === 'heatmap');
  }
  // A node graph shows no values (nodes and edges); a heatmap of buckets has the histogram's boundaries on its axis,
  // in the unit the catalog declares for it: neither needs a panel unit.
  const unitless = panel.type === 'nodeGraph' || (panel.type === 'heatmap' && panel.queries.every((q) => /_bucket\b/.test(q)));
  if (panel.queries.length > 0 && !panel.unit && !unitless) {
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

/**
 * One PromQL query, as Grafana sends it for every combination of the
 * variables it uses (grafana-variables.ts): it parses, its metrics are known
 * (the unknown ones are collected, to be reported together), counters are
 * rated, buckets go through histogram_quantile. An error names the variable
 * values that broke the query.
 */
function lintQuery(
  file: string,
  where: string,
  expr: string,
  variables: ReadonlyMap<string, DashboardVariable>,
  catalog: MetricCatalog,
  recordingRules: ReadonlySet<string>,
  shown: boolean,
  unknown: UnknownMetrics,
  /**
   * The query feeds a heatmap panel: rated buckets are its input (each bucket's rate is a cell: Grafana's heatmap
   * "calculate from data" with the Prometheus format heatmap), the whole distribution, not an average (seed 9.3).
   */
  heatmap = false,
): void {
  const expansions = expandQuery(expr, variables);
  const parses = expansions.map((e) => parsePromql(e.text, { grafana: true }));
  const base = parses[0].ok ? expansions[0] : undefined;
  // A query whose only variables are query variables has one expansion (their placeholder): nothing to name.
  const templated = expansions.length > 1 || [...expansions[0].assignment.values()].some((v) => v.kind !== 'runtime');
  expansions.forEach((e, i) => {
    const parse = parses[i];
    const when = templated ? ` when ${describeAssignment(e, i === 0 ? undefined : base)}` : '';
    if (!parse.ok) throw notPromql(file, where, expr, e, parse, when);
    const knownInBase = new Set<string>();
    if (i > 0 && parses[0].ok) for (const s of parses[0].selectors) if (s.name) knownInBase.add(s.name);
    for (const sel of parse.selectors) {
      if (sel.name === undefined) continue;
      const runtime = sel.name.includes(PLACEHOLDER_PREFIX);
      if (runtime) {
        const variable = sel.name.slice(sel.name.indexOf(PLACEHOLDER_PREFIX) + PLACEHOLDER_PREFIX.length).replace(/\W.*$/, '');
        throw UserInputError.of({
          file,
          where,
          problem: `builds a metric name from the query variable $${variable}, whose values come from Prometheus at runtime, so the metric cannot be checked against the catalog`,
          value: expr,
          fix: `make $${variable} a custom variable listing its values (Settings > Variables), or write the metric name out`,
        });
      }
      const resolved = catalog.resolve(sel.name, recordingRules);
      if (!resolved) {
        const produced = i > 0 && !knownInBase.has(sel.name) ? describeAssignment(e, base) : undefined;
        const seen = unknown.get(sel.name);
        if (!seen || (seen.when && !produced)) unknown.set(sel.name, { where, when: produced });
        continue;
      }
      if (resolved.kind !== 'metric' || !shown) continue;
      const counterLike =
        (resolved.metric.type === 'counter' && !resolved.suffix) || resolved.suffix === 'sum' || resolved.suffix === 'count';
      const counted = sel.enclosing.length > 0 && SERIES_COUNTING.includes(sel.enclosing[0]);
      // An uptime counter's value is the time elapsed, not a count of events: shown as it is (seed 9.3 is about counts).
      const uptime = /(^|_)uptime(_|$)/.test(resolved.metric.name);
      if (counterLike && !counted && !uptime && !sel.enclosing.some((f) => COUNTER_FUNCTIONS.includes(f))) {
        throw UserInputError.of({
          file,
          where,
          problem: `shows the counter ${sel.name} raw${when}`,
          value: expr,
          fix: `wrap it in rate(${sel.name}[$__rate_interval]) or increase(...) (seed 9.3: rate, not raw counts)${templated ? ', or give the variable only values that rate it' : ''}`,
        });
      }
      const heatmapCells = heatmap && sel.enclosing.some((f) => f === 'rate' || f === 'increase');
      if (resolved.suffix === 'bucket' && !counted && !heatmapCells && !sel.enclosing.includes('histogram_quantile')) {
        throw UserInputError.of({
          file,
          where,
          problem: `uses histogram buckets outside histogram_quantile${when}`,
          value: expr,
          fix: `use histogram_quantile(0.95, sum by (le) (rate(${sel.name}[$__rate_interval]))) (seed 9.3: percentiles, not averages)`,
        });
      }
    }
  });
}

function notPromql(
  file: string,
  where: string,
  expr: string,
  e: Expansion,
  parse: Extract<PromqlParse, { ok: false }>,
  when: string,
): UserInputError {
  const near = `near position ${parse.position} ("${parse.near}")`;
  if (!when) {
    return UserInputError.of({
      file,
      where,
      problem: `has a query that is not valid PromQL ${near}`,
      value: expr,
      fix: 'correct the query in Grafana and export the dashboard again',
    });
  }
  const runtime = [...e.assignment].filter(([, s]) => s.kind === 'runtime').map(([n]) => `$${n}`);
  const placeholderNear = parse.near.includes(PLACEHOLDER_PREFIX.slice(0, 10));
  return UserInputError.of({
    file,
    where,
    problem: `has a query that is not valid PromQL${when}, ${near} of ${JSON.stringify(e.text.length > 160 ? `${e.text.slice(0, 157)}...` : e.text)}`,
    value: expr,
    fix:
      placeholderNear && runtime.length > 0
        ? `${runtime.join(', ')} take values from Prometheus at runtime, which the lint can check only where a label value or a label name goes: make it a custom variable listing its values (Settings > Variables)`
        : "correct that variable's values (Settings > Variables) or the query in Grafana, and export the dashboard again",
  });
}

/**
 * Every selector a dashboard's queries use, over every value of its variables
 * (as the lint sees them): what `npm run catalog:add` declares. The export is
 * resolved to our data sources first; queries of other data sources are
 * skipped. A query that does not parse is skipped here (synth names it).
 */
export function dashboardSelectors(file: string, text: string): { selector: SelectorUse; where: string }[] {
  const json = resolveForeignDashboard(file, JSON.parse(text) as Record<string, unknown>) as {
    panels?: RawPanel[];
    templating?: { list?: RawVariable[] };
  };
  const list = json.templating?.list ?? [];
  const variables = toVariables(list);
  const queries: { where: string; expr: string }[] = [];
  for (const v of list) {
    if (v.type !== 'query') continue;
    const dsType = typeof v.datasource === 'object' && v.datasource ? v.datasource.type : undefined;
    if (dsType !== undefined && PROVISIONED_BY_TYPE[dsType] !== PROMETHEUS_DATASOURCE_UID) continue;
    const expr = promqlOfVariableQuery(typeof v.query === 'string' ? v.query : (v.query?.query ?? ''));
    if (expr !== undefined) queries.push({ where: `templating variable "${String(v.name)}"`, expr });
  }
  for (const p of flattenPanels(json.panels ?? []).map(toPanel)) {
    for (const expr of p.queries) queries.push({ where: `panel "${p.title}"`, expr });
  }
  return queries.flatMap(({ where, expr }) =>
    expandQuery(expr, variables).flatMap((e) => {
      const parse = parsePromql(e.text, { grafana: true });
      return parse.ok ? parse.selectors.map((selector) => ({ selector, where })) : [];
    }),
  );
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
