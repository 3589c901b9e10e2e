/**
 * `npm run local:up` / `npm run local:down` / `npm run local:render`:
 * renders the local environment into a new folder under .local/ (named after
 * its content; .local/current names it) and runs it with docker compose where
 * a Docker engine answers; where none does, says so and stops.
 *
 * up:   starts the stack, waits until every container is healthy, prints the
 *       URLs and the first `verify` result; on failure prints the failing
 *       containers' last log lines.
 * down: stops the stack; needs no secrets. `-- --volumes` also deletes the
 *       named volumes (Prometheus, Alertmanager, Grafana, Jaeger and Loki data).
 */
import { spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { compile } from '../lib/compile/compile';
import { ObservabilityModel } from '../lib/model/model';
import type { ProjectFiles } from '../lib/model/project-files';
import { projectRoot, readProject } from '../lib/io/read-project';
import { COMPOSE_PROJECT, HOST_PORT_VARIABLES, LOCAL_PORTS, renderLocalBundle } from '../lib/render/local-bundle';
import { currentBundle, pruneBundles, writeVersionedBundle } from '../lib/io/write-bundle';
import { verify } from './verify';
import { parseCli, runCommand } from './cli-args';
import { bundleLocalPrograms } from './local-programs';

/**
 * The local model of these files, compiled once per process for the same
 * texts (the tests call `main` many times in one process; a command compiles
 * once anyway).
 */
function compileLocal(files: ProjectFiles): ObservabilityModel {
  const key = createHash('sha256').update(JSON.stringify(files)).digest('hex');
  let model = compiledModels.get(key);
  if (!model) compiledModels.set(key, (model = compile(files, 'local')));
  return model;
}
const compiledModels = new Map<string, ObservabilityModel>();

const root = projectRoot();
export const LOCAL_DIR = path.join(root, '.local');

function docker(args: string[], env: NodeJS.ProcessEnv, inherit = false): SpawnSyncReturns<string> {
  return spawnSync('docker', args, { encoding: 'utf8', env, stdio: inherit ? 'inherit' : 'pipe', timeout: 600_000 });
}

/**
 * Why the stack cannot be reached through `docker`, as one line naming the fix
 * (`absent`: no engine answers; `denied`: one does, but not to this user);
 * undefined when an engine answers.
 */
export function dockerEngineProblem(
  action: 'start' | 'stop',
  env: NodeJS.ProcessEnv = process.env,
): { kind: 'absent' | 'denied'; message: string } | undefined {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', env, timeout: 15_000 });
  if (r.status === 0 && (r.stdout ?? '').trim() !== '') return undefined;
  const said = `${r.stderr ?? ''}${r.stdout ?? ''}`;
  // The client's words for a socket it may not open: "permission denied while trying to connect to the Docker daemon
  // socket at unix:///var/run/docker.sock" (older) or "... to the Docker API at unix:///..." (newer). An engine answers;
  // this user may not talk to it, and starting Docker again would not help.
  if (/permission denied/i.test(said) && /docker/i.test(said)) {
    const socket = /unix:\/\/(\/[^\s:"]+)/.exec(said)?.[1] ?? '/var/run/docker.sock';
    return {
      kind: 'denied',
      message:
        `Docker refuses this user (permission denied on ${socket}), so the local stack cannot ${action}: add the user to the ` +
        'docker group (`sudo usermod -aG docker $USER`, then log out and in again; ' +
        'https://docs.docker.com/engine/install/linux-postinstall/) or use rootless Docker (https://docs.docker.com/engine/security/rootless/).',
    };
  }
  return {
    kind: 'absent',
    message:
      action === 'start'
        ? 'No Docker engine answers here (`docker info` failed), so the local stack cannot start.'
        : 'No Docker engine answers here (`docker info` failed), so there is no local stack to stop.',
  };
}

/** The oldest Compose local:up runs: `up --wait-timeout` came with v2.17.0 (docker/compose#10276, cmd/compose/up.go). */
const MIN_COMPOSE: readonly [number, number] = [2, 17];

/** Why `docker compose` (Compose v2 or later, the CLI plugin) will not do, as one line naming the fix; undefined when it will. */
export function composeProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const r = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8', env, timeout: 15_000 });
  // `--short` prints "2.29.7" (v2.0.0 printed "v2.0.0"; docker/compose@v2.0.0 and @v2.17.0:cmd/compose/version.go).
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) {
    return (
      'Docker Compose v2 (`docker compose`, the CLI plugin) is not installed here, so the local stack cannot start: install ' +
      'Docker Desktop or the docker-compose-plugin package (https://docs.docker.com/compose/install/); the Python ' +
      '`docker-compose` 1.x is not supported.'
    );
  }
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < MIN_COMPOSE[0] || (major === MIN_COMPOSE[0] && minor < MIN_COMPOSE[1])) {
    return (
      `Docker Compose ${m[0]} is too old for local:up, which needs ${MIN_COMPOSE.join('.')} or newer (for \`up --wait-timeout\`): ` +
      'update Docker Desktop or the docker-compose-plugin package (https://docs.docker.com/compose/install/).'
    );
  }
  return undefined;
}

