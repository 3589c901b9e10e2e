/**
 * Dashboard template variables, interpolated into a query as Grafana 12
 * does before it sends the query to Prometheus, so the linter sees the
 * PromQL Prometheus would get (issue #29, item 1).
 *
 * The rules, read from Grafana's sources (not copied):
 * - syntax: `$name`, `[[name]]`, `[[name:format]]`, `${name}`,
 *   `${name:format}` (grafana/scenes packages/scenes/src/variables/constants.ts
 *   VARIABLE_REGEX; docs: grafana.com/docs/grafana/latest/dashboards/variables/variable-syntax/).
 *   A name the dashboard does not define is left as written.
 * - without a format, the Prometheus data source formats the value
 *   (grafana/grafana packages/grafana-prometheus/src/datasource.ts
 *   `interpolateQueryExpr`): a variable that is neither multi-value nor
 *   "Include All" gets `prometheusRegularEscape` (backslash and single quote
 *   escaped); otherwise every value is regex-escaped
 *   (`prometheusSpecialRegexEscape`) and several values become `(a|b)`.
 * - with a format, the format decides (grafana/scenes
 *   packages/scenes/src/variables/interpolation/formatRegistry.ts): `raw`
 *   as is, `regex` regex-escaped / `(a|b)`, `pipe` `a|b`, `csv` `a,b`,
 *   `glob` `{a,b}`, `text` the option's text, `singlequote`,
 *   `doublequote`, `json`, `join`; an unknown format (e.g. `:value`, which
 *   is not one) falls back to `glob` (sceneInterpolator.ts formatValue),
 *   which for one value is the value itself.
 * - "All" (`$__all`) with a custom all value (`allValue`) is that value,
 *   never escaped nor formatted (MultiValueVariable.ts CustomAllValue);
 *   without one it is every option's value (as a multi-value selection).
 *
 * What each variable can be: a custom variable its options (or its query,
 * `text : value` pairs separated by unescaped commas), an interval
 * variable its durations, a constant its query, a textbox its current value,
 * a data source variable our Prometheus uid. A query variable's values come
 * from Prometheus at runtime (`label_values(...)`, `query_result(...)`): it is
 * replaced with QUERY_VARIABLE_PLACEHOLDER, a word valid where a label value
 * (inside quotes) or a label name (`by ($label)`) goes; in a metric name,
 * a range or a function name it cannot be checked, and the linter says so.
 */

export interface RawVariable {
  name?: string;
  type?: string;
  query?: string | { query?: string };
  datasource?: { uid?: string; type?: string } | string | null;
  multi?: boolean | null;
  includeAll?: boolean | null;
  allValue?: string | null;
  options?: { text?: unknown; value?: unknown }[] | null;
  current?: { text?: unknown; value?: unknown } | null;
  auto?: boolean;
}

/** One value a variable can take when a query runs. */
export type Selection =
  | { readonly kind: 'value'; readonly value: string; readonly text: string }
  | { readonly kind: 'multi'; readonly values: readonly string[]; readonly texts: readonly string[]; readonly all: boolean }
  | { readonly kind: 'custom-all'; readonly value: string }
  | { readonly kind: 'runtime' };

export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly multi: boolean;
  readonly includeAll: boolean;
  /** Every selection the linter tries, the current/first one first. */
  readonly selections: readonly Selection[];
}

/** Stands for a query variable's value: letters and underscores only, valid as a label value, a label name, an identifier. */
export const QUERY_VARIABLE_PLACEHOLDER = (name: string) => `grafana_query_variable_${name}`;
export const PLACEHOLDER_PREFIX = 'grafana_query_variable_';

/**
 * At most this many combinations of a query's variables are linted. Beyond it
 * the linter tries a covering set instead (combination i takes each
 * variable's selection i modulo its count): every value of every variable
 * is tried at least once, not every combination.
 */
export const MAX_COMBINATIONS = 64;

/** Grafana's time macros, as the lint substitutes them (a duration, or its number). */
const MACROS: Readonly<Record<string, string>> = {
  __rate_interval: '5m',
  __interval: '5m',
  __range: '5m',
  __auto: '5m',
  __interval_ms: '300000',
  __rate_interval_ms: '300000',
  __range_ms: '300000',
  __range_s: '300',
};

/** grafana/scenes VARIABLE_REGEX: $name | [[name(:format)]] | ${name(.fieldPath)(:format)}. */
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Names of the variables a text references, in order, with duplicates. */
export function referencedVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE_REGEX)].map((m) => m[1] ?? m[2] ?? m[4]);
}

