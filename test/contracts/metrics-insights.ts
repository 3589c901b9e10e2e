/**
 * What CloudWatch Metrics Insights matches, as its query language reference
 * states it, for the subset of the language our alarms use:
 *   SELECT SUM|MAX(metric) FROM "namespace" | SCHEMA("namespace", key, ...) [WHERE key = 'value' [AND ...]]
 * An evaluator of that subset over given series, so that tests can check what
 * a query of ours returns for the series AWS may publish (we cannot run
 * CloudWatch). Source and facts below.
 */
/*
 * Source, read 2026-12-07: awsdocs/amazon-cloudwatch-user-guide@20a560c12498bb7fdbd1325e1c1415367dc601bf:
 * doc_source/cloudwatch-metrics-insights-querylanguage.md ("Metrics Insights query components and syntax"; current
 * page https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html).
 * The facts the evaluator implements, in its words:
 * - FROM a namespace: `SELECT AVG(CPUUtilization) FROM "AWS/EC2"` "matches all CPUUtilization metrics in the AWS/EC2
 *   namespace, no matter their dimensions, and returns a single aggregated time series".
 * - SCHEMA: "the results are scoped down to only those metrics that have that exact set of dimensions. The order of
 *   these label keys does not matter."
 * - WHERE `=`: "Label value must match the specified string"; AND: "Both conditions that are specified must be true".
 *   A series without the key has no label value to match: we read that it does not match. UNCONFIRMED in so many
 *   words (the reference says so only of GROUP BY, where such series form the group "Other").
 * - The WHERE operators are =, != and AND only (no OR in this copy of the reference).
 * - SUM "calculates the sum of the observations matched by the query"; MAX "returns the maximum value".
 */

/** One published series: its namespace, metric name, dimensions and one value (one period). */
export interface Series {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
}

const QUERY =
  /^SELECT (SUM|MAX)\((\w+)\) FROM (?:"([^"]+)"|SCHEMA\("([^"]+)"((?:, \w+)*)\))(?: WHERE (\w+ = '[^']*'(?: AND \w+ = '[^']*')*))?$/;

/**
 * The value the query returns for one period over these series, or undefined when it matches none (no data point:
 * the alarm's missing-data treatment applies). Throws on a query outside the subset above.
 */
export function evaluate(query: string, series: readonly Series[]): number | undefined {
  const m = QUERY.exec(query);
  if (!m) throw new Error(`not a query of the supported subset: ${query}`);
  const [, fn, metric, plainNs, schemaNs, schemaKeys, where] = m;
  const namespace = plainNs ?? schemaNs;
  const schema =
    schemaNs === undefined
      ? undefined
      : (schemaKeys ?? '')
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
  const conditions = (where ?? '')
    .split(' AND ')
    .filter(Boolean)
    .map((c) => /^(\w+) = '([^']*)'$/.exec(c)!)
    .map(([, key, value]) => ({ key, value }));
  const matched = series.filter((s) => {
    if (s.namespace !== namespace || s.metric !== metric) return false;
    const keys = Object.keys(s.dimensions);
    if (schema && (keys.length !== schema.length || !schema.every((k) => keys.includes(k)))) return false;
    return conditions.every(({ key, value }) => key in s.dimensions && s.dimensions[key] === value);
  });
  if (matched.length === 0) return undefined;
  const values = matched.map((s) => s.value);
  return fn === 'SUM' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
}
