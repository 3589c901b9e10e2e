import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Template } from 'aws-cdk-lib/assertions';
import type { EnvironmentConfig } from '../lib/config/environment-schema';
import { ENVIRONMENTS_FILE, parseEnvironment } from '../lib/config/parse-environment';
import { UserInputError } from '../lib/errors';
import { readProject } from '../lib/io/read-project';
import type { ObservabilityModel } from '../lib/model/model';
import { requiredText, type ProjectFiles } from '../lib/model/project-files';
import type { ObservabilityStack } from '../lib/stacks/observability-stack';

/*
 * aws-cdk-lib and the app are loaded on first use only: most test files read
 * the worker's synthesized template (or need only inputErrorOf), and
 * loading the app's construct tree costs about 0.5 s per test file (jest
 * gives each file its own module registry).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading, see above */
const cdk = () => require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const assertions = () => require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
const cxapi = () => require('aws-cdk-lib/cx-api') as typeof import('aws-cdk-lib/cx-api');
const appModule = () => require('../lib/app') as typeof import('../lib/app');
const compileModule = () => require('../lib/compile/compile') as typeof import('../lib/compile/compile');
const contextModule = () => require('../lib/io/cdk-context') as typeof import('../lib/io/cdk-context');
/* eslint-enable @typescript-eslint/no-require-imports */

export const REPO = path.resolve(__dirname, '..');

/**
 * The repository's data files, read once per test file and frozen: the
 * worker's synth memo is built from them. A test changes what it needs in a
 * copy: `compile({ ...baseFiles, 'alerts/x.yaml': text }, 'prod')`.
 */
export const baseFiles: ProjectFiles = Object.freeze(readProject(REPO));

const models = new Map<string, ObservabilityModel>();
/** The repository's model for an environment, compiled once per test file. */
export function modelOf(env: string = 'local'): ObservabilityModel {
  let model = models.get(env);
  if (!model) models.set(env, (model = compileModule().compile(baseFiles, env)));
  return model;
}

/** Writes `files` (the repository's data files by default) under `dir`, for a script that reads and writes a project on disk. Returns `dir`. */
export function writeProjectFiles(dir: string, files: ProjectFiles = baseFiles): string {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** An environment's settings from `files`' config/environments.yaml (the repository's by default). */
export function environmentOf(name: string, files: ProjectFiles = baseFiles): EnvironmentConfig {
  return parseEnvironment(name, requiredText(files, ENVIRONMENTS_FILE, 'restore it from the repository'));
}

export const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'] as const;

export interface Synthesized {
  readonly stack: ObservabilityStack;
  /** The cloud assembly's folder (templates and file assets). */
  readonly outdir: string;
  readonly template: Template;
  readonly json: Record<string, any>;
  /** Warning annotations of the stack, as "path: message" (construct warnings CDK would print at synth). */
  readonly warnings: string[];
  /**
   * Every L1 resource CDK can tag (TagManager.isTaggable: the CloudFormation
   * types with a Tags property), nested stacks included, with the tags CDK
   * gave it at synth: walked over the construct tree once, when the
   * environment is synthesized, and cached with the template.
   */
  readonly taggable: TaggableResource[];
}

export interface TaggableResource {
  readonly type: string;
  readonly path: string;
  readonly tags: Record<string, string>;
}

/**
 * Synthesizes one environment the way `cdk synth -c env=NAME` does (cdk.json's
 * context, feature flags included), through the app's own `buildApp`, which
 * applies cdk-nag's AwsSolutions pack as a validation plugin (one code path
 * with `cdk synth`/`cdk deploy`), and CDK's CloudFormation validation as
 * errors (cdk.json sets `@aws-cdk/core:validateAgainstDefaultRules`): an
 * unacknowledged finding makes app.synth() throw. Lambda bundling is skipped
 * (tests do not need the bundle, and esbuild would run once per synth), and
 * so is the metadata the CDK CLI adds, unless `cliMetadata` (see
 * CDK_CLI_METADATA).
 *
 * Of the repository's files, unchanged (no `files`, no `overrides`, not
 * `fresh`), each environment is synthesized once per jest worker (see
 * `memoSynth`); `stack` (the construct tree) is then synthesized on first
 * access only.
 */
export function synth(
  env: string,
  overrides?: (e: EnvironmentConfig) => EnvironmentConfig,
  options: { readonly fresh?: boolean; readonly cliMetadata?: boolean; readonly files?: ProjectFiles } = {},
): Synthesized {
  const cliMetadata = options.cliMetadata ?? false;
  if (!overrides && !options.fresh && !options.files) return memoSynth(env, cliMetadata);
  return synthNow(env, options.files ?? baseFiles, overrides ?? ((e) => e), false, cliMetadata);
}

/**
 * The metadata context the CDK CLI gives every app it synthesizes (aws-cdk
 * 2.1148.1's `contextFromSettings`, at its defaults: cdk.json sets none of
 * pathMetadata, assetMetadata, versionReporting): each resource's
 * `aws:cdk:path`, the assets' metadata, and the CDKMetadata resource. Off in
 * the other tests' synth (their snapshots stay without it). With
 * `cliMetadata: true` a template is the one `npm run synth:all` writes but
 * for the Lambda assets (bundling is skipped: other hashes, source folders as
 * asset paths); compared with `cdk synth -c env=<e>` for the four
 * environments. For linters that read it: cfn-lint recognizes a CDK template
 * by `aws:cdk:path` or CDKMetadata and skips rules CDK's output cannot follow
 * (I1022 Fn::Sub over Fn::Join), and the local stack's template has no
 * resource but CDKMetadata.
 */
const CDK_CLI_METADATA = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:version-reporting': true,
};

function synthNow(
  env: string,
  files: ProjectFiles,
  overrides: (e: EnvironmentConfig) => EnvironmentConfig,
  validate = false,
  cliMetadata = false,
): Synthesized {
  const context = { env, 'aws:cdk:bundling-stacks': [], ...(cliMetadata ? CDK_CLI_METADATA : {}) };
  // The assembly goes to a folder of its own under the run's temporary folder (test/global-setup.js).
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `synth-${env}-`));
  const app = new (cdk().App)({ outdir, context: contextModule().cdkContext(REPO, context) });
  const stack = appModule().buildApp(app, { files, environment: overrides(environmentOf(env, files)) });
  const assembly = withCloudFormationRules(validate, () => app.synth());
  const artifact = assembly.getStackByName(stack.stackName);
  const warnings = artifact.messages
    .filter((m) => m.level === cxapi().SynthesisMessageLevel.WARNING)
    .map((m) => `${m.id}: ${typeof m.entry.data === 'string' ? m.entry.data : JSON.stringify(m.entry.data)}`);
  const json = artifact.template as Record<string, any>;
  return { stack, template: assertions().Template.fromJSON(json), json, outdir: assembly.directory, warnings, taggable: taggableOf(stack) };
}

