/** Tests that run real tools: promtool, amtool, prometheus, alertmanager, docker-compose's validator, the TypeScript compiler on the whole library. */
const base = require('./jest.config');
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['**/test/tools/**/*.test.ts', '**/test/e2e/**/*.test.ts'],
  testTimeout: 120000,
};
