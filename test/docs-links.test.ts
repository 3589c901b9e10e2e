import * as fs from 'fs';
import * as path from 'path';

/*
 * Every relative Markdown link of README.md and docs/*.md, `](path)` and
 * `](path#anchor)` (and `](#anchor)` within a file), names a file or folder
 * that exists and, for a Markdown target with an anchor, a heading of that
 * file whose GitHub anchor is that one. Links in code (fenced blocks, inline
 * code spans) are text, not links; links with a scheme (https:, mailto:) are
 * not checked. Likewise every `@see docs/x.md#anchor` and `@see
 * test/contracts/x.ts NAME` in lib/ names a heading, or a constant the
 * contract exports.
 */
const ROOT = path.resolve(__dirname, '..');

/** The doc files checked: README.md and every docs/*.md, repository-relative. */
function docFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs.sort()];
}

/** The text without fenced code blocks and inline code spans (their lines kept, so line numbers hold). */
function withoutCode(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence !== undefined) {
        if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
        return '';
      }
      if (marker) {
        fence = marker;
        return '';
      }
      return line.replace(/(`+)[\s\S]*?\1/g, '');
    })
    .join('\n');
}

/** The GitHub anchor of a heading's text (github-slugger: lower case, punctuation dropped, spaces to hyphens). */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings, as GitHub makes them (a repeated one gets -1, -2, ...). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!heading) continue;
    const slug = githubSlug(heading[1]);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** One relative link of a doc: where it is and what it names. */
interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** The relative links of a doc (no scheme), with their line. */
function relativeLinks(file: string, markdown: string): Link[] {
  const links: Link[] = [];
  withoutCode(markdown)
    .split('\n')
    .forEach((text, i) => {
      for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(m[1])) continue;
        links.push({ file, line: i + 1, target: m[1] });
      }
    });
  return links;
}

/**
 * What is wrong with the relative links of `docs` (repository-relative path ->
 * text): a target that does not exist, or an anchor no heading of the Markdown
 * target has. `read` gives a file's text, or undefined when there is no such
 * file or folder ('' for a folder).
 */
function brokenLinks(docs: ReadonlyMap<string, string>, read: (file: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const [file, markdown] of docs) {
    for (const link of relativeLinks(file, markdown)) {
      const hash = link.target.indexOf('#');
      const pathPart = decodeURI(hash < 0 ? link.target : link.target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
      const target = pathPart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
      const where = `${link.file}:${link.line}: (${link.target})`;
      const text = pathPart === '' ? markdown : target.startsWith('../') ? undefined : read(target.replace(/\/$/, ''));
      if (text === undefined) {
        problems.push(`${where} names ${target}, which does not exist`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !headingAnchors(text).has(anchor)) {
        problems.push(`${where} names #${anchor}, which no heading of ${target} has`);
      }
    }
  }
  return problems;
}

/** Every .ts file under lib/, repository-relative. */
function libFiles(dir = 'lib'): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const file = `${dir}/${e.name}`;
    if (e.isDirectory()) return libFiles(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}

/**
 * What is wrong with the `@see` lines of `sources` (repository-relative path ->
 * text) that name a repository file: `@see docs/x.md#anchor` must name a
 * heading of that file, `@see test/contracts/x.ts NAME.key` a constant that
 * file exports (and a key it spells out). `read` as for brokenLinks.
 */
