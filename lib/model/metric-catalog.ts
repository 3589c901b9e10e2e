import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';

/** The catalog file, relative to the project root: the one place to add a metric. */
export const CATALOG_FILE = 'catalog/metrics.yaml';

/**
 * What `npm run catalog:add` writes for a histogram's `buckets` and
 * `bucketsSource` when it was not given `--buckets`: the model refuses it until
 * the user fills in the real boundaries.
 */
export const BUCKETS_PLACEHOLDER = 'TODO: the le boundaries its instrumentation produces';
export const BUCKETS_SOURCE_PLACEHOLDER = 'TODO: where these boundaries come from';

const metricSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
  type: z.enum(['counter', 'gauge', 'histogram']),
  unit: z.string().min(1),
  services: z.array(z.string()).min(1),
  description: z.string().min(1),
  /** Label name -> expected number of distinct values. */
  labels: z.record(z.string(), z.number().int().positive()).default({}),
  /** `after-failure`: the emitter records it only when something fails, so it is absent while healthy. */
  presence: z.enum(['always', 'after-failure']).default('always'),
  /**
   * Histograms only: the explicit bucket boundaries the instrumentation
   * produces (the `le` values, without +Inf), and where that comes from.
   */
  buckets: z
    .array(z.number(), {
      error: (issue) =>
        issue.input === BUCKETS_PLACEHOLDER
          ? 'is the placeholder `npm run catalog:add` left: add the bucket boundaries its instrumentation produces (the `le` values without +Inf, e.g. [0.1, 0.5, 1]) and set bucketsSource to where they come from'
          : undefined,
    })
    .min(1)
    .optional(),
  bucketsSource: z.string().min(1).optional(),
});

const catalogSchema = z.strictObject({
  builtin: z.array(z.string()).default([]),
  metrics: z.array(metricSchema).min(1),
});

export type MetricDefinition = z.infer<typeof metricSchema>;

/** Series a histogram adds per label set: one `_bucket` per boundary, +Inf, `_sum` and `_count`. */
export const seriesPerLabelSet = (m: Pick<MetricDefinition, 'type' | 'buckets'>): number =>
  m.type === 'histogram' ? (m.buckets?.length ?? 0) + 3 : 1;

/** How a histogram's boundary is written in the `le` label (Go's strconv.FormatFloat(b, 'f', -1, 64), e.g. "0.5", "1"). */
export const leValue = (b: number): string => String(b);

/** How a series name in a query relates to the catalog. */
export type SeriesKind =
  | { readonly kind: 'metric'; readonly metric: MetricDefinition; readonly suffix?: 'bucket' | 'sum' | 'count' }
  | { readonly kind: 'builtin' }
  | { readonly kind: 'recording' };

export class MetricCatalog {
  private readonly byName = new Map<string, MetricDefinition>();
  private readonly builtin: ReadonlySet<string>;

  constructor(
    readonly metrics: readonly MetricDefinition[],
    builtin: readonly string[],
    file: string = CATALOG_FILE,
  ) {
    for (const m of metrics) {
      checkBuckets(file, m);
      if (this.byName.has(m.name)) {
        throw UserInputError.of({
          file,
          where: `metric ${m.name}`,
          problem: 'is listed twice',
          fix: 'keep one entry per metric',
        });
      }
      this.byName.set(m.name, m);
    }
    this.builtin = new Set(builtin);
  }

  get(name: string): MetricDefinition | undefined {
    return this.byName.get(name);
  }

  /** Resolves a series name as a query writes it (`x_bucket` is histogram `x`). */
  resolve(series: string, recordingRules: ReadonlySet<string> = new Set()): SeriesKind | undefined {
    if (recordingRules.has(series)) return { kind: 'recording' };
    if (this.builtin.has(series)) return { kind: 'builtin' };
    const metric = this.byName.get(series);
    if (metric) return { kind: 'metric', metric };
    const m = /^(.*)_(bucket|sum|count)$/.exec(series);
    const hist = m ? this.byName.get(m[1]) : undefined;
    if (m && hist?.type === 'histogram') return { kind: 'metric', metric: hist, suffix: m[2] as 'bucket' | 'sum' | 'count' };
    return undefined;
  }

  /**
   * Active series the catalog implies per target: the product of each
   * metric's label cardinalities, times (its declared buckets + +Inf + _sum +
   * _count) for histograms, times the services that emit it. The collector's sizing and
   * the cost estimate work from this.
   */
  estimateSeries(): number {
    return this.metrics.reduce((sum, m) => {
      const labels = Object.values(m.labels).reduce((p, n) => p * n, 1);
      return sum + labels * seriesPerLabelSet(m) * m.services.length;
    }, 0);
  }

  /** Every series name a scrape yields for the catalog (histograms as _bucket/_sum/_count). */
  seriesNames(which: 'all' | 'always' = 'all'): string[] {
    return this.metrics
      .filter((m) => which === 'all' || m.presence === 'always')
      .flatMap((m) => (m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
  }
}

export function parseCatalog(file: string, text: string): MetricCatalog {
  const data = parseYamlFile(file, text, catalogSchema, 'the header of catalog/metrics.yaml for the fields of a metric');
  return new MetricCatalog(data.metrics, data.builtin, file);
}

/** A histogram declares strictly increasing finite boundaries and their source; other types declare none. */
function checkBuckets(file: string, m: MetricDefinition): void {
  const where = `metric ${m.name}`;
  if (m.type !== 'histogram') {
    if (m.buckets || m.bucketsSource) {
      throw UserInputError.of({
        file,
        where,
        problem: `is a ${m.type} but declares buckets`,
        fix: 'remove buckets and bucketsSource',
      });
    }
    return;
  }
  if (m.bucketsSource === BUCKETS_SOURCE_PLACEHOLDER) {
    throw UserInputError.of({
      file,
      where: `${where}, bucketsSource`,
      problem: 'is the placeholder `npm run catalog:add` left',
      value: m.bucketsSource,
      fix: "say where the boundaries come from (the exporter's code or docs, an SDK default)",
    });
  }
  if (!m.buckets || !m.bucketsSource) {
    throw UserInputError.of({
      file,
      where,
      problem: 'is a histogram without `buckets` and `bucketsSource`',
      fix: 'declare the bucket boundaries its instrumentation produces, and where they come from (semantic conventions advice, SDK default, or the service code)',
    });
  }
  m.buckets.forEach((b, i) => {
    if (!Number.isFinite(b) || (i > 0 && b <= m.buckets![i - 1])) {
      throw UserInputError.of({
        file,
        where: `${where}, buckets[${i}]`,
        problem: 'is not a finite boundary greater than the one before',
        value: b,
        fix: 'list finite boundaries in increasing order, without +Inf',
      });
    }
  });
}
