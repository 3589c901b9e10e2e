import { PROMETHEUS_DATASOURCE_UID } from '../model/dashboards';

type Json = unknown;

/**
 * A dashboard as Grafana exports it, made fit for dashboards/: instance ids
 * and versions stripped, Prometheus data source references set to the shared
 * uid, the importer's marker tag removed, keys in a stable order. Applying it
 * twice changes nothing.
 */
export function normalizeDashboard(dashboard: Record<string, Json>, options: { markerPrefix?: string } = {}): Record<string, Json> {
  const { id: _id, version: _version, iteration: _iteration, ...rest } = dashboard;
  const marker = options.markerPrefix ?? 'managed-by:';
  const tags = Array.isArray(rest.tags) ? (rest.tags as string[]).filter((t) => !t.startsWith(marker)) : rest.tags;
  return sortKeys(normalizeDatasources({ ...rest, tags })) as Record<string, Json>;
}

function normalizeDatasources(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalizeDatasources);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, Json>)) {
    if (
      k === 'datasource' &&
      v &&
      typeof v === 'object' &&
      (v as { type?: string }).type === 'prometheus' &&
      !String((v as { uid?: string }).uid ?? '').startsWith('$')
    ) {
      out[k] = { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID };
    } else {
      out[k] = normalizeDatasources(v);
    }
  }
  return out;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, Json>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

/** The file text for dashboards/: two-space JSON and a final newline. */
export function dashboardFileText(dashboard: Record<string, Json>): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
