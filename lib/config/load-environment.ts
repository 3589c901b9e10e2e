import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { UserInputError } from '../errors';
import { EnvironmentConfig, environmentSchema } from './environment-schema';

/** The one file that holds every environment's settings, relative to the project root. */
export const ENVIRONMENTS_FILE = 'config/environments.yaml';
export const DEFAULT_ENVIRONMENT = 'dev';

export interface LoadEnvironmentOptions {
  /** Project root. @default - the repository root */
  readonly root?: string;
  /** The file's text, instead of reading it (tests). */
  readonly text?: string;
}

/** Reads config/environments.yaml, merges `defaults` under `name` and validates the result. */
export function loadEnvironment(name: string, options: LoadEnvironmentOptions = {}): EnvironmentConfig {
  const file = ENVIRONMENTS_FILE;
  const text = options.text ?? fs.readFileSync(path.join(options.root ?? projectRoot(), file), 'utf8');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const line = e.linePos?.[0].line;
      throw UserInputError.of({ file, where: `line ${line ?? '?'}`, problem: `is not valid YAML: ${e.message.split('\n')[0]}`, fix: 'correct the YAML syntax' });
    }
    throw e;
  }
  const root = (doc ?? {}) as { defaults?: Record<string, unknown>; environments?: Record<string, Record<string, unknown> | null> };
  const environments = root.environments ?? {};
  const names = Object.keys(environments);
  if (!Object.prototype.hasOwnProperty.call(environments, name)) {
    throw UserInputError.of({
      file,
      where: 'environments',
      problem: 'no such environment',
      value: name,
      fix: `pass -c env= one of ${names.join(', ')}, or add "${name}" under environments:`,
    });
  }
  const merged = { ...(root.defaults ?? {}), ...(environments[name] ?? {}) };
  const result = environmentSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    throw new UserInputError(result.error.issues.map((issue) => describeIssue(file, name, merged, issue)).join('\n'));
  }
  return { ...result.data, name };
}

function describeIssue(file: string, env: string, input: unknown, issue: z.core.$ZodIssue): string {
  const where = ['environments', env, ...issue.path].map(String).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  const value = issue.input !== undefined ? issue.input : valueAt(input, issue.path);
  if (value === undefined && issue.code === 'invalid_type') {
    return UserInputError.of({ file, where, problem: 'is missing', fix: `add ${issue.path.join('.')} (expected ${issue.expected})` }).message;
  }
  if (issue.code === 'unrecognized_keys') {
    return UserInputError.of({ file, where, problem: `has unknown key(s) ${issue.keys.join(', ')}`, fix: 'remove them or correct their spelling (see lib/config/environment-schema.ts)' }).message;
  }
  const [problem, fix] = splitFix(issue.message);
  return UserInputError.of({ file, where, problem, value, fix }).message;
}

/** Messages in the schema read "problem: fix"; zod's own read "problem". */
function splitFix(message: string): [string, string] {
  const match = /^(.*?): (use|add|give|pass|remove) (.*)$/.exec(message);
  if (match) return [match[1], `${match[2]} ${match[3]}`];
  if (/^must /.test(message)) return ['is invalid', message.replace(/^must be/, 'set it to')];
  return [message, 'see the documented keys in lib/config/environment-schema.ts'];
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** The repository root (the folder with package.json), from this file's place. */
export function projectRoot(): string {
  return path.resolve(__dirname, '..', '..');
}
