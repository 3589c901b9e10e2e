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
