import { stringify as stringifyYaml } from 'yaml';

/**
 * YAML as the generated rule files, promtool tests and collector configuration
 * are written: no line folding (a folded PromQL expression is harder to read
 * and diff) and no anchors/aliases (Prometheus and the collector read them, but
 * a reviewer should see every value where it applies).
 */
export const toYaml = (value: unknown): string => stringifyYaml(value, { lineWidth: 0, aliasDuplicateObjects: false });

/** "kafka-publish" -> "KafkaPublish": the stem of a generated alert's name. */
export const pascalCase = (name: string): string => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
