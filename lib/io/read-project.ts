import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-schema';
import { ENVIRONMENTS_FILE, parseEnvironment } from '../config/parse-environment';
import { DATA_FOLDERS, ProjectFiles } from '../model/project-files';

/** The repository root (the folder with package.json), from this file's place. */
export function projectRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/**
 * The project's data files (every file under config/, catalog/, alerts/,
 * dashboards/ and logs/) as text, by path relative to `root`: what
 * `compile(files, env)` builds the model from. The one place the model's
 * inputs are read from disk.
 */
export function readProject(root: string = projectRoot()): ProjectFiles {
  const files: Record<string, string> = {};
  for (const folder of DATA_FOLDERS) {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      files[path.relative(root, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
    }
  }
  return files;
}

/** One environment's settings, read from `root`'s config/environments.yaml. */
export function readEnvironment(name: string, root: string = projectRoot()): EnvironmentConfig {
  return parseEnvironment(name, fs.readFileSync(path.join(root, ENVIRONMENTS_FILE), 'utf8'));
}
