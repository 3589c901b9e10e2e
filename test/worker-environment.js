/**
 * jest's node environment, with one thing more: `globalThis.__workerMemo`, a
 * Map that lives as long as the jest worker, shared by the test files it
 * runs (each file gets a fresh module registry and global object; this
 * module is loaded once per worker process). test/helpers.ts keeps each
 * environment's synthesized template there, as text, so a worker
 * synthesizes an environment once, not once per test file.
 */
const { TestEnvironment } = require('jest-environment-node');

const memo = new Map();

class WorkerEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__workerMemo = memo;
  }
}

module.exports = WorkerEnvironment;
