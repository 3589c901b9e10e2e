import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { BUNDLE_DIR_MODE, BUNDLE_FILE_MODE, writeBundle, writeVersionedBundle } from '../../lib/io/write-bundle';
import { compile } from '../../lib/compile/compile';
import { baseFiles } from '../helpers';
import { bundleLocalPrograms } from '../../scripts/local-programs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-modes-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every folder and file under `dir` (itself included), with its permission bits. */
function walk(dir: string): { rel: string; dir: boolean; mode: number }[] {
  const out = [{ rel: '.', dir: true, mode: fs.statSync(dir).mode & 0o777 }];
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = fs.statSync(path.join(dir, entry));
    out.push({ rel: entry, dir: st.isDirectory(), mode: st.mode & 0o777 });
  }
  return out;
}

/** Renders under `umask` (restored afterwards): the umask applies to the mode open(2) and mkdir(2) are given. */
function underUmask<T>(umask: number, fn: () => T): T {
  const saved = process.umask(umask);
  try {
    return fn();
  } finally {
    process.umask(saved);
  }
}

// The containers read the bind-mounted bundle as users that are neither its owner nor in its group: prometheus and
// alertmanager as nobody, the ADOT collector as 4317, Grafana as 472, the node programs as node (1000).
describe('the rendered bundle is readable by the containers whatever the umask', () => {
  const files = renderLocalBundle(compile(baseFiles, 'local'), bundleLocalPrograms());

  test.each(['077', '027'])('fails when a file or folder is not readable by others (umask %s)', (mask) => {
    const dir = underUmask(parseInt(mask, 8), () => writeVersionedBundle(path.join(tmp, `stacks-${mask}`), files));
    const entries = walk(dir);
    expect(entries.filter((e) => !e.dir)).toHaveLength(Object.keys(files).length);
    const wrong = entries.filter((e) => e.mode !== (e.dir ? BUNDLE_DIR_MODE : BUNDLE_FILE_MODE));
    expect(wrong.map((e) => `${e.rel} ${e.mode.toString(8)}`)).toEqual([]);
    // What the modes are for: others may read every file and traverse every folder.
    for (const e of entries) expect({ rel: e.rel, others: e.mode & 0o007 }).toEqual({ rel: e.rel, others: e.dir ? 0o005 : 0o004 });
  });

  test('writeBundle (cdk synth, the end-to-end harness) sets the same modes', () => {
    const dir = path.join(tmp, 'plain');
    underUmask(0o077, () => writeBundle(dir, { 'a/b/c.yml': 'x', 'top.yml': 'y' }));
    expect(walk(dir).map((e) => `${e.rel} ${e.mode.toString(8)}`)).toEqual(
      expect.arrayContaining(['. 755', 'a 755', path.join('a', 'b') + ' 755', path.join('a', 'b', 'c.yml') + ' 644', 'top.yml 644']),
    );
  });
});