/** The walk behind `Synthesized.taggable`, over a synthesized construct tree (CDK's Tag aspects have run). */
function taggableOf(stack: ObservabilityStack): TaggableResource[] {
  const { CfnResource, TagManager } = cdk();
  return stack.node
    .findAll()
    .filter((c): c is InstanceType<typeof CfnResource> => CfnResource.isCfnResource(c) && TagManager.isTaggable(c))
    .map((r) => ({ type: r.cfnResourceType, path: r.node.path, tags: TagManager.of(r)?.tagValues() ?? {} }));
}

/**
 * Runs `fn` with CDK's built-in CloudFormation rules on or off (test/setup-env.ts
 * turns them off by default: 1.1 s of engine start per test file). On for
 * every environment's shared synth: the templates that would be deployed.
 */
function withCloudFormationRules<T>(on: boolean, fn: () => T): T {
  const before = process.env.CDK_VALIDATION;
  if (on) delete process.env.CDK_VALIDATION;
  else process.env.CDK_VALIDATION = 'false';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = before;
  }
}

/** What a worker keeps of an environment's synth: text, so any test file's realm can parse it. */
interface MemoEntry {
  readonly template: string;
  readonly outdir: string;
  readonly warnings: string[];
  readonly taggable: string;
}

/** The worker's memo (test/worker-environment.js), or this file's own when run without that environment. */
const workerMemo: Map<string, MemoEntry> = (globalThis as { __workerMemo?: Map<string, MemoEntry> }).__workerMemo ?? new Map();

/**
 * One synth per environment per jest run, CloudFormation rules on (the
 * templates that would be deployed), cdk-nag included (a failing gate
 * memoizes nothing). The first worker that needs an environment synthesizes
 * it and leaves the result in the run's temporary folder
 * (TRADING_OBSERVABILITY_TEST_TMP, made by global-setup.js and removed by
 * global-teardown.js: nothing outlives the run); the other workers wait for
 * it rather than synthesize it again. Each test file gets its own parse of
 * the template.
 */
function memoSynth(env: string, cliMetadata: boolean): Synthesized {
  const run = process.env.TRADING_OBSERVABILITY_TEST_TMP;
  // Keyed by the run too (its temporary folder holds the assembly): a worker outliving a run (watch mode) synthesizes anew.
  const name = `${env}${cliMetadata ? '-cli' : ''}`;
  const key = `${run ?? ''}|${name}`;
  let stack: ObservabilityStack | undefined;
  let entry = workerMemo.get(key);
  if (!entry) {
    const synthesize = (): MemoEntry => {
      const s = synthNow(env, baseFiles, (e) => e, true, cliMetadata);
      stack = s.stack;
      return { template: JSON.stringify(s.json), outdir: s.outdir, warnings: s.warnings, taggable: JSON.stringify(s.taggable) };
    };
    entry = run ? sharedInRun(path.join(run, 'synth-memo', `${name}.json`), synthesize) : synthesize();
    workerMemo.set(key, entry);
  }
  const json = JSON.parse(entry.template) as Record<string, any>;
  let template: Template | undefined;
  const { outdir, warnings } = entry;
  return {
    get stack() {
      stack ??= synthNow(env, baseFiles, (e) => e, false, cliMetadata).stack;
      return stack;
    },
    get template() {
      template ??= assertions().Template.fromJSON(json);
      return template;
    },
    json,
    outdir,
    warnings: [...warnings],
    taggable: JSON.parse(entry.taggable) as TaggableResource[],
  };
}

