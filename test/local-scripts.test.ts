import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { currentBundle, pruneBundles, writeVersionedBundle } from '../lib/io/write-bundle';
import { composeEnv, main, parsePs, stackStatus } from '../scripts/local';
import { captureOutput } from './helpers';

const repo = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-local-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A stand-in for the docker CLI (no engine runs here), per FAKE_DOCKER_SCENARIO:
 * answers `docker info`, `compose version --short`, `compose up --no-start`,
 * `compose up -d --wait` (which, as compose does on a crash-looping dependency,
 * blocks for a minute unless the scenario is healthy), `compose ps --all
 * --format json` (one JSON object per line, as compose v2.21+ prints it),
 * `inspect` (restart counts) and `compose logs`, and records every call with
 * whether GRAFANA_ADMIN_PASSWORD was set.
 */
const FAKE_DOCKER = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
const scenario = process.env.FAKE_DOCKER_SCENARIO;
fs.appendFileSync(process.env.FAKE_DOCKER_CALLS, JSON.stringify({ args, grafanaPassword: process.env.GRAFANA_ADMIN_PASSWORD ?? null }) + '\\n');
if (args[0] === 'info') {
  if (scenario === 'socket-denied') {
    console.error('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.47/info": dial unix /var/run/docker.sock: connect: permission denied');
    process.exit(1);
  }
  console.log('27.3.1'); process.exit(0);
}
if (args[0] === 'inspect') {
  // Restart counts: the collector's grows with every look in the crash-loop scenario; grafana's is old and constant.
  const counter = process.env.FAKE_DOCKER_CALLS + '.inspects';
  const n = fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) + 1 : 0;
  fs.writeFileSync(counter, String(n));
  for (const id of args.slice(3)) {
    let count = 0;
    if (scenario === 'crash-loop-count' && id === 'id-otel-collector') count = n;
    if (scenario === 'old-restarts' && id === 'id-grafana') count = 5;
    console.log(id + ' ' + count);
  }
  process.exit(0);
}
if (args[0] === 'compose' && args[1] === 'version') {
  if (scenario === 'compose-missing') { console.error("docker: 'compose' is not a docker command."); process.exit(1); }
  console.log(scenario === 'compose-old' ? '2.16.0' : '2.29.7'); process.exit(0);
}
const sub = args.find((a) => ['up', 'ps', 'logs', 'down'].includes(a));
if (sub === 'up' && args.includes('--wait')) {
  if (scenario === 'port-taken') {
    console.error('Error response from daemon: driver failed programming external connectivity on endpoint grafana: Bind for 127.0.0.1:3000 failed: port is already allocated');
    process.exit(1);
  }
  if (!['healthy', 'old-restarts'].includes(scenario)) setTimeout(() => process.exit(1), 60000);
  else process.exit(0);
}
if (sub === 'ps') {
  const file = args[args.indexOf('-f') + 1];
  const services = Object.keys(require(process.env.FAKE_DOCKER_YAML).parse(fs.readFileSync(file, 'utf8')).services);
  for (const s of services) {
    let state = { ID: 'id-' + s, Service: s, State: 'running', Health: 'healthy', ExitCode: 0 };
    if (scenario === 'collector-exits' && s === 'otel-collector') state = { ...state, State: 'exited', Health: '', ExitCode: 1 };
    if (scenario === 'crash-loop-count' && s === 'otel-collector') state = { ...state, Health: 'starting' };
    if (scenario === 'crash-loop-restarting' && s === 'otel-collector') state = { ...state, State: 'restarting', Health: '' };
    if (scenario === 'unhealthy' && s === 'prometheus') state = { ...state, Health: 'unhealthy' };
    if (['never-healthy', 'port-taken'].includes(scenario) && s === 'grafana') state = { ...state, Health: 'starting' };
    console.log(JSON.stringify(state));
  }
}
if (sub === 'logs') console.log('Error: cannot create /var/lib/otelcol/file_storage: permission denied (last line of ' + args[args.length - 1] + ')');
if (sub !== 'up' || !args.includes('--wait')) process.exit(0);
`;

/**
 * Runs scripts/local.ts's `main` in this process, with the fake docker first
 * on PATH (the script spawns `docker` as a user's machine would), and returns
 * what it printed and the docker calls it made. The entry point itself (exit
 * code, message) runs as a subprocess in the test above this block.
 */
let runs = 0;
async function runLocal(command: string, scenario: string, env: Record<string, string | undefined> = {}) {
  const bin = path.join(tmp, `bin-${scenario}`);
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  const calls = path.join(tmp, `calls-${scenario}-${command}-${++runs}.jsonl`);
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
  const password = { GRAFANA_ADMIN_PASSWORD: 'a-real-password' };

  test('waits until every service is healthy, then prints the URLs and the first verify result', async () => {
    const r = await runLocal('up', 'healthy', password);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('The local stack is up (15 services healthy)');
    expect(r.stdout).toContain('Grafana       http://127.0.0.2:3000');
    expect(r.stdout).toContain('Loki          http://127.0.0.2:3100');
    expect(r.stdout).toContain('Prometheus    http://127.0.0.2:9090');
    expect(r.stdout).toMatch(/verify: \d+ passed, \d+ failed/);
    // Created first (a first pull has no deadline), then started with compose's own wait as a backstop.
    const ups = r.calls.filter((c) => c.args.includes('up')).map((c) => c.args.slice(c.args.indexOf('up')));
    expect(ups).toEqual([
      ['up', '--no-start', '--remove-orphans'],
      ['up', '-d', '--wait', '--wait-timeout', '31'],
    ]);
    expect(r.calls.find((c) => c.args.includes('up'))!.args).toEqual(
      expect.arrayContaining(['compose', '-p', 'trading-observability', '--profile', 'demo']),
    );
    expect(r.calls.some((c) => c.args.includes('ps') && c.args.includes('--all'))).toBe(true);
    expect(r.calls.some((c) => c.args[0] === 'compose' && c.args[1] === 'version')).toBe(true);
  }, 30_000);

  test('prints the host ports the port variables move the stack to', async () => {
    const r = await runLocal('up', 'healthy', { ...password, GRAFANA_PORT: '13000', PROMETHEUS_PORT: '19090' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Grafana       http://127.0.0.2:13000');
    expect(r.stdout).toContain('Prometheus    http://127.0.0.2:19090');
    expect(r.stdout).toContain('Alertmanager  http://127.0.0.2:9093');
  }, 30_000);

  test('fails when a port variable is not a port, before calling docker', async () => {
    const r = await runLocal('up', 'healthy', { ...password, GRAFANA_PORT: '3000x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('GRAFANA_PORT=3000x is not a port: set it to a number from 1 to 65535, or unset it for the default (3000).\n');
    expect(r.calls).toEqual([]);
  }, 30_000);

  test('fails when a container exits, and prints its last log lines', async () => {
    const r = await runLocal('up', 'collector-exits', password);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'The local stack did not start: otel-collector exited with code 1. Its last 50 log lines follow: fix what they name and run `npm run local:up` again',
    );
    expect(r.stderr).toContain('--- last 50 log lines of otel-collector');
    expect(r.stderr).toContain('permission denied (last line of otel-collector)');
    expect(r.calls.find((c) => c.args.includes('logs'))!.args).toEqual(expect.arrayContaining(['logs', '--tail', '50', 'otel-collector']));
  }, 30_000);

  // compose up --wait (the fake, as the real one on a crash-looping dependency) would block for a minute; the
  // deadline is 10 minutes: only seeing the crash loop ends these in seconds.
  test.each([
    ['its restart count grows', 'crash-loop-count', 'otel-collector is crash-looping (restarted'],
    ['it is restarting', 'crash-loop-restarting', 'otel-collector is crash-looping (restarting)'],
    ['it turns unhealthy', 'unhealthy', 'prometheus is unhealthy (its healthcheck fails)'],
  ])(
    'fails within seconds when a container crash-loops (%s), and prints its logs',
    async (_, scenario, why) => {
      const began = Date.now();
      const r = await runLocal('up', scenario, { ...password, LOCAL_UP_TIMEOUT_SECONDS: '600' });
      const seconds = (Date.now() - began) / 1000;
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`The local stack did not start: ${why}`);
      expect(r.stderr).toContain(`--- last 50 log lines of ${why.split(' ')[0]}`);
      expect(seconds).toBeLessThan(20);
    },
    60_000,
  );

  test('restarts from before local:up began are not a crash loop', async () => {
    const r = await runLocal('up', 'old-restarts', password);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 30_000);

  test('fails when a service never becomes healthy, naming it and printing its logs', async () => {
    const r = await runLocal('up', 'never-healthy', { ...password, LOCAL_UP_TIMEOUT_SECONDS: '0.2' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('did not become healthy within 0.2 s; still waiting for: grafana.');
    expect(r.stderr).toContain('--- last 50 log lines of grafana');
  }, 30_000);

  test('fails when a host port is taken, naming the variables that move the ports', async () => {
    const r = await runLocal('up', 'port-taken', { ...password, LOCAL_UP_TIMEOUT_SECONDS: '600' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('port is already allocated'); // compose's own message, passed on
    expect(r.stderr).toContain('The local stack did not start: a host port it publishes is taken');
    expect(r.stderr).toContain('GRAFANA_PORT');
  }, 30_000);

  test('fails when the Docker socket denies this user, saying so (not "no Docker engine answers")', async () => {
    for (const command of ['up', 'down']) {
      const r = await runLocal(command, 'socket-denied', password);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^Docker refuses this user \(permission denied on \/var\/run\/docker\.sock\), so the local stack cannot (start|stop)/,
      );
      expect(r.stderr).toContain('add the user to the docker group');
      expect(r.stderr).toContain('rootless Docker');
      expect(r.stderr).not.toContain('No Docker engine answers');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.calls.map((c) => c.args[0])).toEqual(['info']);
    }
  }, 30_000);

  test.each([
    ['missing', 'compose-missing', 'Docker Compose v2 (`docker compose`, the CLI plugin) is not installed here'],
    ['too old', 'compose-old', 'Docker Compose 2.16.0 is too old for local:up, which needs 2.17 or newer'],
  ])(
    'fails when Docker Compose v2 is %s, naming it',
    async (_, scenario, message) => {
      const r = await runLocal('up', scenario, password);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.calls.some((c) => c.args.includes('up'))).toBe(false);
    },
    30_000,
  );

  test('warns when Grafana does not accept GRAFANA_ADMIN_PASSWORD (its volume kept the first one), and not when it does', async () => {
    const grafana = (status: number) =>
      new Promise<http.Server>((resolve) => {
        const server = http.createServer((req, res) => res.writeHead(req.url === '/api/user' ? status : 404).end());
        server.listen(0, '127.0.0.2', () => resolve(server));
      });
    for (const [status, warned] of [
      [401, true],
      [200, false],
    ] as const) {
      const server = await grafana(status);
      try {
        const port = String((server.address() as { port: number }).port);
        const r = await runLocal('up', 'healthy', { ...password, GRAFANA_PORT: port });
        expect(r.status).toBe(0);
        expect(r.stderr.includes('Grafana does not accept GRAFANA_ADMIN_PASSWORD')).toBe(warned);
        if (warned) expect(r.stderr).toContain('grafana cli admin reset-admin-password');
      } finally {
        server.close();
      }
    }
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
    expect(stackStatus([{ Service: 'a', State: 'running', Health: 'unhealthy' }], ['a'])).toEqual({
      kind: 'failed',
      failed: [{ service: 'a', why: 'is unhealthy (its healthcheck fails)' }],
    });
    // Health "starting" is waiting, unless the container restarted meanwhile.
    const starting = [{ Service: 'a', State: 'running', Health: 'starting' }];
    expect(stackStatus(starting, ['a'])).toEqual({ kind: 'waiting', waiting: ['a'] });
    expect(stackStatus(starting, ['a'], new Map([['a', 2]]))).toMatchObject({ kind: 'failed', failed: [{ service: 'a' }] });
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
