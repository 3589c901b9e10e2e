import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { buildApp } from '../lib/app';
import { cdkContext } from '../lib/cdk-context';
import { EnvironmentConfig } from '../lib/config/environment-schema';
import { loadEnvironment } from '../lib/config/load-environment';
import { UserInputError } from '../lib/errors';
import { ObservabilityStack } from '../lib/stacks/observability-stack';

const REPO = path.resolve(__dirname, '..');

export const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'] as const;

export interface Synthesized {
  readonly stack: ObservabilityStack;
  /** The cloud assembly's folder (templates and file assets). */
  readonly outdir: string;
  readonly template: Template;
  readonly json: Record<string, any>;
  /** Warning annotations of the stack, as "path: message" (construct warnings CDK would print at synth). */
  readonly warnings: string[];
}

/**
 * Synthesizes one environment the way `cdk synth -c env=NAME` does (cdk.json's
 * context, feature flags included), through the app's own `buildApp`, which
 * applies cdk-nag's AwsSolutions pack as a validation plugin (one code path
 * with `cdk synth`/`cdk deploy`), and CDK's CloudFormation validation as errors (cdk.json
 * sets `@aws-cdk/core:validateAgainstDefaultRules`): an unacknowledged finding
 * makes app.synth() throw. Lambda bundling is skipped (tests do not
 * need the bundle, and esbuild would run once per synth).
 */
export function synth(env: string, overrides: (e: EnvironmentConfig) => EnvironmentConfig = (e) => e): Synthesized {
  const app = new App({ context: cdkContext(REPO, { env, 'aws:cdk:bundling-stacks': [] }) });
  const stack = buildApp(app, { environment: overrides(loadEnvironment(env)) });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const warnings = artifact.messages
    .filter((m) => m.level === cxapi.SynthesisMessageLevel.WARNING)
    .map((m) => `${m.id}: ${typeof m.entry.data === 'string' ? m.entry.data : JSON.stringify(m.entry.data)}`);
  return { stack, template: Template.fromJSON(artifact.template), json: artifact.template, outdir: assembly.directory, warnings };
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

function maskVolatile(text: string): string {
  return text.replace(/[0-9a-f]{64}/g, '[ASSET-HASH]').replace(/"v2:deflate64:[A-Za-z0-9+/=]+"/g, '"[CDK-ANALYTICS]"');
}