/** The host port of a published service: its variable (HOST_PORT_VARIABLES) when set, else the default. */
export function hostPort(name: keyof typeof LOCAL_PORTS, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[HOST_PORT_VARIABLES[name]];
  return value === undefined || value === '' ? LOCAL_PORTS[name] : Number(value);
}

/** The port variables that are set to something other than a port number, as one line; undefined when all are fine. */
export function portVariableProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const [name, variable] of Object.entries(HOST_PORT_VARIABLES)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
      const fallback = LOCAL_PORTS[name as keyof typeof LOCAL_PORTS];
      return `${variable}=${value} is not a port: set it to a number from 1 to 65535, or unset it for the default (${fallback}).`;
    }
  }
  return undefined;
}

/**
 * The environment compose runs with. Compose interpolates `${VAR:?}` for every
 * command, so `down`, `ps` and `logs` get placeholders for the secrets only
 * `up` needs (they are never used to start anything).
 */
export function composeEnv(command: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (command === 'up') return { ...env };
  return {
    GRAFANA_ADMIN_PASSWORD: 'not-used-by-this-command',
    SLACK_WEBHOOK_URL_FILE: '/dev/null',
    ...env,
  };
}

/** One container as `docker compose ps --all --format json` prints it: fields of ContainerSummary (docker/compose@00ce78a:pkg/api/api.go). */
interface ContainerState {
  readonly ID?: string;
  readonly Service: string;
  readonly State: string;
  readonly Health?: string;
  readonly ExitCode?: number;
}

/** Compose prints one JSON object per line (v2.21+) or one JSON array (earlier v2). */
export function parsePs(stdout: string): ContainerState[] {
  const text = stdout.trim();
  if (text === '') return [];
  if (text.startsWith('[')) return JSON.parse(text) as ContainerState[];
  return text.split('\n').map((l) => JSON.parse(l) as ContainerState);
}

/** A service that will not come up, and why. */
export interface Failure {
  readonly service: string;
  readonly why: string;
}

export type StackStatus = { kind: 'healthy' } | { kind: 'waiting'; waiting: string[] } | { kind: 'failed'; failed: Failure[] };

/**
 * Healthy when every expected service has a running, healthy container; failed
 * when one exited, is restarting, is unhealthy, or restarted since local:up
 * began (`restarts`: service -> restarts seen). With `restart: unless-stopped`
 * a crashing container spends most of its time running with health `starting`
 * (compose's own wait sees no failure there: docker/compose@f729794:
 * pkg/compose/convergence.go isServiceHealthy fails only on exited and
 * unhealthy), and `restarting` lasts only the restart delay (100 ms, doubling:
 * docs.docker.com/reference/api/engine/version/v1.57/schemas/RestartPolicy/),
 * so the restart count is what shows a crash loop for sure.
 */
export function stackStatus(
  containers: readonly ContainerState[],
  expected: readonly string[],
  restarts: ReadonlyMap<string, number> = new Map(),
): StackStatus {
  const failed = new Map<string, string>();
  for (const c of containers) {
    if (failed.has(c.Service)) continue;
    if (c.State === 'exited' || c.State === 'dead') failed.set(c.Service, `exited with code ${c.ExitCode ?? '?'}`);
    else if (c.State === 'restarting') failed.set(c.Service, 'is crash-looping (restarting)');
    else if (c.Health === 'unhealthy') failed.set(c.Service, 'is unhealthy (its healthcheck fails)');
  }
  for (const [service, n] of restarts) {
    if (n > 0 && !failed.has(service))
      failed.set(service, `is crash-looping (restarted ${n} time${n === 1 ? '' : 's'} since local:up began)`);
  }
  if (failed.size > 0) {
    return {
      kind: 'failed',
      failed: [...failed].sort(([a], [b]) => a.localeCompare(b)).map(([service, why]) => ({ service, why })),
    };
  }
  const waiting = expected.filter((s) => !containers.some((c) => c.Service === s && c.State === 'running' && c.Health === 'healthy'));
  return waiting.length === 0 ? { kind: 'healthy' } : { kind: 'waiting', waiting };
}

