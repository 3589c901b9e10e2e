import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';

export const PRICES_FILE = 'config/prices.yaml';

/** A unit price or an amount: a finite number, zero or more. */
const price = z.number({ error: 'is not a number: use a plain number of the currency, e.g. 0.10' }).min(0, {
  error: 'is negative: use the price from the AWS pricing page (zero or more)',
});

const tier = z.strictObject({
  /** The tier ends at this many samples in a month; null: the last tier, unbounded. */
  upToSamples: z.number().positive().nullable(),
  perTenMillion: price,
});

const pricesSchema = z.strictObject({
  date: z.union([z.string(), z.date().transform((d) => d.toISOString().slice(0, 10))]),
  region: z.string().min(1),
  currency: z.string().min(1),
  prices: z.strictObject({
    amp: z.strictObject({
      ingestTiers: z.array(tier).min(1),
      storagePerGbMonth: price,
      queryPerBillionSamples: price,
    }),
    grafana: z.strictObject({ editorPerMonth: price, viewerPerMonth: price }),
    fargateArm: z.strictObject({ perVcpuHour: price, perGbHour: price }),
    cloudwatch: z.strictObject({ logsIngestPerGb: price, logsStoragePerGbMonth: price, alarmPerMonth: price, customMetricPerMonth: price }),
    sns: z.strictObject({ publishesPerMillion: price, emailPerHundredThousand: price, smsPerMessage: price, httpsPerMillion: price }),
    kms: z.strictObject({ keyPerMonth: price }),
    ssm: z.strictObject({ advancedParameterPerMonth: price }),
    natGateway: z.strictObject({ perHour: price, perGbProcessed: price }),
    xray: z.strictObject({ tracesRecordedPerMillion: price }),
  }),
  assumptions: z
    .object({
      instancesPerService: z.number().positive(),
      bytesPerStoredSample: z.number().positive(),
      hoursPerMonth: z.number().positive(),
    })
    .catchall(z.number()),
});

export type Prices = z.infer<typeof pricesSchema>;
export type IngestTier = Prices['prices']['amp']['ingestTiers'][number];

/**
 * config/prices.yaml, checked: every price a number of zero or more, the
 * ingestion tiers rising and ending with the unbounded one. A bad file stops
 * synth (the cost dashboard is rendered from it) and `npm run cost` with one
 * line naming the field and the fix.
 */
export function parsePrices(file: string, text: string): Prices {
  const prices = parseYamlFile(file, text, pricesSchema, 'the format of config/prices.yaml in the repository');
  checkTiers(file, prices.prices.amp.ingestTiers);
  return prices;
}

function checkTiers(file: string, tiers: readonly IngestTier[]): void {
  tiers.forEach((t, i) => {
    const where = `prices.amp.ingestTiers[${i}].upToSamples`;
    const last = i === tiers.length - 1;
    if (last !== (t.upToSamples === null))
      throw UserInputError.of({
        file,
        where,
        problem: last ? 'bounds the last tier' : 'is null before the last tier',
        value: t.upToSamples,
        fix: 'end the list with one tier of `upToSamples: null` (the unbounded tier) and bound every other',
      });
    const before = i > 0 ? tiers[i - 1].upToSamples : 0;
    if (t.upToSamples !== null && before !== null && t.upToSamples <= before)
      throw UserInputError.of({
        file,
        where,
        problem: `does not rise above the tier before (${before})`,
        value: t.upToSamples,
        fix: 'list the tiers in increasing order of upToSamples',
      });
  });
}
