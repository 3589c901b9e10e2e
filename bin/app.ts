#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { UserInputError } from '../lib/errors';

try {
  const app = new App();
  buildApp(app);
  app.synth();
} catch (e) {
  if (e instanceof UserInputError) {
    // One message naming file, field, value and fix; no stack trace, no template.
    process.stderr.write(`\n${e.message}\n\n`);
    process.exit(1);
  }
  throw e;
}
