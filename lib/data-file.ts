import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { describeZodIssue, UserInputError } from './errors';

/**
 * The project's YAML data files (environments, catalog, rules, thresholds,
 * routing, SLOs, anomalies, log queries) are read through here, so a broken
 * file stops synth the same way whichever it is: one line naming the file,
 * the place, the problem and the fix, never a parser's stack trace. They
 * parse text: reading the files is the edge's work (lib/io).
 */

/** YAML text as data; a syntax error becomes one input error naming the file, line and column. */
export function parseYamlText(file: string, text: string): unknown {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    if (!(e instanceof YAMLParseError)) throw e;
    const pos = e.linePos?.[0];
    const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw UserInputError.of({
      file,
      where: pos ? `line ${pos.line}, column ${pos.col}` : 'YAML',
      problem: `is not valid YAML (${reason})`,
      fix: 'correct the YAML syntax there',
    });
  }
  return doc;
}

/**
 * Checks parsed data against its schema; the first issue becomes one input
 * error (file, field path under `prefix`, value, fix).
 *
 * @param reference where the format is described, named in the fix when the schema gives none
 */
export function checkData<S extends z.ZodType>(
  file: string,
  doc: unknown,
  schema: S,
  reference: string,
  prefix: readonly string[] = [],
): z.infer<S> {
  const parsed = schema.safeParse(doc, { reportInput: true });
  if (!parsed.success) throw new UserInputError(describeZodIssue(file, prefix, doc, parsed.error.issues[0], reference));
  return parsed.data;
}

/** Parses and checks one YAML data file of the project. */
export function parseYamlFile<S extends z.ZodType>(file: string, text: string, schema: S, reference: string): z.infer<S> {
  return checkData(file, parseYamlText(file, text), schema, reference);
}
