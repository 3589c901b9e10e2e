import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { currentBundle, pruneBundles, writeVersionedBundle } from '../lib/render/write-bundle';
import { composeEnv, main, parsePs, stackStatus } from '../scripts/local';
import { captureOutput } from './helpers';

const repo = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-local-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A stand-in for the docker CLI (no engine runs here): answers `docker info`,
 * `compose up`, `compose ps --all --format json` (one JSON object per line,
 * as compose v2.21+ prints it) and `compose logs`, per FAKE_DOCKER_SCENARIO,
 * and records every call with whether GRAFANA_ADMIN_PASSWORD was set.
 */
const FAKE_DOCKER = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_DOCKER_CALLS, JSON.stringify({ args, grafanaPassword: process.env.GRAFANA_ADMIN_PASSWORD ?? null }) + '\\n');
if (args[0] === 'info') { console.log('27.3.1'); process.exit(0); }
const sub = args.find((a) => ['up', 'ps', 'logs', 'down'].includes(a));
if (sub === 'ps') {
  const file = args[args.indexOf('-f') + 1];
  const services = Object.keys(require(process.env.FAKE_DOCKER_YAML).parse(fs.readFileSync(file, 'utf8')).services);
  const scenario = process.env.FAKE_DOCKER_SCENARIO;
  for (const s of services) {
    let state = { Service: s, State: 'running', Health: 'healthy', ExitCode: 0 };
    if (scenario === 'collector-exits' && s === 'otel-collector') state = { Service: s, State: 'exited', Health: '', ExitCode: 1 };
    if (scenario === 'never-healthy' && s === 'grafana') state = { Service: s, State: 'running', Health: 'starting', ExitCode: 0 };
    console.log(JSON.stringify(state));
  }
}
if (sub === 'logs') console.log('Error: cannot create /var/lib/otelcol/file_storage: permission denied (last line of ' + args[args.length - 1] + ')');
process.exit(0);
`;

/**
 * Runs scripts/local.ts's `main` in this process, with the fake docker first
 * on PATH (the script spawns `docker` as a user's machine would), and returns
 * what it printed and the docker calls it made. The entry point itself (exit
 * code, message) runs as a subprocess in the test above this block.
 */
async function runLocal(command: string, scenario: string, env: Record<string, string | undefined> = {}) {
  const bin = path.join(tmp, `bin-${scenario}`);
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  const calls = path.join(tmp, `calls-${scenario}-${command}.jsonl`);
  const vars: Record<string, string | undefined> = {
    PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}`,
    FAKE_DOCKER_CALLS: calls,
    FAKE_DOCKER_SCENARIO: scenario,
    FAKE_DOCKER_YAML: require.resolve('yaml'),
    LOCAL_UP_POLL_MS: '50',
    LOCAL_UP_TIMEOUT_SECONDS: '0.5',
    // Nothing listens here: the first verify fails fast, and local:up still reports it.
    LOCAL_BIND_ADDRESS: '127.0.0.2',
    ...env,
  };
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let output: { result: number; stdout: string; stderr: string };
  try {
    output = await captureOutput(() => main(command, false));
  } finally {
    process.env = saved;
  }
  const recorded = fs.existsSync(calls)
    ? fs
        .readFileSync(calls, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { args: string[]; grafanaPassword: string | null })
    : [];
  return { status: output.result, stdout: output.stdout, stderr: output.stderr, calls: recorded };
}

/**
 * `node scripts/local.ts COMMAND` with no docker on PATH at all (as on a fresh CI machine; where a client exists
 * without an engine the message is the same): the entry point itself, its exit code and message. The tests after
 * these call its `main` in-process.
 */
const runWithoutDocker = (command: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local.ts', command], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, PATH: path.dirname(process.execPath) },
    timeout: 60_000,
  });

test('local:up says clearly that no Docker engine answers, and stops', () => {
  const r = runWithoutDocker('up');
  expect(r.stdout).toContain('rendered the local stack into');
  expect(r.stderr).toContain('No Docker engine answers here (`docker info` failed), so the local stack cannot start.');
  expect(r.status).toBe(1);
});

test('local:down reads its command from the command line, and says no Docker engine answers', () => {
  // Runs after the test above, which rendered .local/current.
  const r = runWithoutDocker('down');
  expect(r.stderr).toBe('No Docker engine answers here (`docker info` failed), so there is no local stack to stop.\n');
  expect(r.stdout).toBe('');
  expect(r.status).toBe(1);
});

