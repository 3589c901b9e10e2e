import { parseArgs, ParseArgsConfig } from 'node:util';
import { UserInputError } from '../lib/errors';

/**
 * The scripts' command lines, read by node:util parseArgs (strict: an unknown
 * flag or a flag without its value is an error). A parse error is one line
 * naming the program, then the usage; exit code 2, as for a missing flag.
 */
export function parseCli<T extends ParseArgsConfig>(program: string, usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    // node's parse errors: ERR_PARSE_ARGS_UNKNOWN_OPTION, ERR_PARSE_ARGS_INVALID_OPTION_VALUE, ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL.
    // Recognized by code alone: they are TypeErrors of node's own realm (`instanceof TypeError` is false in a vm context, as under jest).
    const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`${program}: ${String(message)}\n${usage}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/**
 * A script's entry point: runs `command` and exits with the code it returns.
 * Bad input (a UserInputError: an unknown environment, a broken data file)
 * prints its one-line message, exit 1, in every script. Anything else is a
 * bug: rethrown (node prints the stack, exit 1), or with `bugs: 'one-line'`
 * printed as "program: message", exit 2.
 */
export function runCommand(program: string, command: () => Promise<number>, bugs: 'throw' | 'one-line' = 'throw'): void {
  command().then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof UserInputError) {
        process.stderr.write(`${e.message}\n`);
        process.exit(1);
      }
      if (bugs === 'throw') throw e;
      process.stderr.write(`${program}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
