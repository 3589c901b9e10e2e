import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';
import { checkInsights } from './logs-insights';
import { parseLogql } from './logql';

export const LOG_QUERIES_FILE = 'logs/queries.yaml';

/** The stream selector every LogQL twin of a saved query starts from: the services the dashboard's `service` variable picks. */
export const LOGQL_SERVICES_SELECTOR = '{service_name=~"$service"}';
/** The stream label Loki gives the resource attribute `service.name` (OTLP ingestion). @see docs/logs.md#loki-locally */
export const LOKI_SERVICE_LABEL = 'service_name';

const querySchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a lowercase name like "errors-by-service"' }),
  /** `each`: one query per service, over its log group; `all`: one query over every service's group. */
  scope: z.enum(['each', 'all'], { error: 'must be "each" or "all"' }),
  description: z.string().min(1),
  /** The CloudWatch Logs Insights form (AWS: saved query and dashboard panel). */
  insights: z.string().min(1),
  /** The LogQL twin (local: Loki through Grafana), over `{service_name=~"$service"}`. */
  logql: z.string().min(1),
});
export type LogQuery = z.infer<typeof querySchema>;

const fileSchema = z.strictObject({
  /** The fields of the services' structured log lines (structlog JSON, seed 6.1). */
  fields: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/, { error: 'must be a field name like "pipeline_id"' })).min(1),
  queries: z.array(querySchema),
});

export interface LogQueries {
  /** What the services log: the fields queries, alerts and analytics may read. */
  readonly fields: ReadonlySet<string>;
  readonly queries: readonly LogQuery[];
}

/**
 * logs/queries.yaml: each saved query in its two forms, Logs Insights for
 * CloudWatch and LogQL for Loki, both checked here (a field the services do
 * not log, an unknown command, LogQL that Grafana's grammar refuses).
 */
export function parseLogQueries(file: string, text: string): LogQueries {
  const data = parseYamlFile(
    file,
    text,
    fileSchema,
    'the header of logs/queries.yaml (each query has name, scope, description, insights and its LogQL twin logql)',
  );
  const fields = new Set(data.fields);
  const names = new Set<string>();
  for (const q of data.queries) {
    const where = `query "${q.name}"`;
    if (names.has(q.name)) throw UserInputError.of({ file, where, problem: 'is defined twice', fix: 'give each query its own name' });
    names.add(q.name);
    checkInsightsQuery(file, `${where}.insights`, q.insights, fields);
    checkLogqlQuery(file, `${where}.logql`, q.logql, fields, { selector: LOGQL_SERVICES_SELECTOR });
  }
  return { fields, queries: data.queries };
}

/** One Logs Insights query, or a one-line error naming it. */
export function checkInsightsQuery(file: string, where: string, query: string, fields: ReadonlySet<string>): void {
  const check = checkInsights(query, fields);
  if (!check.ok) throw UserInputError.of({ file, where, problem: check.problem, value: query.trim(), fix: check.fix });
}

/**
 * One LogQL query, or a one-line error naming it: Grafana's LogQL grammar
 * accepts it, its label filters name fields the services log (or Loki's
 * stream labels), and, when `selector` is given, every stream selector is
 * exactly it (so the dashboard's service variable scopes every twin).
 */
export function checkLogqlQuery(
  file: string,
  where: string,
  query: string,
  fields: ReadonlySet<string>,
  options: { selector?: string; metric?: boolean } = {},
): void {
  const parse = parseLogql(query);
  if (!parse.ok) {
    throw UserInputError.of({
      file,
      where,
      problem: `is not valid LogQL near ${JSON.stringify(parse.near)}`,
      value: query.trim(),
      fix: 'correct the query (Grafana Explore with the Loki data source shows where it breaks)',
    });
  }
  if (options.selector !== undefined && !query.includes(options.selector)) {
    throw UserInputError.of({
      file,
      where,
      problem: `does not select its streams with ${options.selector}`,
      value: query.trim(),
      fix: `start the query's log part with ${options.selector}, which the dashboard's service variable fills in`,
    });
  }
  if (options.metric !== undefined && parse.metric !== options.metric) {
    throw UserInputError.of({
      file,
      where,
      problem: options.metric ? 'is a log query where a metric query is needed' : 'is a metric query where a log query is needed',
      value: query.trim(),
      fix: options.metric ? 'wrap it in count_over_time(... [window]) and an aggregation' : 'remove the aggregation',
    });
  }
  const unknown = parse.labels.find((l) => !fields.has(l) && l !== LOKI_SERVICE_LABEL && !/^(level|detected_level)$/.test(l));
  if (unknown !== undefined) {
    throw UserInputError.of({
      file,
      where,
      problem: `filters or groups on ${JSON.stringify(unknown)}, which the services do not log`,
      value: query.trim(),
      fix: `use one of the fields of logs/queries.yaml (${[...fields].join(', ')}) or ${LOKI_SERVICE_LABEL}`,
    });
  }
  if (parse.labels.some((l) => fields.has(l) && l !== 'level') && !parse.parsesLine) {
    throw UserInputError.of({
      file,
      where,
      problem: 'reads fields of the log line without parsing it',
      value: query.trim(),
      fix: 'add `| json` after the stream selector (the services log JSON)',
    });
  }
}
