import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';

export const ANALYTICS_FILE = 'logs/analytics.yaml';

/**
 * Field names that would identify a person: refused as the user id or a
 * dimension. The analytics read only pseudonymous ids.
 * @see docs/logs.md#privacy
 */
const IDENTIFYING = /(^|_)(email|e_?mail|name|first_?name|last_?name|phone|address|ip|ip_address|ssn|iban|card|account_number)($|_)/i;

const fieldName = z.string().regex(/^[a-z_][a-z0-9_]*$/, { error: 'must be a field name like "user_id"' });
const eventName = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'must be an event name like "pipeline_created"' });

const schema = z.strictObject({
  /** The field holding the pseudonymous user id. */
  user: fieldName,
  /** The event that is one execution (executions per user). */
  execution: eventName,
  /** Fields to split executions by (e.g. mode: paper or live). */
  dimensions: z.array(fieldName),
  /** The funnel, in order: each step an event, counted in distinct `key` values (e.g. pipelines). */
  funnel: z.strictObject({
    key: fieldName,
    steps: z.array(z.strictObject({ step: z.string().min(1), event: eventName })).min(2, { error: 'must have at least two steps' }),
  }),
  /** How many events the "top events" panel shows. */
  topEvents: z.number().int().min(1).max(50),
});

export type Analytics = z.infer<typeof schema>;

/**
 * logs/analytics.yaml: user behaviour from the structured logs, as data. Every
 * field is one the services log; none identifies a person.
 */
export function parseAnalytics(file: string, text: string, fields: ReadonlySet<string>): Analytics {
  const a = parseYamlFile(file, text, schema, 'the header of logs/analytics.yaml');
  const used: [string, string][] = [
    ['user', a.user],
    ['funnel.key', a.funnel.key],
    ...a.dimensions.map((d, i): [string, string] => [`dimensions[${i}]`, d]),
  ];
  for (const [where, field] of used) {
    if (IDENTIFYING.test(field))
      throw UserInputError.of({
        file,
        where,
        problem: 'names a field that identifies a person',
        value: field,
        fix: 'use a pseudonymous id (an opaque user id); the analytics never read names, emails, addresses or phone numbers',
      });
    if (!fields.has(field))
      throw UserInputError.of({
        file,
        where,
        problem: 'is not a field the services log',
        value: field,
        fix: `use one of the fields of logs/queries.yaml: ${[...fields].join(', ')}`,
      });
  }
  return a;
}
