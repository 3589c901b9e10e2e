import * as fs from 'fs';
import * as path from 'path';

/** What makes the project: its code (scripts/ too: the local bundle carries the demo emitter and alert sink built from it), its data and cdk.json (node_modules is linked, not copied). */
const PROJECT_FOLDERS = ['bin', 'lib', 'scripts', 'config', 'catalog', 'alerts', 'dashboards', 'logs'];

/**
 * Copies the project into `dir`, for a run that changes its data (the scale
 * run, tests that break or add one file). Returns `dir`.
 */
export function copyProject(repo: string, dir: string): string {
  for (const d of PROJECT_FOLDERS) fs.cpSync(path.join(repo, d), path.join(dir, d), { recursive: true });
  fs.copyFileSync(path.join(repo, 'cdk.json'), path.join(dir, 'cdk.json'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}
