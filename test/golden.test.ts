import * as fs from 'fs';
import * as path from 'path';
import { goldenArtifacts } from './golden-artifacts';
import { ENVIRONMENTS } from './helpers';

/*
 * Golden files: every rule file, Alertmanager definition, collector
 * configuration and dashboard of each environment (and the rest of the local
 * bundle) as plain text under test/golden/<env>/, so a change to what is
 * deployed shows in a review as a diff of the rule or key that changed (the
 * template snapshots hold the same text as escaped strings). See
 * test/golden-artifacts.ts for where each file comes from.
 *
 * `npx jest -u` (or UPDATE_GOLDEN=1) writes them and deletes those no longer
 * rendered; with `--ci` (jest's default when CI is set) nothing is written.
 */
const GOLDEN = path.join(__dirname, 'golden');

/** How many lines of a changed file's diff a failure shows. */
const DIFF_LINES = 20;

function updating(): boolean {
  const mode = (expect.getState() as { snapshotState?: { _updateSnapshot?: string } }).snapshotState?._updateSnapshot;
  return mode === 'all' || (mode !== 'none' && process.env.UPDATE_GOLDEN === '1');
}

/** Every file under `dir`, as a relative POSIX path. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

/**
 * The first differing lines of two texts, unified-diff style: hunks headed
 * `@@ line N @@` (N: the golden file's line of the hunk's first change), two lines of context, `-` the
 * golden file, `+` what is rendered; DIFF_LINES lines at most.
 */
function firstDifferences(golden: string, rendered: string): string {
  const ops = lineDiff(golden.split('\n'), rendered.split('\n'));
  const near = (i: number) => ops.slice(Math.max(0, i - 2), i + 3).some((o) => o.op !== ' ');
  const out: string[] = [];
  let last = -2;
  for (let i = 0; i < ops.length; i++) {
    if (!near(i)) continue;
    if (i !== last + 1) out.push(`  @@ line ${ops.slice(i).find((o) => o.op !== ' ')!.line} @@`);
    out.push(`  ${ops[i].op} ${ops[i].text}`);
    last = i;
  }
  const shown = out.slice(0, DIFF_LINES);
  if (out.length > shown.length) shown.push(`  ... ${out.length - shown.length} more lines of diff`);
  return shown.join('\n');
}

/** A line diff (longest common subsequence between the common head and tail); `line` is the golden file's line number. */
function lineDiff(a: string[], b: string[]): { op: ' ' | '-' | '+'; text: string; line: number }[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  // lcs[i][j]: the longest common subsequence of x[i..] and y[j..] (a whole-file rewrite is shown as one replacement).
  const small = x.length * y.length <= 4_000_000;
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; small && i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: { op: ' ' | '-' | '+'; text: string; line: number }[] = a.slice(0, head).map((text, i) => ({ op: ' ', text, line: i + 1 }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const line = head + i + 1;
    if (small && i < x.length && j < y.length && x[i] === y[j]) {
      ops.push({ op: ' ', text: x[i++], line });
      j++;
    } else if (i < x.length && (j >= y.length || !small || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ op: '-', text: x[i++], line });
    else ops.push({ op: '+', text: y[j++], line });
  }
  ops.push(...a.slice(a.length - tail).map((text, k) => ({ op: ' ' as const, text, line: a.length - tail + k + 1 })));
  return ops;
}

describe('golden files of the rendered artifacts (test/golden/<env>/)', () => {
  test.each(ENVIRONMENTS)('%s: every artifact as its golden file', (env) => {
    const rendered = goldenArtifacts(env);
    const dir = path.join(GOLDEN, env);
    const existing = filesUnder(dir);
    const missing = Object.keys(rendered).filter((f) => !existing.includes(f));
    const extra = existing.filter((f) => !(f in rendered));
    const changed = existing.filter((f) => f in rendered && fs.readFileSync(path.join(dir, f), 'utf8') !== rendered[f]);

    if (updating()) {
      for (const f of [...missing, ...changed]) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), rendered[f]);
      }
      for (const f of extra) fs.rmSync(path.join(dir, f));
      // Folders left empty by the deletions.
      for (const f of extra) {
        for (let d = path.dirname(path.join(dir, f)); d.startsWith(dir + path.sep) && fs.readdirSync(d).length === 0; d = path.dirname(d))
          fs.rmdirSync(d);
      }
      return;
    }

    const rel = (f: string) => `test/golden/${env}/${f}`;
    const problems = [
      ...missing.map((f) => `missing ${rel(f)} (rendered, no golden file)`),
      ...extra.map((f) => `extra ${rel(f)} (golden file, no longer rendered)`),
      ...changed.map((f) => `changed ${rel(f)}\n${firstDifferences(fs.readFileSync(path.join(dir, f), 'utf8'), rendered[f])}`),
    ];
    if (problems.length > 0) {
      throw new Error(
        `${env}: ${problems.length} golden file(s) differ from what is rendered (run \`npx jest test/golden.test.ts -u\` and review the diff):\n\n${problems.join('\n\n')}`,
      );
    }
  });
});
