/**
 * Runs before every unit test file (jest.config.js `setupFiles`).
 *
 * CDK's built-in CloudFormation rule engine (cdk.json's
 * `@aws-cdk/core:validateAgainstDefaultRules`) is a WebAssembly engine that
 * takes about 1.1 s to start, once per module registry, that is once per test
 * file (aws-cdk-lib@2.276.0 core/lib/validation/cloudformation-validate-plugin.js,
 * initializeEngine; measured with `node --cpu-prof` on a one-topic app: 1.6 s
 * synth, 1.2 s of it in the engine). aws-cdk-lib reads `CDK_VALIDATION` at
 * each synth (core/lib/private/synthesis-validation.js,
 * defaultValidationEnabled: `process.env.CDK_VALIDATION !== "false"`).
 *
 * So: off by default in unit tests (constructs alone, override variants, the
 * entry-point subprocess of test/cli.test.ts, which inherits it), and ON
 * where the templates that would be deployed are made: the shared synth of
 * every environment (test/helpers.ts `synth(env)`, which passes
 * `validate: true`) and `npm run synth:all` (every environment through the
 * entry point) in CI. cdk-nag is not affected: it is a plugin the app
 * registers itself (lib/app.ts).
 */
process.env.CDK_VALIDATION ??= 'false';
