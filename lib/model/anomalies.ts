import * as fs from 'fs';
import * as path from 'path';
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
  /**
   * The smallest change from the baseline worth an alert, as a share of the
   * baseline: on a steady series the deviation is tiny and +2 % reads as 10σ.
   */
  minRelativeChange: z.number().nonnegative().default(0.2),
  /** The smallest change worth an alert, in the query's unit (for baselines near 0). */
  minAbsoluteChange: z.number().nonnegative().default(0),
});
export type Anomaly = z.infer<typeof anomalySchema>;

export function loadAnomalies(root: string): Anomaly[] {
  const full = path.join(root, ANOMALIES_FILE);
  if (!fs.existsSync(full)) return [];
  return readYamlFile(root, ANOMALIES_FILE, z.strictObject({ anomalies: z.array(anomalySchema) }), 'the header of alerts/anomalies.yaml')
    .anomalies;
}