export const isMacro = (name: string) => name in MACROS || name.startsWith('__') || name === 'timeFilter';

const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** A custom variable's `query`: `a, b` or `Text : value, ...`, `\,` an escaped comma (Grafana's custom variable editor). */
function parseCustomQuery(query: string): { text: string; value: string }[] {
  const parts = query.match(/(?:\\,|[^,])+/g) ?? [];
  return parts.map((p) => {
    const unescaped = p.replace(/\\,/g, ',');
    const m = /^\s*(.+?)\s+:\s+(.*?)\s*$/s.exec(unescaped) ?? /^\s*(.+?)\s*:\s+(.*?)\s*$/s.exec(unescaped);
    if (m) return { text: m[1].trim(), value: m[2] };
    return { text: unescaped.trim(), value: unescaped.trim() };
  });
}

export function toVariables(list: readonly RawVariable[]): Map<string, DashboardVariable> {
  const out = new Map<string, DashboardVariable>();
  for (const v of list) {
    const name = String(v.name);
    const type = String(v.type);
    const multi = !!v.multi;
    const includeAll = !!v.includeAll;
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    let options: { text: string; value: string }[] = [];
    let runtime = false;
    switch (type) {
      case 'custom': {
        const fromOptions = (v.options ?? []).map((o) => ({ text: str(o.text), value: str(o.value) })).filter((o) => o.value !== '$__all');
        options = fromOptions.length > 0 ? fromOptions : parseCustomQuery(query);
        break;
      }
      case 'interval':
        options = query
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map((s) => ({ text: s, value: s }));
        if (v.auto) options.push({ text: 'auto', value: MACROS.__auto });
        break;
      case 'constant':
        options = [{ text: query, value: query }];
        break;
      case 'textbox': {
        const value = v.current?.value !== undefined ? str(v.current.value) : query;
        options = [{ text: value, value }];
        break;
      }
      case 'datasource':
        // Resolved to our provisioned data source (foreign-dashboard.ts); its uid.
        options = [{ text: 'prometheus', value: 'prometheus' }];
        break;
      case 'query':
        runtime = true;
        break;
      default:
        // adhoc, groupby, switch...: not interpolated into a query's text by name.
        runtime = true;
    }
    const selections: Selection[] = [];
    if (runtime) selections.push({ kind: 'runtime' });
    else {
      // The current value first, so a dashboard's default is the base combination.
      const current = str(v.current?.value);
      const ordered = [...options.filter((o) => o.value === current), ...options.filter((o) => o.value !== current)];
      for (const o of ordered) {
        selections.push(multi ? { kind: 'multi', values: [o.value], texts: [o.text], all: false } : { kind: 'value', ...o });
      }
      if (multi && options.length > 1)
        selections.push({ kind: 'multi', values: options.map((o) => o.value), texts: options.map((o) => o.text), all: false });
    }
    if (includeAll) {
      if (v.allValue) selections.push({ kind: 'custom-all', value: v.allValue });
      else if (!runtime && options.length > 0)
        selections.push({ kind: 'multi', values: options.map((o) => o.value), texts: options.map((o) => o.text), all: true });
    }
    out.set(name, { name, type, multi, includeAll, selections });
  }
  return out;
}

/** How a selection reads in an error message. */
export function describeSelection(s: Selection): string {
  switch (s.kind) {
    case 'value':
      return JSON.stringify(s.value);
    case 'multi':
      return s.all
        ? `All (${s.values.map((v) => JSON.stringify(v)).join(', ')})`
        : `[${s.values.map((v) => JSON.stringify(v)).join(', ')}]`;
    case 'custom-all':
      return `All (its custom all value ${JSON.stringify(s.value)})`;
    case 'runtime':
      return 'a value from Prometheus (query variable)';
  }
}

// Prometheus data source escapes (grafana-prometheus datasource.ts): the result sits inside a PromQL string.
const prometheusRegularEscape = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
const prometheusSpecialRegexEscape = (v: string) => v.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
// @grafana/data escapeRegex, which the `regex` format uses: regex specials backslash-escaped once.
const escapeRegex = (v: string) => v.replace(/[\\^$*+?.()|[\]{}/-]/g, '\\$&');

