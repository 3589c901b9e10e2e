import * as path from 'path';
import { UserInputError } from '../errors';

type Json = unknown;
type Obj = Record<string, Json>;

/** The data sources every Grafana we provision has (AMG and local), by plugin type. */
export const PROVISIONED_BY_TYPE: Readonly<Record<string, string>> = {
  prometheus: 'prometheus',
  // The AMP plugin AMG 12+ uses for the same workspace (test/contracts/grafana.ts AMG).
  'grafana-amazonprometheus-datasource': 'prometheus',
  cloudwatch: 'cloudwatch',
  'grafana-x-ray-datasource': 'xray',
};
/** Our uids and the type a dashboard reference to them carries. */
export const PROVISIONED_UIDS: Readonly<Record<string, string>> = {
  prometheus: 'prometheus',
  cloudwatch: 'cloudwatch',
  xray: 'grafana-x-ray-datasource',
};
/** References Grafana resolves itself: built-in annotations, mixed panels, dashboard reuse. */
const BUILTIN_UIDS = new Set(['-- Grafana --', 'grafana', '-- Mixed --', '-- Dashboard --']);
/**
 * Keys an export carries that describe the exporting instance, not the
 * dashboard. (`version` stays: the importer leaves it out when it saves, and
 * the repository's own files keep it.)
 */
const INSTANCE_KEYS = ['__inputs', '__requires', '__elements', 'id', 'iteration'];
const VAR_REF = /^\$\{?([A-Za-z0-9_]+)(?::[a-z]+)?\}?$/;

/**
 * Makes a dashboard exported from any Grafana fit to import into ours, as
 * Grafana's own import does: `__inputs` data source placeholders (`${DS_*}`),
 * other instances' data source uids and the old string form
 * (`"datasource": "Prometheus"`) become our provisioned data source of the
 * same type; what describes the exporting instance (`__inputs`,
 * `__requires`, `__elements`, `id`) is dropped. References to a
 * data source template variable (any name) stay. A dashboard with no uid gets
 * one from its file name, so re-imports stay stable. The file itself is not
 * changed: this is what is imported.
 */
export function resolveForeignDashboard(file: string, dashboard: Obj): Obj {
  const inputs = new Map<string, string>();
  for (const input of (Array.isArray(dashboard.__inputs) ? dashboard.__inputs : []) as Obj[]) {
    if (input.type !== 'datasource') continue;
    const type = String(input.pluginId ?? '');
    const uid = PROVISIONED_BY_TYPE[type];
    if (!uid) {
      throw UserInputError.of({
        file,
        where: `__inputs "${String(input.name)}"`,
        problem: `needs a data source of type "${type}", which this project does not provision`,
        fix: `use a dashboard for ${Object.keys(PROVISIONED_BY_TYPE).join(', ')}, or change its panels to the Prometheus data source`,
      });
    }
    inputs.set(String(input.name), uid);
  }
  const variables = datasourceVariables(dashboard);
  const out: Obj = {};
  for (const [k, v] of Object.entries(dashboard)) if (!INSTANCE_KEYS.includes(k)) out[k] = v;
  if (typeof out.uid !== 'string' || out.uid === '') out.uid = uidFromFile(file);
  return resolveRefs(out, { file, inputs, variables }, undefined) as Obj;
}

/** Data source template variables: name → plugin type (their `query`). */
function datasourceVariables(dashboard: Obj): Map<string, string> {
  const list = ((dashboard.templating as Obj | undefined)?.list ?? []) as Obj[];
  return new Map(list.filter((v) => v.type === 'datasource').map((v) => [String(v.name), String(v.query ?? '')]));
}

/** A stable uid for a dashboard without one: its path under dashboards/, as Grafana allows uids. */
function uidFromFile(file: string): string {
  const base = path.posix
    .relative('dashboards', file)
    .replace(/\.json$/, '')
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return base.slice(0, 40);
}

