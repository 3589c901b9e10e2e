import { UserInputError } from '../errors';

/**
 * The project's data files as text, by path relative to the project root
 * with `/` separators (`alerts/trading-platform.yaml`): what the model is
 * compiled from. Read from disk at the edge (`readProject` in lib/io), or
 * written in memory by a test (`{ ...baseFiles, 'alerts/x.yaml': text }`).
 */
export type ProjectFiles = Readonly<Record<string, string>>;

/** The folders of data files (everything the model reads lives under one of them). */
export const DATA_FOLDERS = ['config', 'catalog', 'alerts', 'dashboards', 'logs'] as const;

/** The text of a file the project cannot do without; its absence is one input error. */
export function requiredText(files: ProjectFiles, file: string, fix: string): string {
  const text = files[file];
  if (text === undefined) throw UserInputError.of({ file, where: 'file', problem: 'is missing', fix });
  return text;
}

/**
 * The files in `dir` whose names match `pattern`, sorted: those directly in
 * it, or at any depth with `recursive`.
 */
export function filesIn(files: ProjectFiles, dir: string, pattern: RegExp, recursive = false): string[] {
  const prefix = `${dir}/`;
  return Object.keys(files)
    .filter((f) => f.startsWith(prefix) && (recursive || !f.slice(prefix.length).includes('/')) && pattern.test(f))
    .sort();
}