/** Restart counts by container id, from `docker inspect` (RestartCount of the Engine API's container inspect). */
function restartCounts(ids: readonly string[], env: NodeJS.ProcessEnv): Map<string, number> {
  const counts = new Map<string, number>();
  if (ids.length === 0) return counts;
  const r = docker(['inspect', '--format', '{{.Id}} {{.RestartCount}}', ...ids], env);
  for (const line of (r.stdout ?? '').split('\n')) {
    const [id, n] = line.trim().split(/\s+/);
    if (id && /^\d+$/.test(n ?? '')) counts.set(id, Number(n));
  }
  return counts;
}

/** Watches the containers of one `local:up`: restarts count from the first sight of each container. */
class StackWatch {
  private readonly baseline = new Map<string, number>();

  constructor(
    private readonly base: readonly string[],
    private readonly services: readonly string[],
  ) {}

  observe(): StackStatus | undefined {
    const ps = docker([...this.base, 'ps', '--all', '--format', 'json'], composeEnv('ps'));
    if (ps.status !== 0) return undefined;
    const containers = parsePs(ps.stdout);
    const withId = containers.filter((c): c is ContainerState & { ID: string } => typeof c.ID === 'string' && c.ID !== '');
    const counts = restartCounts(
      withId.map((c) => c.ID),
      composeEnv('ps'),
    );
    const restarts = new Map<string, number>();
    for (const c of withId) {
      const n = counts.get(c.ID) ?? [...counts].find(([id]) => id.startsWith(c.ID) || c.ID.startsWith(id))?.[1];
      if (n === undefined) continue;
      if (!this.baseline.has(c.ID)) this.baseline.set(c.ID, n);
      restarts.set(c.Service, (restarts.get(c.Service) ?? 0) + n - this.baseline.get(c.ID)!);
    }
    return stackStatus(containers, this.services, restarts);
  }
}

/** Resolves after `ms`, or with `until` if it settles first; leaves no timer behind either way. */
function sleep(ms: number, until?: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const slept = new Promise<void>((r) => (timer = setTimeout(r, ms)));
  return Promise.race(until ? [slept, until] : [slept]).finally(() => clearTimeout(timer));
}

/** Compose's words when a published port is taken (the engine's "port is already allocated", the kernel's EADDRINUSE). */
const PORT_TAKEN = /port is already allocated|address already in use/i;

const LOG_LINES = 50;

function printLogs(base: readonly string[], services: readonly string[]): void {
  for (const s of services) {
    const logs = docker([...base, 'logs', '--no-color', '--tail', String(LOG_LINES), s], composeEnv('logs'));
    process.stderr.write(`--- last ${LOG_LINES} log lines of ${s}\n${logs.stdout ?? ''}${logs.stderr ?? ''}\n`);
  }
}

/**
 * Starts the stack and waits until every container is healthy, failing as
 * soon as one crash-loops, exits or turns unhealthy (not at the deadline):
 * `docker compose up -d --wait` alone waits on a crash-looping dependency
 * until its own timeout, as it sees a restarted container's health go back
 * to `starting`.
 */