interface Context {
  readonly file: string;
  readonly inputs: ReadonlyMap<string, string>;
  readonly variables: ReadonlyMap<string, string>;
}

function resolveRefs(value: Json, ctx: Context, panelType: string | undefined): Json {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, ctx, panelType));
  if (!value || typeof value !== 'object') return typeof value === 'string' ? substituteInputs(value, ctx) : value;
  const obj = value as Obj;
  // What a query targets tells its data source type when the reference does not.
  const inferred = inferType(obj) ?? panelType;
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'datasource') out[k] = resolveRef(v, ctx, inferred);
    else out[k] = resolveRefs(v, ctx, inferred);
  }
  return out;
}

/** `${DS_X}` of an input inside any string (e.g. a link) becomes our uid, as Grafana's import templating does. */
function substituteInputs(text: string, ctx: Context): string {
  if (ctx.inputs.size === 0 || !text.includes('$')) return text;
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (all, name: string) => ctx.inputs.get(name) ?? all);
}

function resolveRef(ref: Json, ctx: Context, inferred: string | undefined): Json {
  if (ref === null || ref === undefined) return ref;
  if (typeof ref === 'string') {
    // The old string form: an input, a variable, a built-in, or another instance's data source name.
    const m = VAR_REF.exec(ref);
    if (m && ctx.inputs.has(m[1])) return { type: PROVISIONED_UIDS[ctx.inputs.get(m[1])!], uid: ctx.inputs.get(m[1]) };
    if (m && ctx.variables.has(m[1])) return { type: ctx.variables.get(m[1]), uid: `\${${m[1]}}` };
    if (BUILTIN_UIDS.has(ref)) return ref;
    return byType(ref, inferred, ctx.file);
  }
  if (typeof ref !== 'object') return ref;
  const { uid, type } = ref as { uid?: Json; type?: Json };
  if (typeof uid !== 'string')
    return type && PROVISIONED_BY_TYPE[String(type)] ? { ...(ref as Obj), uid: PROVISIONED_BY_TYPE[String(type)] } : ref;
  const m = VAR_REF.exec(uid);
  if (m && ctx.inputs.has(m[1])) return { ...(ref as Obj), uid: ctx.inputs.get(m[1]) };
  if (m || BUILTIN_UIDS.has(uid) || type === 'grafana' || type === 'datasource') return ref;
  if (PROVISIONED_UIDS[uid] && (type === undefined || PROVISIONED_BY_TYPE[String(type)] === uid)) return ref;
  // Another instance's uid: ours of the same type.
  return { ...(ref as Obj), uid: byTypeUid(String(type ?? inferred ?? ''), uid, ctx.file) };
}

function byType(name: string, inferred: string | undefined, file: string): Json {
  const uid = byTypeUid(inferred ?? '', name, file);
  return { type: PROVISIONED_UIDS[uid], uid };
}

function byTypeUid(type: string, was: string, file: string): string {
  const uid = PROVISIONED_BY_TYPE[type];
  if (uid) return uid;
  throw UserInputError.of({
    file,
    where: 'datasource',
    problem: `references a data source of another Grafana${type ? ` of type "${type}"` : ' whose type its queries do not tell'}, which this project does not provision`,
    value: was,
    fix: `point the panel at the Prometheus data source (uid "prometheus") in Grafana and export again, or use { "type": "prometheus", "uid": "prometheus" }`,
  });
}

/** A Prometheus query has `expr`; a CloudWatch one `namespace` and `metricName`. */
function inferType(obj: Obj): string | undefined {
  const targets = Array.isArray(obj.targets) ? (obj.targets as Obj[]) : [obj];
  if (targets.some((t) => t && typeof t === 'object' && typeof t.expr === 'string')) return 'prometheus';
  if (targets.some((t) => t && typeof t === 'object' && typeof t.metricName === 'string' && 'namespace' in t)) return 'cloudwatch';
  return undefined;
}