function brokenSees(
  sources: ReadonlyMap<string, string>,
  read: (file: string) => string | undefined,
): { count: number; problems: string[] } {
  const problems: string[] = [];
  let count = 0;
  for (const [file, text] of sources) {
    for (const [i, line] of text.split('\n').entries()) {
      const m = /@see\s+((?:docs|test)\/[^\s#]+)(?:#(\S+))?(?:\s+([A-Za-z_$][\w$]*(?:\.[\w$]+)*))?/.exec(line);
      if (!m) continue;
      count++;
      const [, target, anchor, name] = m;
      const where = `${file}:${i + 1}: @see ${target}${anchor ? `#${anchor}` : ''}${name ? ` ${name}` : ''}`;
      const body = read(target);
      if (body === undefined) {
        problems.push(`${where}: ${target} does not exist`);
      } else if (anchor !== undefined && !headingAnchors(body).has(anchor)) {
        problems.push(`${where}: no heading of ${target} has #${anchor}`);
      } else if (name !== undefined && target.endsWith('.ts')) {
        const [constant, ...keys] = name.split('.');
        const missing = keys.find((k) => !new RegExp(`\\b${k}\\b`).test(body));
        if (!new RegExp(`export (const|function|interface|type|class) ${constant}\\b`).test(body))
          problems.push(`${where}: ${target} exports no ${constant}`);
        else if (missing) problems.push(`${where}: ${target} has no ${missing}`);
      }
    }
  }
  return { count, problems };
}

/** A repository file's text, '' for a folder, undefined when absent. */
function readRepo(file: string): string | undefined {
  const full = path.join(ROOT, file);
  if (!fs.existsSync(full)) return undefined;
  return fs.statSync(full).isDirectory() ? '' : fs.readFileSync(full, 'utf8');
}

describe('the links of README.md and docs/', () => {
  test('every relative link names an existing file, and every anchor of a .md target a heading of it', () => {
    const docs = new Map(docFiles().map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
    expect(docs.size).toBeGreaterThan(5);
    expect([...docs.values()].flatMap((text) => relativeLinks('', text)).length).toBeGreaterThan(20);
    expect(brokenLinks(docs, readRepo)).toEqual([]);
  });
});

describe('the @see lines of lib/', () => {
  test('every @see of a doc or a contract names an existing heading or exported constant', () => {
    const sources = new Map(libFiles().map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
    const { count, problems } = brokenSees(sources, readRepo);
    expect(count).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  test('reports a missing file, heading, constant or key', () => {
    const repo: Record<string, string> = {
      'docs/a.md': '# A\n\n## Day two\n',
      'test/contracts/c.ts': 'export const FACTS = { source: 1 };\n',
    };
    const text = [
      ' * @see docs/a.md#day-two',
      ' * @see test/contracts/c.ts FACTS.source',
      ' * @see https://example.com/x',
      ' * @see docs/b.md',
      ' * @see docs/a.md#day-three',
      ' * @see test/contracts/c.ts OTHER',
      ' * @see test/contracts/c.ts FACTS.sources',
    ].join('\n');
    expect(brokenSees(new Map([['lib/x.ts', text]]), (f) => repo[f])).toEqual({
      count: 6,
      problems: [
        'lib/x.ts:4: @see docs/b.md: docs/b.md does not exist',
        'lib/x.ts:5: @see docs/a.md#day-three: no heading of docs/a.md has #day-three',
        'lib/x.ts:6: @see test/contracts/c.ts OTHER: test/contracts/c.ts exports no OTHER',
        'lib/x.ts:7: @see test/contracts/c.ts FACTS.sources: test/contracts/c.ts has no sources',
      ],
    });
  });
});

describe('brokenLinks on a small example', () => {
  const repo: Record<string, string> = {
    'README.md': '# Title\n\n## Run `local:up` (fast)\n\n## Notes\n\n## Notes\n',
    'docs/a.md': '# A\n\n## Day two\n\n```sh\n# not a heading\n```\n',
    docs: '',
    'lib/x.ts': 'export {};\n',
  };
  const read = (f: string) => repo[f];
  const check = (file: string, text: string) => brokenLinks(new Map([[file, text]]), read);

  test('accepts files, folders, anchors of headings (code, punctuation, repeats) and links to its own headings', () => {
    expect(
      check(
        'docs/b.md',
        [
          '# B',
          'See [a](a.md), [day two](a.md#day-two), [up](../README.md#run-localup-fast), [notes](../README.md#notes-1),',
          '[code](../lib/x.ts), [docs](../docs/), [here](#b), [web](https://example.com/x.md#nothing), [mail](mailto:x@example.com).',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  test('fails when a link names a file that does not exist', () => {
    expect(check('README.md', '# R\n\nSee [gone](docs/gone.md) and [code](lib/y.ts).\n')).toEqual([
      'README.md:3: (docs/gone.md) names docs/gone.md, which does not exist',
      'README.md:3: (lib/y.ts) names lib/y.ts, which does not exist',
    ]);
  });

  test('fails when an anchor names no heading of the target', () => {
    expect(check('README.md', '# R\n\n[x](docs/a.md#not-a-heading) [y](#nowhere) [z](docs/a.md#not-a-heading-1)\n')).toEqual([
      'README.md:3: (docs/a.md#not-a-heading) names #not-a-heading, which no heading of docs/a.md has',
      'README.md:3: (#nowhere) names #nowhere, which no heading of README.md has',
      'README.md:3: (docs/a.md#not-a-heading-1) names #not-a-heading-1, which no heading of docs/a.md has',
    ]);
  });

  test('fails when a link leaves the repository', () => {
    expect(check('README.md', '[seed](../shared/seed.md)\n')).toEqual([
      'README.md:1: (../shared/seed.md) names ../shared/seed.md, which does not exist',
    ]);
  });

  test('ignores what looks like a link inside code', () => {
    expect(check('README.md', '`[x](missing.md)`\n\n```md\n[y](missing.md)\n```\n')).toEqual([]);
  });

  test('makes the anchors GitHub makes', () => {
    expect(githubSlug('What `local:up` does')).toBe('what-localup-does');
    expect(githubSlug("The seed's checklists (section 11)")).toBe('the-seeds-checklists-section-11');
    expect(githubSlug('Add a dashboard (and a metric)')).toBe('add-a-dashboard-and-a-metric');
    expect(githubSlug('Riding out a 5-minute AMP outage')).toBe('riding-out-a-5-minute-amp-outage');
    expect(githubSlug('11.2 Production')).toBe('112-production');
    expect([...headingAnchors('# A\n## A\n## A\n')]).toEqual(['a', 'a-1', 'a-2']);
  });
});
