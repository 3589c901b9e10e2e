import * as fs from 'fs';
import * as path from 'path';
import { stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { readYamlFile } from '../data-file';

export const ANOMALIES_FILE = 'alerts/anomalies.yaml';

const anomalySchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a lowercase name like "signal-generation-rate"' }),
  service: z.string().min(1),
  description: z.string().min(1),
  query: z.string().regex(/^(sum|max|min|avg|count|group|quantile|stddev|stdvar)\s*(by|without|\()/, {
    error: 'must be wrapped in an aggregation (sum, max, min, avg, count, group, quantile, stddev, stdvar): use e.g. sum(...)',
  }),
  window: z.string().regex(/^\d+[hd]$/, { error: 'must be a window like "1d" or "6h"' }),
  zScoreThreshold: z.number().positive(),
});
export type Anomaly = z.infer<typeof anomalySchema>;

export function loadAnomalies(root: string): Anomaly[] {
  const full = path.join(root, ANOMALIES_FILE);
  if (!fs.existsSync(full)) return [];
  return readYamlFile(root, ANOMALIES_FILE, z.strictObject({ anomalies: z.array(anomalySchema) }), 'the header of alerts/anomalies.yaml')
    .anomalies;
}

const camel = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
export const anomalyAlertName = (a: Pick<Anomaly, 'name'>) => `${camel(a.name)}Anomalous`;

/**
 * The z-score rules of the anomalies (a Prometheus rule file, as text): the
 * query recorded, its distance from its mean over the window in standard
 * deviations, and an alert beyond the threshold. A flat series (no
 * deviation) never fires.
 */
export function renderAnomalyRules(anomalies: readonly Anomaly[]): string {
  const RUNBOOK = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md#anomalydetected';
  const groups = anomalies.map((a) => {
    const id = a.name.replace(/-/g, '_');
    const value = `anomaly:${id}:value`;
    const z = `anomaly:${id}:zscore${a.window}`;
    const labels = { anomaly: a.name, service: a.service };
    return {
      name: `anomaly_${id}`,
      interval: '30s',
      rules: [
        { record: value, expr: a.query, labels },
        {
          record: z,
          expr: `(${value} - avg_over_time(${value}[${a.window}])) / stddev_over_time(${value}[${a.window}]) and stddev_over_time(${value}[${a.window}]) > 0`,
          labels,
        },
        {
          alert: anomalyAlertName(a),
          expr: `abs(${z}) > ${a.zScoreThreshold}`,
          for: '10m',
          labels: { severity: 'warning', service: a.service, anomaly: a.name },
          annotations: {
            summary: `${a.description} is unusual`,
            description: `${a.description} is {{ $value | printf "%.1f" }} standard deviations from its ${a.window} mean (threshold ${a.zScoreThreshold}).`,
            runbook_url: RUNBOOK,
            dashboard_url: '/d/trading-platform-overview/trading-platform-overview',
          },
        },
      ],
    };
  });
  return stringifyYaml({ groups }, { lineWidth: 0, aliasDuplicateObjects: false });
}
