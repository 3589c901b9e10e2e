import { spawnSync } from 'child_process';
import * as path from 'path';

const repo = path.resolve(__dirname, '..');
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });

describe('the scripts read their flags with node:util parseArgs (scripts/cli-args.ts)', () => {
  test('fails when a flag is unknown: one line naming the program and the flag, then the usage, exit 2', () => {
    const r = run('scripts/verify.ts', '--prometheus', 'http://127.0.0.1:1', '--promethues', 'x');
    expect(r.status).toBe(2);
    // Node's own wording after the flag differs between versions (20 here, 24 in CI).
    const [first, usage] = r.stderr.split('\n');
    expect(first).toMatch(/^verify: Unknown option '--promethues'/);
    expect(usage).toBe('usage: npm run verify -- --prometheus URL [--alertmanager URL] [--sigv4 REGION] [--env local|dev|staging|prod]');
  });

  test('fails when a flag has no value', () => {
    const r = run('scripts/demo-emitter.ts', '--service');
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("demo-emitter: Option '--service <value>' argument missing");
  });

  test('cost reads -c env=NAME like cdk, and --json', () => {
    const r = run('scripts/cost.ts', '-c', 'env=staging', '--json');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { environment: string }).environment).toBe('staging');
  });
});
