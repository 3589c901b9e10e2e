/**
 * One temporary folder per jest run (jest.config.js `globalSetup`): every
 * test's temporary files (CDK's `cdk.out*` of each App without an outdir,
 * project copies, bundles, subprocesses' files) go under it through TMPDIR,
 * which os.tmpdir() reads, and `global-teardown.js` removes it. Before this,
 * each run left hundreds of cdk.out folders in /tmp. Workers start after
 * this runs and inherit the environment.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = function globalSetup() {
  const tmp = os.tmpdir();
  const dir = fs.mkdtempSync(path.join(tmp, 'trading-observability-tests-'));
  // tsx keeps its transform cache in os.tmpdir()/tsx-<uid> (tsx@4.23 dist/client-*.cjs): the subprocess
  // tests (node --import tsx ...) keep using the machine's, or each run would transform every file anew.
  const tsxCache = `tsx-${os.userInfo().uid}`;
  fs.mkdirSync(path.join(tmp, tsxCache), { recursive: true });
  fs.symlinkSync(path.join(tmp, tsxCache), path.join(dir, tsxCache));
  process.env.TRADING_OBSERVABILITY_TEST_TMP = dir;
  process.env.TMPDIR = dir;
};
