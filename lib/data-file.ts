import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { describeZodIssue, UserInputError } from './errors';

/**
 * The project's YAML data files (environments, catalog, rules, thresholds,
 * routing, SLOs, anomalies, log queries) are read through here, so a broken
 * file stops synth the same way whichever it is: one line naming the file,
 * the place, the problem and the fix, never a parser's stack trace.
 */

/**
 * The documents of texts already parsed in this process, deep-frozen (every
 * reader gets the same object, so none may change it), by text. A process
 * that loads the model more than once (local:up renders then verifies; an
 * override synth in a test; a bench loop) parses each unchanged file once:
 * yaml@2.9 parses about 2 MB/s here, JSON.parse is a hundred times faster.
 * Only documents of plain objects, arrays and scalars are remembered: YAML
 * tags can make others (`!!binary` a Uint8Array, which cannot be frozen;
 * `!!set` a Set, which freezing does not protect), and those are returned
 * as parsed, for the schema check to name. At most MEMO_TEXTS texts, the
 * oldest forgotten first.
 */
const parsedTexts = new Map<string, unknown>();
const MEMO_TEXTS = 64;

/** Whether `value` is an object literal's kind of object (prototype Object.prototype or none): not an array, Map, Date, byte array or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `value` holds only plain objects, arrays and scalars (what JSON could hold, and Object.freeze protects). */
function isPlainData(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  if (!Array.isArray(value) && !isPlainObject(value)) return false;
  return Object.values(value).every(isPlainData);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** YAML text as data (deep-frozen when plain, see above); a syntax error becomes one input error naming the file, line and column. */
export function parseYamlText(file: string, text: string): unknown {
  if (parsedTexts.has(text)) return parsedTexts.get(text);
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
  if (!isPlainData(doc)) return doc;
  if (parsedTexts.size >= MEMO_TEXTS) parsedTexts.delete(parsedTexts.keys().next().value!);
  parsedTexts.set(text, deepFreeze(doc));
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

/** Reads, parses and checks one YAML data file of the project (`file` relative to `root`). */
export function readYamlFile<S extends z.ZodType>(root: string, file: string, schema: S, reference: string): z.infer<S> {
  return checkData(file, parseYamlText(file, fs.readFileSync(path.join(root, file), 'utf8')), schema, reference);
}
