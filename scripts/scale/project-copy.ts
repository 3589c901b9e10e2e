import * as fs from 'fs';
import * as path from 'path';
import { DATA_FOLDERS } from '../../lib/model/project-files';

/** The project's code: scripts/ too (the local bundle carries the demo emitter and alert sink built from it). */
const CODE_FOLDERS = ['bin', 'lib', 'scripts'];

export interface CopyProjectOptions {
  /**
   * Link the code folders (bin, lib, scripts) to the original instead of
   * copying them: for a copy whose data a run changes and which runs the
   * original's code in-process, given the copy's root. Not for a copy whose
   * entry point runs (`node bin/app.ts` in it): the code finds the project
   * root from its own path, which a link resolves to the original.
   * @default false
   */
  readonly linkCode?: boolean;
}

/**
 * Copies the project (code, data, cdk.json and tsconfig.json, which the
 * entry point's TypeScript loader bin/register.cjs reads; node_modules is linked, not
 * copied) into `dir`, for a run that changes its data (the scale run, tests
 * that break or add one file). Returns `dir`.
 */
export function copyProject(repo: string, dir: string, options: CopyProjectOptions = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const d of CODE_FOLDERS) {
    if (options.linkCode) fs.symlinkSync(path.join(repo, d), path.join(dir, d));
    else fs.cpSync(path.join(repo, d), path.join(dir, d), { recursive: true });
  }
  for (const d of DATA_FOLDERS) fs.cpSync(path.join(repo, d), path.join(dir, d), { recursive: true });
  for (const f of ['cdk.json', 'tsconfig.json']) fs.copyFileSync(path.join(repo, f), path.join(dir, f));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}