describe('local:up with a docker CLI that answers (fake, no engine)', () => {
  test('waits until every service is healthy, then prints the URLs and the first verify result', async () => {
    const r = await runLocal('up', 'healthy', { GRAFANA_ADMIN_PASSWORD: 'a-real-password' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('The local stack is up (14 services healthy)');
    expect(r.stdout).toContain('Grafana       http://127.0.0.2:3000');
    expect(r.stdout).toContain('Prometheus    http://127.0.0.2:9090');
    expect(r.stdout).toMatch(/verify: \d+ passed, \d+ failed/);
    const up = r.calls.find((c) => c.args.includes('up'))!;
    expect(up.args).toEqual(expect.arrayContaining(['compose', '-p', 'trading-observability', '--profile', 'demo', 'up', '-d']));
    expect(r.calls.some((c) => c.args.includes('ps') && c.args.includes('--all'))).toBe(true);
  }, 30_000);

  test('fails when a container exits, and prints its last log lines', async () => {
    const r = await runLocal('up', 'collector-exits', { GRAFANA_ADMIN_PASSWORD: 'a-real-password' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('The local stack did not start: otel-collector stopped or is unhealthy.');
    expect(r.stderr).toContain('--- last log lines of otel-collector');
    expect(r.stderr).toContain('permission denied (last line of otel-collector)');
    expect(r.calls.find((c) => c.args.includes('logs'))!.args).toEqual(expect.arrayContaining(['logs', '--tail', '30', 'otel-collector']));
  }, 30_000);

  test('fails when a service never becomes healthy, naming it and printing its logs', async () => {
    const r = await runLocal('up', 'never-healthy', { GRAFANA_ADMIN_PASSWORD: 'a-real-password', LOCAL_UP_TIMEOUT_SECONDS: '0.2' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('did not become healthy within 0.2 s; still waiting for: grafana.');
    expect(r.stderr).toContain('--- last log lines of grafana');
  }, 30_000);

  test('local:down needs no secrets: compose gets placeholders, and the stack of .local/current stops', async () => {
    const r = await runLocal('down', 'healthy', { GRAFANA_ADMIN_PASSWORD: undefined });
    expect(r.status).toBe(0);
    const down = r.calls.find((c) => c.args.includes('down'))!;
    expect(down.grafanaPassword).toBe('not-used-by-this-command');
    expect(down.args).toEqual(expect.arrayContaining(['-p', 'trading-observability', 'down']));
    expect(down.args.find((a) => a.endsWith('docker-compose.yml'))).toBe(
      path.join(currentBundle(path.join(repo, '.local'))!, 'docker-compose.yml'),
    );
  }, 30_000);
});

describe('rendering while a stack runs', () => {
  test('a changed bundle goes to a new folder; the folder in use is left alone until pruned', () => {
    const base = path.join(tmp, 'stacks');
    const first = writeVersionedBundle(base, { 'a.yml': 'one' });
    const inUse = fs.readFileSync(path.join(first, 'a.yml'), 'utf8');
    expect(writeVersionedBundle(base, { 'a.yml': 'one' })).toBe(first); // same content, same folder, untouched
    const second = writeVersionedBundle(base, { 'a.yml': 'two' });
    expect(second).not.toBe(first);
    expect(fs.readFileSync(path.join(first, 'a.yml'), 'utf8')).toBe(inUse);
    expect(currentBundle(base)).toBe(second);
    expect(pruneBundles(base)).toEqual([path.basename(first)]);
    expect(fs.existsSync(first)).toBe(false);
    expect(fs.readFileSync(path.join(second, 'a.yml'), 'utf8')).toBe('two');
  });
});

describe('local:up helpers', () => {
  test('reads both formats of compose ps --format json', () => {
    const one = { Service: 'grafana', State: 'running', Health: 'healthy' };
    expect(parsePs(`${JSON.stringify(one)}\n${JSON.stringify({ ...one, Service: 'jaeger' })}\n`)).toHaveLength(2);
    expect(parsePs(JSON.stringify([one]))).toEqual([one]);
    expect(parsePs('')).toEqual([]);
  });

  test('a service without a container yet is waited for; an unhealthy one fails', () => {
    expect(stackStatus([{ Service: 'a', State: 'running', Health: 'healthy' }], ['a', 'b'])).toEqual({ kind: 'waiting', waiting: ['b'] });
    expect(stackStatus([{ Service: 'a', State: 'running', Health: 'unhealthy' }], ['a'])).toEqual({ kind: 'failed', failed: ['a'] });
  });

  test('only up needs the secrets', () => {
    expect(composeEnv('up', {}).GRAFANA_ADMIN_PASSWORD).toBeUndefined();
    expect(composeEnv('down', {}).GRAFANA_ADMIN_PASSWORD).toBe('not-used-by-this-command');
    expect(composeEnv('down', { GRAFANA_ADMIN_PASSWORD: 'mine' }).GRAFANA_ADMIN_PASSWORD).toBe('mine');
  });
});

test('the bundle carries its own emitter and sink: the compose file mounts them, not the project', () => {
  const dir = currentBundle(path.join(repo, '.local'));
  expect(dir).toBeDefined();
  const compose = parse(fs.readFileSync(path.join(dir!, 'docker-compose.yml'), 'utf8'));
  expect(JSON.stringify(compose)).not.toContain('TRADING_OBSERVABILITY_DIR');
  expect(JSON.stringify(compose)).not.toContain('tsx');
});
