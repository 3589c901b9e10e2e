/** Removes the run's temporary folder (see global-setup.js). */
const fs = require('fs');

module.exports = function globalTeardown() {
  const dir = process.env.TRADING_OBSERVABILITY_TEST_TMP;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
