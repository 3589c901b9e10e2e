import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, CloudFormationValidatePlugin, Stack, Stage } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RESOURCE_TYPES, validateOnWorker } from '../bin/cfn-validate';
import { ENVIRONMENTS, synth } from './helpers';

/**
 * A small app synthesized as `cdk synth` makes the entry point's: CloudFormation
 * rules as errors (cdk.json), CDKMetadata on, with or without the worker's
 * validation. Returns the template, or the error CDK's validation threw.
 */
function synthSmall(onWorker: boolean, bad: boolean): { template?: string; error?: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validate-'));
  const app = new App({
    outdir,
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true, 'aws:cdk:version-reporting': true },
  });
  if (onWorker) validateOnWorker(app);
  const stack = new Stack(app, 'Small');
  new sns.Topic(stack, 'Topic');
  // An SNS topic with a property CloudFormation does not have: finding F3002.
  if (bad) new CfnResource(stack, 'Bad', { type: 'AWS::SNS::Topic', properties: { Nope: 1 } });
  try {
    app.synth();
    return { template: fs.readFileSync(path.join(outdir, 'Small.template.json'), 'utf8') };
  } catch (e) {
    return { error: (e as Error).message.split(outdir).join('<outdir>') };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe("CDK's CloudFormation validation on a worker thread (bin/cfn-validate.ts)", () => {
  const before = process.env.CDK_VALIDATION;
  // test/setup-env.ts turns CDK's validation off for the unit tests; these compare it on.
  beforeAll(() => delete process.env.CDK_VALIDATION);
  afterAll(() => (before === undefined ? delete process.env.CDK_VALIDATION : (process.env.CDK_VALIDATION = before)));

  test("finds what CDK's own validation finds, on the worker (this thread's plugin never validates)", () => {
    const own = synthSmall(false, true);
    expect(own.error).toMatch(/Nope: Additional properties are not allowed/);
    const validate = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
    try {
      expect(synthSmall(true, true)).toEqual(own);
      expect(validate).not.toHaveBeenCalled();
    } finally {
      validate.mockRestore();
    }
  });

  test("writes the template CDK's own validation lets through, byte for byte (CDKMetadata names no plugin of ours)", () => {
    const own = synthSmall(false, false);
    expect(own.template).toContain('CDKMetadata');
    expect(synthSmall(true, false)).toEqual(own);
  });

  test('validates anew when CDK asks for other stacks than the ones validated early (here: a stack of a nested stage)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validate-'));
    try {
      const app = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
      validateOnWorker(app);
      new sns.Topic(new Stack(app, 'Top'), 'Topic');
      new CfnResource(new Stack(new Stage(app, 'Inner'), 'Nested'), 'Bad', { type: 'AWS::SNS::Topic', properties: { Nope: 1 } });
      expect(() => app.synth()).toThrow(/Nope: Additional properties are not allowed[^]*Inner\/Nested\/Bad/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('adds nothing with CDK_VALIDATION=false, as CDK adds no validation then', () => {
    process.env.CDK_VALIDATION = 'false';
    try {
      const app = new App();
      validateOnWorker(app);
      new Stack(app, 'Small');
      expect(() => app.synth()).not.toThrow();
    } finally {
      delete process.env.CDK_VALIDATION;
    }
  });

  test("RESOURCE_TYPES, the types the worker starts the engine with, holds every environment's", () => {
    for (const env of ENVIRONMENTS) {
      const types = Object.values((synth(env).json.Resources ?? {}) as Record<string, { Type: string }>).map((r) => r.Type);
      expect([...new Set(types)].filter((t) => !RESOURCE_TYPES.includes(t))).toEqual([]);
    }
  });
});
