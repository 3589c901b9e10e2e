import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';
import { checkLogqlQuery, LOKI_SERVICE_LABEL } from './log-queries';

export const LOG_ALERTS_FILE = 'alerts/logs.yaml';

/** CloudWatch's limit on a metric filter pattern. @see test/contracts/cloudwatch-logs.ts FILTER_PATTERN_SYNTAX */
export const FILTER_PATTERN_MAX_LENGTH = 1024;

const RUNBOOKS = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md';

const valueSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: 'must be a value or a list of values (any of them matches)',
});

const alertSchema = z.strictObject({
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, { error: 'must be an alert name in PascalCase, like "PipelineExecutionFailures"' }),
  /** Services whose logs are counted. @default every service of the environment */
  services: z.array(z.string().min(1)).min(1).optional(),
  /** Field values a log line must have to count, every field matching (e.g. { event: pipeline_execution_failed }). */
  match: z.record(z.string(), valueSchema).refine((m) => Object.keys(m).length > 0, { error: 'must name at least one field' }),
  /** Lines in `window` at or above which the alert fires. */
  threshold: z.number().int({ error: 'must be a whole number of log lines' }).positive(),
  /** Whole minutes: a CloudWatch alarm's period on AWS, the LogQL range locally. */
  window: z
    .string()
    .regex(/^[1-9][0-9]*m$/, { error: 'must be whole minutes like "5m" (a CloudWatch alarm period is a multiple of 60 s)' }),
  severity: z.enum(['critical', 'warning', 'info'], { error: 'must be critical, warning or info' }),
  summary: z.string().min(1),
  description: z.string().min(1),
});
type RawLogAlert = z.infer<typeof alertSchema>;

/** One log-based alert, declared once (alerts/logs.yaml), rendered to a CloudWatch alarm on AWS and a Loki rule locally. */
export interface LogAlert {
  readonly name: string;
  /** The services whose lines count, resolved against the environment. */
  readonly services: readonly string[];
  readonly match: Readonly<Record<string, readonly string[]>>;
  readonly threshold: number;
  readonly windowMinutes: number;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly summary: string;
  readonly description: string;
  /** docs/runbooks.md#<name in lower case>. */
  readonly runbookUrl: string;
}

/**
 * alerts/logs.yaml for one environment: every field matched is one the
 * services log (logs/queries.yaml `fields`), every service named is a
 * platform service (one of the environment's, or one the metric catalog
 * says emits metrics), and the LogQL rendered from it parses. An alert
 * watches the services it names that this environment runs; one that names
 * none of them is left out here.
 *
 * @param services the environment's services
 * @param platform every service known to the project (the catalog's emitters and the environment's)
 */
export function parseLogAlerts(
  file: string,
  text: string,
  fields: ReadonlySet<string>,
  services: readonly string[],
  platform: ReadonlySet<string> = new Set(services),
): LogAlert[] {
  const { alerts } = parseYamlFile(file, text, z.strictObject({ alerts: z.array(alertSchema) }), 'the header of alerts/logs.yaml');
  const names = new Set<string>();
  return alerts
    .map((a: RawLogAlert) => {
      const where = `alert "${a.name}"`;
      if (names.has(a.name)) throw UserInputError.of({ file, where, problem: 'is defined twice', fix: 'give each alert its own name' });
      names.add(a.name);
      for (const field of Object.keys(a.match)) {
        if (!fields.has(field))
          throw UserInputError.of({
            file,
            where: `${where}.match`,
            problem: `matches the field ${JSON.stringify(field)}, which the services do not log`,
            value: field,
            fix: `use one of the fields of logs/queries.yaml: ${[...fields].join(', ')}`,
          });
      }
      const unknown = (a.services ?? []).find((s) => !platform.has(s) && !services.includes(s));
      if (unknown !== undefined)
        throw UserInputError.of({
          file,
          where: `${where}.services`,
          problem: 'names a service the platform does not have',
          value: unknown,
          fix: `use one of ${[...new Set([...services, ...platform])].join(', ')} (config/environments.yaml, catalog/metrics.yaml), or leave services out for all`,
        });
      const watched = a.services ? a.services.filter((s) => services.includes(s)) : services;
      const alert: LogAlert = {
        name: a.name,
        services: watched,
        match: Object.fromEntries(Object.entries(a.match).map(([k, v]) => [k, typeof v === 'string' ? [v] : v])),
        threshold: a.threshold,
        windowMinutes: Number(a.window.slice(0, -1)),
        severity: a.severity,
        summary: a.summary,
        description: a.description,
        runbookUrl: `${RUNBOOKS}#${a.name.toLowerCase()}`,
      };
      const pattern = logAlertFilterPattern(alert);
      if (pattern.length > FILTER_PATTERN_MAX_LENGTH)
        throw UserInputError.of({
          file,
          where: `${where}.match`,
          problem: `makes a CloudWatch filter pattern of ${pattern.length} characters, over its limit of ${FILTER_PATTERN_MAX_LENGTH}`,
          fix: 'match fewer values, or split the alert in two',
        });
      checkLogqlQuery(file, where, logAlertLogql(alert), fields, { metric: true });
      return alert;
    })
    .filter((a) => a.services.length > 0);
}

/**
 * The CloudWatch Logs filter pattern of an alert: a JSON pattern over the
 * line's fields, `{ ($.event = "x") && (($.level = "a") || ($.level = "b")) }`
 * (one term alone: `{ $.event = "x" }`).
 * @see test/contracts/cloudwatch-logs.ts FILTER_PATTERN_SYNTAX
 */
export function logAlertFilterPattern(alert: Pick<LogAlert, 'match'>): string {
  // As aws-cdk-lib's FilterPattern.stringValue/any/all write them: a term bare, each part of && or || in parentheses.
  const terms = Object.entries(alert.match).map(([field, values]) =>
    values.length === 1
      ? `$.${field} = ${JSON.stringify(values[0])}`
      : values.map((v) => `($.${field} = ${JSON.stringify(v)})`).join(' || '),
  );
  return `{ ${terms.length === 1 ? terms[0] : terms.map((t) => `(${t})`).join(' && ')} }`;
}

/** The LogQL of an alert: lines matching per service over the window, at or above the threshold. */
export function logAlertLogql(alert: Pick<LogAlert, 'match' | 'services' | 'windowMinutes' | 'threshold'>): string {
  const selector = `{${LOKI_SERVICE_LABEL}=~"${alert.services.map(escapeRegex).join('|')}"}`;
  const filters = Object.entries(alert.match).map(([field, values]) =>
    values.length === 1 ? `${field}=${JSON.stringify(values[0])}` : `${field}=~${JSON.stringify(values.map(escapeRegex).join('|'))}`,
  );
  return `sum by (${LOKI_SERVICE_LABEL}) (count_over_time(${selector} | json | ${filters.join(' | ')} [${alert.windowMinutes}m])) >= ${alert.threshold}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
