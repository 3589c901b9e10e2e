import * as fs from 'fs';
import * as path from 'path';

/** Writes a rendered bundle (relative path -> content) under `dir`, replacing what was there. */
export function writeBundle(dir: string, files: Readonly<Record<string, string>>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}
