/**
 * `npm run local:up` / `npm run local:down` / `npm run local:render`:
 * renders the local environment into .local/ and runs it with docker compose
 * where a Docker engine answers; where none does, says so and stops.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { loadEnvironment, projectRoot } from '../lib/config/load-environment';
import { UserInputError } from '../lib/errors';
import { loadModel } from '../lib/model/model';
import { loadRouting } from '../lib/model/routing';
import { renderLocalBundle } from '../lib/render/local-bundle';
import { writeBundle } from '../lib/render/write-bundle';

const root = projectRoot();
export const LOCAL_DIR = path.join(root, '.local');

export function dockerEngineAnswers(): boolean {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 && r.stdout.trim() !== '';
}

function main(command: string): number {
  const model = loadModel(root, loadEnvironment('local', { root }));
  writeBundle(LOCAL_DIR, renderLocalBundle(model, loadRouting(root)));
  console.log(`rendered the local stack into ${path.relative(process.cwd(), LOCAL_DIR) || '.'}/`);
  if (command === 'render') return 0;
  if (!dockerEngineAnswers()) {
    process.stderr.write(
      [
        'No Docker engine answers here (`docker info` failed), so the local stack cannot start.',
        'Start Docker (Docker Desktop, colima, or the docker service) and run the command again;',
        `the rendered files are in ${LOCAL_DIR} (docker compose -f .local/docker-compose.yml --profile demo up -d).`,
        '',
      ].join('\n'),
    );
    return 1;
  }
  const args =
    command === 'up'
      ? ['compose', '-f', path.join(LOCAL_DIR, 'docker-compose.yml'), '--profile', 'demo', 'up', '-d']
      : ['compose', '-f', path.join(LOCAL_DIR, 'docker-compose.yml'), '--profile', 'demo', 'down'];
  const r = spawnSync('docker', args, { stdio: 'inherit', env: { ...process.env, TRADING_OBSERVABILITY_DIR: root } });
  return r.status ?? 1;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv[2] ?? 'up'));
  } catch (e) {
    if (e instanceof UserInputError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
