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
 *       named volumes (Prometheus, Alertmanager, Grafana and Jaeger data).
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { loadEnvironment, projectRoot } from '../lib/config/load-environment';
import { loadModel } from '../lib/load/load-model';
import { loadRouting } from '../lib/model/routing';
import { COMPOSE_PROJECT, LOCAL_PORTS, renderLocalBundle } from '../lib/render/local-bundle';
import { currentBundle, pruneBundles, writeVersionedBundle } from '../lib/render/write-bundle';
import { verify } from './verify';
import { parseCli, runCommand } from './cli-args';

const root = projectRoot();
export const LOCAL_DIR = path.join(root, '.local');

function docker(args: string[], env: NodeJS.ProcessEnv, inherit = false): SpawnSyncReturns<string> {
  return spawnSync('docker', args, { encoding: 'utf8', env, stdio: inherit ? 'inherit' : 'pipe', timeout: 600_000 });
}

export function dockerEngineAnswers(): boolean {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', env: process.env, timeout: 15_000 });
  return r.status === 0 && (r.stdout ?? '').trim() !== '';
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

export type StackStatus = { kind: 'healthy' } | { kind: 'waiting'; waiting: string[] } | { kind: 'failed'; failed: string[] };

/** Healthy when every expected service has a running, healthy container; failed when one exited or is unhealthy. */
export function stackStatus(containers: readonly ContainerState[], expected: readonly string[]): StackStatus {
  const failed = containers.filter((c) => c.State === 'exited' || c.State === 'dead' || c.Health === 'unhealthy').map((c) => c.Service);
  if (failed.length > 0) return { kind: 'failed', failed: [...new Set(failed)].sort() };
  const waiting = expected.filter((s) => !containers.some((c) => c.Service === s && c.State === 'running' && c.Health === 'healthy'));
  return waiting.length === 0 ? { kind: 'healthy' } : { kind: 'waiting', waiting };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function up(dir: string, services: string[]): Promise<number> {
  const env = composeEnv('up');
  const base = ['compose', '-p', COMPOSE_PROJECT, '-f', path.join(dir, 'docker-compose.yml'), '--profile', 'demo'];
  const started = docker([...base, 'up', '-d', '--remove-orphans'], env, true);
  if (started.status !== 0) return started.status ?? 1;

  const timeoutMs = Number(process.env.LOCAL_UP_TIMEOUT_SECONDS ?? 240) * 1000;
  const pollMs = Number(process.env.LOCAL_UP_POLL_MS ?? 2000);
  const deadline = Date.now() + timeoutMs;
  let status: StackStatus = { kind: 'waiting', waiting: services };
  while (Date.now() < deadline) {
    const ps = docker([...base, 'ps', '--all', '--format', 'json'], composeEnv('ps'));
    if (ps.status === 0) status = stackStatus(parsePs(ps.stdout), services);
    if (status.kind !== 'waiting') break;
    await sleep(pollMs);
  }
  if (status.kind !== 'healthy') {
    const failing = status.kind === 'failed' ? status.failed : status.waiting;
    process.stderr.write(
      status.kind === 'failed'
        ? `The local stack did not start: ${failing.join(', ')} stopped or is unhealthy.\n`
        : `The local stack did not become healthy within ${timeoutMs / 1000} s; still waiting for: ${failing.join(', ')}.\n`,
    );
    for (const s of failing) {
      const logs = docker([...base, 'logs', '--no-color', '--tail', '30', s], composeEnv('logs'));
      process.stderr.write(`--- last log lines of ${s}\n${logs.stdout ?? ''}${logs.stderr ?? ''}\n`);
    }
    return 1;
  }

  // The containers now use the new folder; older bundles are free to go.
  pruneBundles(LOCAL_DIR);
  const host =
    process.env.LOCAL_BIND_ADDRESS && process.env.LOCAL_BIND_ADDRESS !== '0.0.0.0' ? process.env.LOCAL_BIND_ADDRESS : '127.0.0.1';
  const url = (p: number) => `http://${host}:${p}`;
  console.log(
    [
      `The local stack is up (${services.length} services healthy):`,
      `  Grafana       ${url(LOCAL_PORTS.grafana)}  (admin / $GRAFANA_ADMIN_PASSWORD)`,
      `  Prometheus    ${url(LOCAL_PORTS.prometheus)}`,
      `  Alertmanager  ${url(LOCAL_PORTS.alertmanager)}`,
      `  Jaeger        ${url(LOCAL_PORTS.jaeger)}`,
      `  Alert sink    docker compose -p ${COMPOSE_PROJECT} logs -f alert-sink`,
      'First verify (metrics arrive after a scrape interval or two; run `npm run verify -- --prometheus ' +
        `${url(LOCAL_PORTS.prometheus)} --alertmanager ${url(LOCAL_PORTS.alertmanager)}\` again later):`,
    ].join('\n'),
  );
  const model = loadModel(root, loadEnvironment('local', { root }));
  // A first look, one attempt per query: the message above says to run verify again later.
  const checks = await verify(model, {
    prometheusUrl: url(LOCAL_PORTS.prometheus),
    alertmanagerUrl: url(LOCAL_PORTS.alertmanager),
    attempts: 1,
  });
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}${c.ok ? '' : `\n        ${c.detail.split('\n')[0]}`}`);
  console.log(`  verify: ${checks.filter((c) => c.ok).length} passed, ${checks.filter((c) => !c.ok).length} failed`);
  return 0;
}

/** The command's work, without the process around it (the entry point below exits with its code). */
export async function main(command: string, volumes: boolean): Promise<number> {
  if (command === 'down') {
    const dir = currentBundle(LOCAL_DIR);
    if (!dir) {
      console.log('No local stack has been rendered here (.local/current is missing); nothing to stop.');
      return 0;
    }
    if (!dockerEngineAnswers()) {
      process.stderr.write('No Docker engine answers here (`docker info` failed), so there is no local stack to stop.\n');
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

  const model = loadModel(root, loadEnvironment('local', { root }));
  const files = renderLocalBundle(model, loadRouting(root));
  const dir = writeVersionedBundle(LOCAL_DIR, files);
  console.log(`rendered the local stack into ${path.relative(process.cwd(), dir) || '.'}/`);
  if (command === 'render') return 0;
  if (!dockerEngineAnswers()) {
    process.stderr.write(
      [
        'No Docker engine answers here (`docker info` failed), so the local stack cannot start.',
        'Start Docker (Docker Desktop, colima, or the docker service) and run the command again;',
        `the rendered files are in ${dir} (docker compose -p ${COMPOSE_PROJECT} -f ${path.relative(process.cwd(), dir)}/docker-compose.yml --profile demo up -d).`,
        '',
      ].join('\n'),
    );
    return 1;
  }
  // Every service of the bundle, the demo profile's included: each has a healthcheck.
  return up(dir, Object.keys((parseYaml(files['docker-compose.yml']) as { services: object }).services));
}

if (require.main === module) {
  const { values, positionals } = parseCli('local', 'usage: node --import tsx scripts/local.ts [render|up|down] [--volumes]', {
    allowPositionals: true,
    options: { volumes: { type: 'boolean', default: false } },
  });
  runCommand('local', () => main(positionals[0] ?? 'up', values.volumes));
}