function format(variable: DashboardVariable, selection: Selection, fmt: string | undefined): string {
  if (selection.kind === 'custom-all') return fmt === 'text' ? 'All' : selection.value;
  const placeholder = QUERY_VARIABLE_PLACEHOLDER(variable.name);
  const value: string | string[] =
    selection.kind === 'runtime' ? placeholder : selection.kind === 'value' ? selection.value : [...selection.values];
  if (fmt === undefined) {
    // The Prometheus data source's interpolateQueryExpr.
    if (!variable.multi && !variable.includeAll) return typeof value === 'string' ? prometheusRegularEscape(value) : value.join(',');
    if (typeof value === 'string') return prometheusSpecialRegexEscape(value);
    const escaped = value.map(prometheusSpecialRegexEscape);
    return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
  }
  const list = typeof value === 'string' ? [value] : value;
  const [id, ...args] = fmt.split(':');
  switch (id) {
    case 'raw':
      return list.join(',');
    case 'regex':
      return list.length === 1 ? escapeRegex(list[0]) : `(${list.map(escapeRegex).join('|')})`;
    case 'pipe':
      return list.join('|');
    case 'csv':
      return list.join(',');
    case 'join':
      return list.join(args[0] ?? ',');
    case 'distributed':
      return list.map((v, i) => (i === 0 ? v : `${variable.name}=${v}`)).join(',');
    case 'singlequote':
      return list.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return list.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'text':
      if (selection.kind === 'value') return selection.text;
      if (selection.kind === 'multi') return selection.all ? 'All' : selection.texts.join(' + ');
      return placeholder;
    case 'percentencode':
      return encodeURIComponent(list.length > 1 ? `{${list.join(',')}}` : list[0]);
    default:
      // glob, and Grafana's fallback for a format it does not know (e.g. `value`).
      return list.length > 1 ? `{${list.join(',')}}` : list[0];
  }
}

/** The query with one selection per variable substituted, as Grafana sends it. */
export function interpolate(
  text: string,
  variables: ReadonlyMap<string, DashboardVariable>,
  assignment: ReadonlyMap<string, Selection>,
): string {
  return text.replace(VARIABLE_REGEX, (match, v1?: string, v2?: string, f2?: string, v3?: string, _path?: string, f3?: string) => {
    const name = (v1 ?? v2 ?? v3)!;
    const variable = variables.get(name);
    const selection = assignment.get(name);
    if (variable && selection) return format(variable, selection, f2 ?? f3);
    if (name in MACROS) return MACROS[name];
    return match;
  });
}

export interface Expansion {
  /** The query as Prometheus gets it. */
  readonly text: string;
  /** The selection of each variable the query uses. */
  readonly assignment: ReadonlyMap<string, Selection>;
}

/**
 * Every query Grafana can send for `text`: the cartesian product of the
 * selections of the variables it uses, or a covering set when that exceeds MAX_COMBINATIONS. The
 * first expansion takes each variable's first (current) selection.
 */
export function expandQuery(text: string, variables: ReadonlyMap<string, DashboardVariable>): Expansion[] {
  const used = [...new Set(referencedVariables(text))].filter((n) => variables.has(n)).map((n) => variables.get(n)!);
  const counts = used.map((v) => Math.max(1, v.selections.length));
  const product = counts.reduce((p, n) => p * n, 1);
  const indexes: number[][] = [];
  if (product <= MAX_COMBINATIONS) {
    for (let i = 0; i < product; i++) {
      let rest = i;
      indexes.push(
        counts.map((n) => {
          const k = rest % n;
          rest = Math.floor(rest / n);
          return k;
        }),
      );
    }
  } else {
    const rounds = Math.max(...counts);
    for (let i = 0; i < rounds; i++) indexes.push(counts.map((n) => i % n));
  }
  return indexes.map((idx) => {
    const assignment = new Map<string, Selection>();
    used.forEach((v, k) => assignment.set(v.name, v.selections[idx[k]] ?? { kind: 'runtime' }));
    return { text: interpolate(text, variables, assignment), assignment };
  });
}

/** "$a = "x", $b = ..." for the variables of `e` whose selection differs from `base` (all of them when none does). */
export function describeAssignment(e: Expansion, base?: Expansion): string {
  const entries = [...e.assignment].filter(([name, s]) => base === undefined || base.assignment.get(name) !== s);
  const shown = entries.length > 0 ? entries : [...e.assignment];
  return shown.map(([name, s]) => `$${name} = ${describeSelection(s)}`).join(', ');
}
