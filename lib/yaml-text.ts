import { stringify as stringifyYaml } from 'yaml';

/**
 * YAML as the generated rule files, promtool tests and collector configuration
 * are written: no line folding (a folded PromQL expression is harder to read
 * and diff) and no anchors/aliases (Prometheus and the collector read them, but
 * a reviewer should see every value where it applies).
 */
export function toYaml(value: unknown): string {
  return stringifyYaml(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
