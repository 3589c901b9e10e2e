#!/usr/bin/env node
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { appModel, refusePlaceholders } from '../lib/app-input';
import { UserInputError } from '../lib/errors';
import { renderLocalBundle } from '../lib/render/local-bundle';
import { writeBundle } from '../lib/io/write-bundle';
import { bundleLocalPrograms } from '../scripts/local-programs';
import { validateOnWorker } from './cfn-validate';

try {
  const app = new App();
  // CDK's CloudFormation rule engine starts on a worker thread while the model compiles and the stacks are built
  // (bin/cfn-validate.ts).
  validateOnWorker(app);
  const model = appModel(app);
  refusePlaceholders(app, model.environment);
  // The stacks' modules (every AWS service's constructs, cdk-nag) load once the input is known good:
  // bad input stops having cost the compile only (lib/app-input.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp } = require('../lib/app') as typeof import('../lib/app');
  const stack = buildApp(app, { model });
  app.synth();
  if (stack.model.environment.target === 'local') {
    // The local environment's output: the same model rendered for Docker.
    const dir = path.join(app.outdir, 'local-bundle');
    writeBundle(dir, renderLocalBundle(stack.model, bundleLocalPrograms()));
    process.stderr.write(`local bundle: ${dir} (npm run local:up runs it)\n`);
  }
} catch (e) {
  if (e instanceof UserInputError) {
    // One message naming file, field, value and fix; no stack trace, no template.
    process.stderr.write(`\n${e.message}\n\n`);
    process.exit(1);
  }
  throw e;
}
