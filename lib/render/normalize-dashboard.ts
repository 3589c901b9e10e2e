import { PROVISIONED_BY_TYPE } from '../model/foreign-dashboard';

type Json = unknown;

/**
 * A dashboard as Grafana hands it back, made fit for dashboards/: instance
 * ids and versions stripped, the importer's marker tag removed, references
 * to a provisioned data source (whatever type the workspace gave it, e.g. the
 * AMP plugin on AMG 12+) or to another Grafana's Prometheus set back to the
 * repository's form. Key order is left as it is: `orderLike` puts it in the
 * order of the file it came from. Applying it twice changes nothing.
 */
export function normalizeDashboard(dashboard: Record<string, Json>, options: { markerPrefix?: string } = {}): Record<string, Json> {
  const { id: _id, version: _version, iteration: _iteration, ...rest } = dashboard;
  const marker = options.markerPrefix ?? 'managed-by:';
  const out: Record<string, Json> = { ...rest };
  if (Array.isArray(rest.tags)) out.tags = (rest.tags as string[]).filter((t) => !t.startsWith(marker));
  return normalizeDatasources(out) as Record<string, Json>;
}

function normalizeDatasources(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalizeDatasources);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, Json>)) {
    const ref = v as { type?: string; uid?: string } | null;
    if (k === 'datasource' && ref && typeof ref === 'object' && typeof ref.type === 'string' && !String(ref.uid ?? '').startsWith('$')) {
      const ours = PROVISIONED_BY_TYPE[ref.type];
      // Spreading keeps the reference's own key order.
      out[k] = ours === 'prometheus' ? { ...ref, type: 'prometheus', uid: ours } : ours ? { ...ref, uid: ours } : ref;
    } else {
      out[k] = normalizeDatasources(v);
    }
  }
  return out;
}

/**
 * `value` with the keys of every object in the order `template` has them
 * (keys the template lacks follow, in their own order); arrays element by
 * element. A pull so writes a file back in the repository's own key order.
 */
export function orderLike(value: Json, template: Json): Json {
  if (Array.isArray(value)) return value.map((v, i) => orderLike(v, Array.isArray(template) ? template[i] : undefined));
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, Json>;
  const tmpl = template && typeof template === 'object' && !Array.isArray(template) ? (template as Record<string, Json>) : {};
  const keys = [...Object.keys(tmpl).filter((k) => k in obj), ...Object.keys(obj).filter((k) => !(k in tmpl))];
  return Object.fromEntries(keys.map((k) => [k, orderLike(obj[k], tmpl[k])]));
}

/** The file text for dashboards/: JSON indented like `like` (two spaces by default) and a final newline. */
export function dashboardFileText(dashboard: Record<string, Json>, like?: string): string {
  const indent = like ? (/\n([ \t]+)"/.exec(like)?.[1] ?? '  ') : '  ';
  const newline = like === undefined || like.endsWith('\n') ? '\n' : '';
  return `${JSON.stringify(dashboard, null, indent)}${newline}`;
}
