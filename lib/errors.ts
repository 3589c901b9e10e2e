import type { z } from 'zod';

/**
 * An error in the user's input (environment settings, rule files,
 * dashboards). The entry point prints only its message and exits non-zero:
 * the message names the file, the field or rule, the bad value and the fix.
 */
export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserInputError';
  }

  /** Builds the one-line form every input error uses. */
  static of(parts: { file: string; where: string; problem: string; value?: unknown; fix: string }): UserInputError {
    const got = parts.value === undefined ? '' : ` (got ${show(parts.value)})`;
    return new UserInputError(`${parts.file}: ${parts.where}: ${parts.problem}${got}. Fix: ${parts.fix}`);
  }
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * One zod issue as an input error: `file: a.b[0].c: problem (got value). Fix: ...`.
 * Schema messages are written "problem: fix" so the fix can be shown apart.
 */
export function describeZodIssue(
  file: string,
  prefix: readonly string[],
  input: unknown,
  issue: z.core.$ZodIssue,
  reference: string,
): string {
  const where =
    [...prefix, ...issue.path]
      .map(String)
      .join('.')
      .replace(/\.(\d+)(?=\.|$)/g, '[$1]') || 'top level';
  const value = issue.input !== undefined ? issue.input : valueAt(input, issue.path);
  if (value === undefined && issue.code === 'invalid_type') {
    return UserInputError.of({
      file,
      where,
      problem: 'is missing',
      fix: `add ${String(issue.path[issue.path.length - 1])} (expected ${issue.expected})`,
    }).message;
  }
  if (issue.code === 'unrecognized_keys') {
    return UserInputError.of({
      file,
      where,
      problem: `has unknown key(s) ${issue.keys.join(', ')}`,
      fix: `remove them or correct their spelling (see ${reference})`,
    }).message;
  }
  const [problem, fix] = splitFix(issue.message, reference);
  return UserInputError.of({ file, where, problem, value, fix }).message;
}

/** Messages in the schema read "problem: fix"; zod's own read "problem". */
function splitFix(message: string, reference: string): [string, string] {
  const match = /^(.*?): (use|add|give|pass|remove) (.*)$/.exec(message);
  if (match) return [match[1], `${match[2]} ${match[3]}`];
  if (/^must /.test(message)) return ['is invalid', message.replace(/^must be/, 'set it to')];
  return [message, `see ${reference}`];
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}
