import { z } from 'zod';
import { parseYamlFile } from '../data-file';

export const LIMITS_FILE = 'config/limits.yaml';

const ampSchema = z.object({
  ruleGroupsNamespaceBytes: z.number().int().positive(),
  rulesPerWorkspace: z.number().int().positive(),
  alertManagerDefinitionBytes: z.number().int().positive(),
  namespaceAndGroupNameBytes: z.number().int().positive(),
  repeatIntervalMaxSeconds: z.number().int().positive(),
  ruleEvaluationIntervalMinSeconds: z.number().int().positive(),
  /** Active series per workspace: the quota alarm warns at 80 % of it. */
  activeSeriesPerWorkspace: z.number().int().positive(),
  /** Samples per second per workspace: the quota alarm warns at 80 % of it. */
  ingestionRatePerWorkspace: z.number().int().positive(),
});
export type AmpLimits = z.infer<typeof ampSchema>;

/** AMP's quotas and limits as config/limits.yaml states them (each with its source there). */
export function parseAmpLimits(file: string, text: string): AmpLimits {
  return parseYamlFile(file, text, z.object({ amp: ampSchema }).loose(), 'the amp: block of config/limits.yaml').amp;
}
