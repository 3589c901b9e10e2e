/** Tests that need promtool, amtool, prometheus or alertmanager on PATH. */
const base = require('./jest.config');
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['**/test/tools/**/*.test.ts', '**/test/e2e/**/*.test.ts'],
  testTimeout: 120000,
};
