import { spawnSync } from 'child_process';
import * as path from 'path';

const repo = path.resolve(__dirname, '..');

test('local:up says clearly that no Docker engine answers, and stops', () => {
  // No docker on PATH at all (as on a fresh CI machine); where a client exists without an engine the message is the same.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local.ts', 'up'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, PATH: path.dirname(process.execPath) },
    timeout: 60_000,
  });
  expect(r.stdout).toContain('rendered the local stack into');
  expect(r.stderr).toContain('No Docker engine answers here (`docker info` failed), so the local stack cannot start.');
  expect(r.status).toBe(1);
});
