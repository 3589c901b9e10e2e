import { parseArgs, ParseArgsConfig } from 'node:util';

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
