import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-schema';
import { ENVIRONMENTS_FILE, parseEnvironment } from '../config/parse-environment';
import { UserInputError } from '../errors';
import { DATA_FOLDERS, ProjectFiles } from '../model/project-files';

/** The repository root (the folder with package.json), from this file's place. */
export function projectRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/**
 * The project's data files (every file under config/, catalog/, alerts/,
 * dashboards/ and logs/, at any depth, symbolic links followed) as text, by
 * path relative to `root` with `/` separators: what `compile(files, env)`
 * builds the model from. Hidden files and folders (`.DS_Store`, macOS `._x.json`
 * resource forks, an editor's `.x.yaml.swp`) are not data and are left out. The
 * one place the model's inputs are read from disk.
 */
export function readProject(root: string = projectRoot()): ProjectFiles {
  const files: Record<string, string> = {};
  const walk = (rel: string): void => {
    const full = path.join(root, rel);
    for (const name of fs.readdirSync(full).sort()) {
      if (name.startsWith('.')) continue;
      const relFile = `${rel}/${name}`;
      const st = fs.statSync(path.join(full, name), { throwIfNoEntry: false });
      if (!st) {
        throw UserInputError.of({
          file: relFile,
          where: 'file',
          problem: 'is a symbolic link to nothing',
          fix: 'point it at an existing file, or remove it',
        });
      }
      if (st.isDirectory()) walk(relFile);
      else if (st.isFile()) files[relFile] = fs.readFileSync(path.join(full, name), 'utf8');
    }
  };
  for (const folder of DATA_FOLDERS) if (fs.existsSync(path.join(root, folder))) walk(folder);
  return Object.freeze(files);
}

/** One environment's settings, read from `root`'s config/environments.yaml. */
export function readEnvironment(name: string, root: string = projectRoot()): EnvironmentConfig {
  return parseEnvironment(name, fs.readFileSync(path.join(root, ENVIRONMENTS_FILE), 'utf8'));
}
