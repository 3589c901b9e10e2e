/**
 * Tests that run real tools: the collector, Prometheus, promtool, Alertmanager,
 * amtool and Jaeger built by `bash tools/build.sh` (first on PATH, see
 * test/global-setup-tools.ts), cfn-lint, docker-compose's validator, the
 * TypeScript compiler on the whole library.
 */
const base = require('./jest.config');
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['**/test/tools/**/*.test.ts', '**/test/e2e/**/*.test.ts'],
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/global-setup-tools.ts',
};
