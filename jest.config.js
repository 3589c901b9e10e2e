/** @type {import('jest').Config} */
module.exports = {
  // node, with a memo that lives as long as the worker (the synthesized environments of test/helpers.ts).
  testEnvironment: '<rootDir>/test/worker-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  // Tests that run promtool, amtool or the real servers: `npm run test:tools`.
  // CDK's built-in CloudFormation rules run where deployable templates are made; see the file.
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // Temporary files of a run go to one folder, removed at the end.
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  testPathIgnorePatterns: ['/node_modules/', '/test/tools/', '/test/e2e/'],
  // Every core: jest's default leaves one free (a single worker on 2 cores).
  maxWorkers: '100%',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
