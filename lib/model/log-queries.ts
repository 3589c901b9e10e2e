import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';

export const LOG_QUERIES_FILE = 'logs/queries.yaml';

const querySchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a lowercase name like "errors-by-service"' }),
  /** `each`: one query per service, over its log group; `all`: one query over every service's group. */
  scope: z.enum(['each', 'all'], { error: 'must be "each" or "all"' }),
  description: z.string().min(1),
  query: z.string().min(1),
});
export type LogQuery = z.infer<typeof querySchema>;

export function parseLogQueries(file: string, text: string): LogQuery[] {
  const { queries } = parseYamlFile(file, text, z.strictObject({ queries: z.array(querySchema) }), 'the header of logs/queries.yaml');
  const names = new Set<string>();
  for (const q of queries) {
    if (names.has(q.name))
      throw UserInputError.of({ file, where: `query "${q.name}"`, problem: 'is defined twice', fix: 'give each query its own name' });
    names.add(q.name);
  }
  return queries;
}