/**
 * The run's one copy of a result: read it if a worker wrote it; else make it
 * under an exclusive lock file and write it (atomically); while another
 * worker holds the lock, wait for its result. A worker whose synth failed
 * leaves no result and drops the lock, so the next makes it again and
 * reports the error itself.
 */
function sharedInRun(file: string, make: () => MemoEntry): MemoEntry {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as MemoEntry;
    let fd: number | undefined;
    try {
      fd = fs.openSync(lock, 'wx');
    } catch {
      Atomics.wait(sleep, 0, 0, 100);
      continue;
    }
    try {
      const entry = make();
      fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(entry));
      fs.renameSync(`${file}.${process.pid}`, file);
      return entry;
    } finally {
      fs.closeSync(fd);
      fs.rmSync(lock, { force: true });
    }
  }
  throw new Error(`test helpers: waited 10 minutes for another worker's ${path.basename(file)}; remove ${lock} if a worker died`);
}

/** Every resource of a type, as [logicalId, properties]. */
export function resourcesOf(json: Record<string, any>, type: string): [string, any][] {
  return Object.entries(json.Resources ?? {})
    .filter(([, r]: [string, any]) => r.Type === type)
    .map(([id, r]: [string, any]) => [id, r.Properties]);
}

/**
 * Resolves the intrinsic functions that appear in strings we render (Fn::Join
 * of Refs), with fake values, so the text can be fed to promtool/amtool.
 */
export function resolveJoin(value: unknown, refs: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolveJoin(p, refs)).join(sep);
  }
  if (typeof v.Ref === 'string') {
    if (v.Ref === 'AWS::Region') return 'eu-west-1';
    if (v.Ref === 'AWS::AccountId') return '123456789012';
    if (v.Ref === 'AWS::Partition') return 'aws';
    return refs[v.Ref] ?? `arn:aws:sns:eu-west-1:123456789012:${v.Ref}`;
  }
  if (v['Fn::GetAtt']) return `getatt-${(v['Fn::GetAtt'] as string[]).join('.')}`;
  throw new Error(`resolveJoin: unsupported ${JSON.stringify(value).slice(0, 100)}`);
}

/** The message of the UserInputError `fn` throws; fails the test if it throws nothing or something else. */
export function inputErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserInputError);
    return (e as Error).message;
  }
  throw new Error('expected a UserInputError');
}

/**
 * Every template of a synthesized environment (the stack's and each nested
 * stack's, by file name in the cloud assembly) with the values that change
 * without a change to what is deployed masked: asset hashes (S3 keys, asset
 * paths; they change with any byte of a Lambda bundle or the dashboards
 * bundle, which have their own tests) and CDK's analytics metadata (it
 * changes with the CDK version). What remains is what CloudFormation would
 * deploy, for a reviewed jest snapshot.
 */
export function templatesForSnapshot(s: Synthesized): Record<string, unknown> {
  const files = fs
    .readdirSync(s.outdir)
    .filter((f) => f.endsWith('.template.json'))
    .sort();
  return Object.fromEntries(files.map((f) => [maskVolatile(f), JSON.parse(maskVolatile(fs.readFileSync(path.join(s.outdir, f), 'utf8')))]));
}

/** Asset hashes and CDK's analytics metadata masked (see templatesForSnapshot); the golden files use it too. */
export function maskVolatile(text: string): string {
  return text.replace(/[0-9a-f]{64}/g, '[ASSET-HASH]').replace(/"v2:deflate64:[A-Za-z0-9+/=]+"/g, '"[CDK-ANALYTICS]"');
}

/** The smallest valid AWS environment, for tests that load one setting at a time (an AWS environment names its network; the opt-in is enough here). */
export const MINIMAL_AWS_ENVIRONMENT = {
  app: 'trading-observability',
  target: 'aws',
  services: [{ name: 'backend' }],
  scrapeIntervalSeconds: 15,
  discovery: { mode: 'dns', namespace: 'trading.internal' },
  exporters: { metrics: 'amp', traces: 'xray' },
  logRetentionDays: 30,
  metricsRetentionDays: 150,
  grafana: { authentication: 'AWS_SSO' },
  alerts: { email: [], sms: [] },
  network: { createMinimalVpc: true },
};

/**
 * Runs a script's command in-process and returns what it printed: console.log
 * lines as stdout, process.stderr writes as stderr (the two ways the scripts
 * print), with its result. The spies are removed whatever happens.
 */
export async function captureOutput<T>(fn: () => T | Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const result = await fn();
    return { result, stdout, stderr };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}
