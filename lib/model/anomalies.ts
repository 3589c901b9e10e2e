import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { outermostAggregation, parsePromql } from './promql';

export const ANOMALIES_FILE = 'alerts/anomalies.yaml';

/**
 * AMP's detector takes only a query wrapped as a whole by one of these.
 * @see test/contracts/amp.ts RANDOM_CUT_FOREST
 */
const RCF_AGGREGATIONS = ['avg', 'count', 'group', 'max', 'min', 'quantile', 'stddev', 'stdvar', 'sum'];

const anomalySchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a lowercase name like "signal-generation-rate"' }),
  service: z.string().min(1),
  description: z.string().min(1),
  query: z.string().refine((q) => parsePromql(q).ok && RCF_AGGREGATIONS.includes(outermostAggregation(q) ?? ''), {
    error: `must be wrapped as a whole by one of AMP's aggregations (${RCF_AGGREGATIONS.join(', ')}): use e.g. sum(rate(x[5m]) * 60), the arithmetic inside the aggregation`,
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

export function parseAnomalies(file: string, text: string): Anomaly[] {
  return parseYamlFile(file, text, z.strictObject({ anomalies: z.array(anomalySchema) }), 'the header of alerts/anomalies.yaml').anomalies;
}