async function up(model: ObservabilityModel, dir: string, services: string[]): Promise<number> {
  const env = composeEnv('up');
  const base = ['compose', '-p', COMPOSE_PROJECT, '-f', path.join(dir, 'docker-compose.yml'), '--profile', 'demo'];
  const timeoutS = Number(process.env.LOCAL_UP_TIMEOUT_SECONDS ?? 240);
  const pollMs = Number(process.env.LOCAL_UP_POLL_MS ?? 2000);

  // 1. Create (and pull what is missing) without starting: no deadline here, a first pull may take minutes.
  const created = docker([...base, 'up', '--no-start', '--remove-orphans'], env, true);
  if (created.status !== 0) {
    process.stderr.write(`docker compose up --no-start failed (exit ${created.status ?? 'none'}): its message is above.\n`);
    return created.status || 1;
  }

  // 2. Start and wait, watching the containers meanwhile. Compose's own --wait-timeout is a backstop past ours.
  const starting = spawn('docker', [...base, 'up', '-d', '--wait', '--wait-timeout', String(Math.ceil(timeoutS) + 30)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let composeSaid = '';
  starting.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  starting.stderr.on('data', (chunk: Buffer) => {
    composeSaid += chunk.toString();
    process.stderr.write(chunk);
  });
  let exitCode: number | undefined;
  const finished = new Promise<void>((resolve) => {
    starting.on('close', (code) => {
      exitCode = code ?? 1;
      resolve();
    });
    starting.on('error', () => {
      exitCode = 1;
      resolve();
    });
  });

  const watch = new StackWatch(base, services);
  const deadline = Date.now() + timeoutS * 1000;
  let status: StackStatus = { kind: 'waiting', waiting: services };
  for (;;) {
    status = watch.observe() ?? status;
    if (status.kind === 'failed' || (status.kind === 'healthy' && exitCode !== undefined)) break;
    if (exitCode !== undefined && exitCode !== 0) break;
    if (Date.now() >= deadline) break;
    await sleep(pollMs, finished);
  }
  // Compose's verdict, unless we stopped it first.
  const composeExit = exitCode;
  if (composeExit === undefined) {
    // Our own child: compose would go on waiting on a container that will not become healthy.
    starting.kill('SIGTERM');
    await sleep(10_000, finished);
  }

  if (status.kind === 'failed') {
    const names = status.failed.map((f) => f.service);
    process.stderr.write(
      `The local stack did not start: ${status.failed.map((f) => `${f.service} ${f.why}`).join('; ')}. ` +
        `${names.length === 1 ? 'Its' : 'Their'} last ${LOG_LINES} log lines follow: fix what they name and run \`npm run local:up\` again ` +
        '(`npm run local:down` stops the rest).\n',
    );
    printLogs(base, names);
    return 1;
  }
  if (status.kind === 'waiting' && composeExit !== undefined && composeExit !== 0) {
    process.stderr.write(
      PORT_TAKEN.test(composeSaid)
        ? 'The local stack did not start: a host port it publishes is taken (compose names it above): stop what uses it, or move ' +
            `the stack's port with its variable (${Object.values(HOST_PORT_VARIABLES).join(', ')}; docs/local-stack.md "Host ports").\n`
        : `The local stack did not start: docker compose up failed (exit ${composeExit}); its message is above.\n`,
    );
    return 1;
  }
  if (status.kind === 'waiting') {
    process.stderr.write(
      `The local stack did not become healthy within ${timeoutS} s; still waiting for: ${status.waiting.join(', ')}. ` +
        `Their last ${LOG_LINES} log lines follow; a slow machine may need a longer LOCAL_UP_TIMEOUT_SECONDS.\n`,
    );
    printLogs(base, status.waiting);
    return 1;
  }

  // The containers now use the new folder; older bundles are free to go.
  pruneBundles(LOCAL_DIR);
  const host =
    process.env.LOCAL_BIND_ADDRESS && process.env.LOCAL_BIND_ADDRESS !== '0.0.0.0' ? process.env.LOCAL_BIND_ADDRESS : '127.0.0.1';
  const url = (name: keyof typeof LOCAL_PORTS) => `http://${host}:${hostPort(name)}`;
  console.log(
    [
      `The local stack is up (${services.length} services healthy):`,
      `  Grafana       ${url('grafana')}  (admin / $GRAFANA_ADMIN_PASSWORD)`,
      `  Prometheus    ${url('prometheus')}`,
      `  Alertmanager  ${url('alertmanager')}`,
      `  Jaeger        ${url('jaeger')}`,
      `  Loki          ${url('loki')}  (logs: Grafana, Explore, data source Loki)`,
      `  Alert sink    docker compose -p ${COMPOSE_PROJECT} logs -f alert-sink`,
      'First verify (metrics and traces arrive after a scrape interval or two; run `npm run verify -- --prometheus ' +
        `${url('prometheus')} --alertmanager ${url('alertmanager')} --jaeger ${url('jaeger')}\` again later):`,
    ].join('\n'),
  );
  const warning = await grafanaPasswordWarning(url('grafana'), process.env.GRAFANA_ADMIN_PASSWORD ?? '');
  if (warning) process.stderr.write(`${warning}\n`);
  // A first look at the model just rendered, one attempt per query: the message above says to run verify again later.
  const checks = await verify(model, {
    prometheusUrl: url('prometheus'),
    alertmanagerUrl: url('alertmanager'),
    jaegerUrl: url('jaeger'),
    attempts: 1,
  });
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}${c.ok ? '' : `\n        ${c.detail.split('\n')[0]}`}`);
  console.log(`  verify: ${checks.filter((c) => c.ok).length} passed, ${checks.filter((c) => !c.ok).length} failed`);
  return 0;
}

/**
 * Grafana sets the admin password from GF_SECURITY_ADMIN_PASSWORD only when it
 * creates its database ("Set once on first-run": Grafana's configuration docs,
 * [security] admin_password), so once the grafana-data volume exists a changed
 * GRAFANA_ADMIN_PASSWORD has no effect. Asks Grafana (basic auth on /api/user)
 * whether the password works, and says what to do when it does not; silent
 * when Grafana cannot be asked.
 */
export async function grafanaPasswordWarning(grafanaUrl: string, password: string): Promise<string | undefined> {
  let status: number;
  try {
    const r = await fetch(`${grafanaUrl}/api/user`, {
      headers: { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(5000),
    });
    status = r.status;
  } catch {
    return undefined;
  }
  if (status !== 401) return undefined;
  return (
    'Grafana does not accept GRAFANA_ADMIN_PASSWORD: it applies the password only when its data volume is first created, so ' +
    `sign in with the earlier one, or set this one with \`docker compose -p ${COMPOSE_PROJECT} exec grafana grafana cli admin ` +
    'reset-admin-password <password>` (`npm run local:down -- --volumes` deletes all local data instead).'
  );
}

