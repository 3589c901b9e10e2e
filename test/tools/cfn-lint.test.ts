import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { realTool } from '../../scripts/real-tools';
import { environmentOf, ENVIRONMENTS, synth } from '../helpers';

/**
 * cfn-lint 1.58.0 (tools/cfn-lint/requirements.txt, built by tools/build.sh)
 * on every template of every environment: each `*.template.json` of the
 * shared synth's cloud assembly, the stack's and every nested stack's. Its
 * default rules and the informational ones, which it leaves out unless asked
 * (`-c I`, cfn-lint's README "Rules"). A finding that is deliberate is
 * acknowledged on its own resource, beside the construct that makes it
 * (lib/constructs/cfn-lint.ts); the last test keeps each acknowledgement
 * honest.
 */
interface Finding {
  readonly Filename: string;
  readonly Location: { readonly Path: readonly (string | number)[] };
  readonly Message: string;
  readonly Rule: { readonly Id: string };
}

interface Linted {
  readonly env: string;
  /** The template as synthesized. */
  readonly file: string;
  /** A copy without its resources' cfn-lint metadata: what cfn-lint finds when nothing is acknowledged. */
  readonly bare: string;
  /** The acknowledgements the template carries, as "resource rule". */
  readonly acknowledged: string[];
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-cfn-lint-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The templates as `cdk synth` writes them: cfn-lint reads CDK's metadata (see test/helpers.ts CDK_CLI_METADATA).
const assembly = (env: string) => synth(env, undefined, { cliMetadata: true }).outdir;

const linted: Linted[] = ENVIRONMENTS.flatMap((env) => {
  const outdir = assembly(env);
  return fs
    .readdirSync(outdir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => {
      const file = path.join(outdir, f);
      const template = JSON.parse(fs.readFileSync(file, 'utf8')) as { Resources?: Record<string, { Metadata?: Record<string, any> }> };
      const acknowledged: string[] = [];
      for (const [id, resource] of Object.entries(template.Resources ?? {})) {
        const ignored = (resource.Metadata?.['cfn-lint']?.config?.ignore_checks ?? []) as string[];
        acknowledged.push(...ignored.map((rule) => `${id} ${rule}`));
        delete resource.Metadata?.['cfn-lint'];
      }
      const bare = path.join(tmp, `${env}-${f}`);
      fs.writeFileSync(bare, JSON.stringify(template, null, 1));
      return { env, file, bare, acknowledged: acknowledged.sort() };
    });
});

/**
 * By its path: a child spawned without `env` gets the worker's PATH, not the
 * one test/setup-real-tools.ts sets (jest gives the test its own copy of
 * process.env), and a machine may have another cfn-lint first on it.
 */
const cfnLint = realTool('cfn-lint');
const PINNED = /^cfn-lint==(\S+)$/m.exec(fs.readFileSync(path.join(__dirname, '../../tools/cfn-lint/requirements.txt'), 'utf8'))![1];

/**
 * One cfn-lint process per region (its start, loading the resource schemas,
 * is most of its time): the environment's pinned region, else cfn-lint's
 * default (us-east-1), as the environment-agnostic templates name none.
 */
function lintAll(): Finding[] {
  const byRegion = new Map<string, string[]>();
  for (const t of linted) {
    const region = environmentOf(t.env).region ?? 'us-east-1';
    byRegion.set(region, [...(byRegion.get(region) ?? []), t.file, t.bare]);
  }
  return [...byRegion].flatMap(([region, files]) => {
    const r = spawnSync(cfnLint, ['-c', 'I', '--format', 'json', '--regions', region, '--', ...files], {
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    // Exit status: a bitwise OR of 2 (error), 4 (warning), 8 (informational);
    // anything else (1: cfn-lint itself failed) has no findings to read.
    if (r.status === null || (r.status & ~0b1110) !== 0) throw new Error(`cfn-lint exited with ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Finding[];
  });
}

let findings: Finding[] = [];
beforeAll(() => {
  findings = lintAll();
}, 300_000);

const found = (file: string) => findings.filter((f) => f.Filename === file);

/**
 * The templates CloudFormation deploys, by file name: each stack artifact's
 * (manifest.json), then each nested stack's, which its
 * AWS::CloudFormation::Stack resource names in `aws:asset:path` (CDK's
 * NestedStack writes it with the CLI's asset metadata on).
 */
function deployedTemplates(outdir: string): string[] {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')) as Record<string, any>;
  const artifacts = Object.values(
    read('manifest.json').artifacts as Record<string, { type: string; properties?: { templateFile?: string } }>,
  );
  const queue = artifacts.filter((a) => a.type === 'aws:cloudformation:stack').map((a) => a.properties!.templateFile!);
  const all: string[] = [];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    all.push(file);
    for (const r of Object.values<{ Type: string; Metadata?: Record<string, string> }>(read(file).Resources ?? {}))
      if (r.Type === 'AWS::CloudFormation::Stack') queue.push(r.Metadata!['aws:asset:path']);
  }
  return all.sort();
}

describe(`cfn-lint ${PINNED} on every synthesized template`, () => {
  test('is the pinned cfn-lint', () => {
    expect(spawnSync(cfnLint, ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(`cfn-lint ${PINNED}`);
  });

  test('lints every template of every environment, nested stacks included', () => {
    for (const env of ENVIRONMENTS) {
      const files = linted.filter((t) => t.env === env).map((t) => path.basename(t.file));
      expect({ env, files }).toEqual({ env, files: deployedTemplates(assembly(env)) });
    }
  });

  test('finds nothing', () => {
    const shown = linted.flatMap((t) =>
      found(t.file).map((f) => `${t.env} ${path.basename(t.file)} ${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`),
    );
    expect(shown).toEqual([]);
  });

  test('every acknowledgement silences a finding on its resource, and nothing else', () => {
    // Without the metadata, cfn-lint finds exactly what the metadata acknowledges:
    // a stale acknowledgement (the finding went away) fails here, as does one that hides more than its resource's finding.
    for (const t of linted) {
      const bare = [...new Set(found(t.bare).map((f) => `${f.Location.Path[1]} ${f.Rule.Id}`))].sort();
      expect({ env: t.env, template: path.basename(t.file), findings: bare }).toEqual({
        env: t.env,
        template: path.basename(t.file),
        findings: t.acknowledged,
      });
    }
  });
});
