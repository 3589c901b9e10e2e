import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Modes of the bundle's files and folders, set explicitly: the containers read
 * the bind-mounted bundle as users that are neither its owner nor in its group
 * (Prometheus and Alertmanager run as nobody, the ADOT collector as 4317,
 * Grafana as 472, the node programs as node), so "others" must be able to read
 * every file and traverse every folder. The umask applies to the mode given to
 * open(2) and mkdir(2), so under `umask 027` a plain write leaves 0640 files
 * that Prometheus cannot read, and it exits; hence a chmod after each write.
 * No file of the bundle holds a secret (the Slack webhook URL stays in the file
 * SLACK_WEBHOOK_URL_FILE names; the Grafana password is an environment variable),
 * so none needs a stricter mode.
 */
export const BUNDLE_FILE_MODE = 0o644;
export const BUNDLE_DIR_MODE = 0o755;

/** Writes a rendered bundle (relative path -> content) under `dir`, replacing what was there. */
export function writeBundle(dir: string, files: Readonly<Record<string, string>>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  const dirs = new Set<string>([path.resolve(dir)]);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.chmodSync(file, BUNDLE_FILE_MODE);
    // Every folder from the file's up to `dir`: mkdir -p created them under the umask.
    for (let d = path.resolve(path.dirname(file)); d.startsWith(path.resolve(dir)) && !dirs.has(d); d = path.dirname(d)) dirs.add(d);
  }
  for (const d of dirs) fs.chmodSync(d, BUNDLE_DIR_MODE);
}

/** The file in a stacks folder naming the bundle `local:up` and `local:down` use. */
const CURRENT_FILE = 'current';
const STACK_PREFIX = 'stack-';

/**
 * Writes a bundle into a new folder named after its content under `baseDir`
 * and then points `baseDir/current` at it. A folder that running containers
 * have bind-mounted is never rewritten or deleted here: a changed bundle goes
 * to a new folder, and the old one stays until `pruneBundles` (after the
 * containers have been recreated from the new one). Returns the folder.
 */
export function writeVersionedBundle(baseDir: string, files: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const rel of Object.keys(files).sort()) hash.update(rel).update('\0').update(files[rel]).update('\0');
  const name = `${STACK_PREFIX}${hash.digest('hex').slice(0, 12)}`;
  const dir = path.join(baseDir, name);
  if (!fs.existsSync(dir)) {
    const tmp = path.join(baseDir, `.tmp-${name}-${process.pid}`);
    writeBundle(tmp, files);
    fs.renameSync(tmp, dir);
  }
  const pointer = path.join(baseDir, `.${CURRENT_FILE}-${process.pid}`);
  fs.writeFileSync(pointer, `${name}\n`);
  fs.renameSync(pointer, path.join(baseDir, CURRENT_FILE));
  return dir;
}

/** The folder `baseDir/current` names, if any. */
export function currentBundle(baseDir: string): string | undefined {
  const file = path.join(baseDir, CURRENT_FILE);
  if (!fs.existsSync(file)) return undefined;
  const dir = path.join(baseDir, fs.readFileSync(file, 'utf8').trim());
  return fs.existsSync(dir) ? dir : undefined;
}

/** Deletes every bundle folder but the current one (call once no container uses them). */
export function pruneBundles(baseDir: string): string[] {
  const keep = currentBundle(baseDir);
  if (!fs.existsSync(baseDir)) return [];
  const removed: string[] = [];
  for (const entry of fs.readdirSync(baseDir)) {
    const dir = path.join(baseDir, entry);
    if (entry.startsWith(STACK_PREFIX) && dir !== keep) {
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(entry);
    }
  }
  return removed;
}