/** The command's work, without the process around it (the entry point below exits with its code). */
export async function main(command: string, volumes: boolean): Promise<number> {
  if (command === 'down') {
    const dir = currentBundle(LOCAL_DIR);
    if (!dir) {
      console.log('No local stack has been rendered here (.local/current is missing); nothing to stop.');
      return 0;
    }
    const problem = dockerEngineProblem('stop');
    if (problem) {
      process.stderr.write(`${problem.message}\n`);
      return 1;
    }
    const down = [
      'compose',
      '-p',
      COMPOSE_PROJECT,
      '-f',
      path.join(dir, 'docker-compose.yml'),
      '--profile',
      'demo',
      'down',
      '--remove-orphans',
    ];
    return docker([...down, ...(volumes ? ['--volumes'] : [])], composeEnv('down'), true).status ?? 1;
  }

  const model = compileLocal(readProject(root));
  const files = renderLocalBundle(model, bundleLocalPrograms());
  const dir = writeVersionedBundle(LOCAL_DIR, files);
  console.log(`rendered the local stack into ${path.relative(process.cwd(), dir) || '.'}/`);
  if (command === 'render') return 0;
  const portProblem = portVariableProblem();
  if (portProblem) {
    process.stderr.write(`${portProblem}\n`);
    return 1;
  }
  const engineProblem = dockerEngineProblem('start');
  if (engineProblem?.kind === 'denied') {
    process.stderr.write(`${engineProblem.message}\n`);
    return 1;
  }
  if (engineProblem) {
    process.stderr.write(
      [
        engineProblem.message,
        'Start Docker (Docker Desktop, colima, or the docker service) and run the command again;',
        `the rendered files are in ${dir} (docker compose -p ${COMPOSE_PROJECT} -f ${path.relative(process.cwd(), dir)}/docker-compose.yml --profile demo up -d).`,
        '',
      ].join('\n'),
    );
    return 1;
  }
  const compose = composeProblem();
  if (compose) {
    process.stderr.write(`${compose}\n`);
    return 1;
  }
  // Every service of the bundle, the demo profile's included: each has a healthcheck.
  return up(model, dir, Object.keys((parseYaml(files['docker-compose.yml']) as { services: object }).services));
}

if (require.main === module) {
  const { values, positionals } = parseCli('local', 'usage: node --import tsx scripts/local.ts [render|up|down] [--volumes]', {
    allowPositionals: true,
    options: { volumes: { type: 'boolean', default: false } },
  });
  runCommand('local', () => main(positionals[0] ?? 'up', values.volumes));
}
