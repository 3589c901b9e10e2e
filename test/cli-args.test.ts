import { spawnSync } from 'child_process';
import * as path from 'path';
import { parseCli } from '../scripts/cli-args';
import { main as cost } from '../scripts/cost';
import { captureOutput } from './helpers';

const repo = path.resolve(__dirname, '..');

/** Runs `fn` with process.exit and stderr captured: what a parse error would print, and the exit code it asks for. */
function exitOf(fn: () => unknown): { code: unknown; stderr: string } {
  let stderr = '';
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const exit = jest.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
    throw Object.assign(new Error('process.exit'), { exitCode: code });
  });
  try {
    fn();
    return { code: undefined, stderr };
  } catch (e) {
    if (!(e as { exitCode?: unknown }).exitCode) throw e;
    return { code: (e as { exitCode?: unknown }).exitCode, stderr };
  } finally {
    err.mockRestore();
    exit.mockRestore();
  }
}

describe('the scripts read their flags with node:util parseArgs (scripts/cli-args.ts)', () => {
  // Through an entry point: the exit code and what the user reads.
  test('fails when a flag is unknown: one line naming the program and the flag, then the usage, exit 2', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/verify.ts', '--prometheus', 'http://127.0.0.1:1', '--promethues', 'x'],
      {
        cwd: repo,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    // Node's own wording after the flag differs between versions (20 here, 24 in CI).
    const [first, usage] = r.stderr.split('\n');
    expect(first).toMatch(/^verify: Unknown option '--promethues'/);
    expect(usage).toBe(
      'usage: npm run verify -- --prometheus URL [--alertmanager URL] [--jaeger URL] [--sigv4 REGION] [--env local|dev|staging|prod]',
    );
  });

  test('fails when the input is wrong (verify --env qa): the one-line message, exit 1', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify.ts', '--prometheus', 'http://127.0.0.1:1', '--env', 'qa'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'config/environments.yaml: environments: no such environment (got "qa"). Fix: pass -c env= one of local, dev, staging, prod, or add "qa" under environments:\n',
    );
  });

  test('fails when a flag has no value', () => {
    const r = exitOf(() =>
      parseCli('demo-emitter', 'usage: demo-emitter --service NAME', { args: ['--service'], options: { service: { type: 'string' } } }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("demo-emitter: Option '--service <value>' argument missing\nusage: demo-emitter --service NAME\n");
  });

  test('fails when a positional is given to a command that takes none', () => {
    const r = exitOf(() => parseCli('verify', 'usage: verify', { args: ['extra'], options: {} }));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^verify: Unexpected argument 'extra'/);
  });

  test('cost reads -c env=NAME like cdk, and --json', async () => {
    const { result, stdout } = await captureOutput(() => cost(['-c', 'env=staging', '--json']));
    expect(result).toBe(0);
    expect((JSON.parse(stdout) as { environment: string }).environment).toBe('staging');
  });
});
