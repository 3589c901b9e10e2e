import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { writeBundle } from '../../lib/io/write-bundle';
import { composeEnv } from '../../scripts/local';
import { parse } from 'yaml';
import { realTool } from '../../scripts/real-tools';
import { compile } from '../../lib/compile/compile';
import { baseFiles, environmentOf } from '../helpers';
import { bundleLocalPrograms } from '../../scripts/local-programs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-compose-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
writeBundle(dir, renderLocalBundle(compile(baseFiles, 'local'), bundleLocalPrograms()));

const compose = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  spawnSync('docker-compose', ['-f', path.join(dir, 'docker-compose.yml'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });

describe('the rendered compose file (Debian docker-compose, no engine needed)', () => {
  test('is valid, with the demo profile', () => {
    const r = compose({ GRAFANA_ADMIN_PASSWORD: 'a-real-password' }, '--profile', 'demo', 'config', '-q');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const services = compose({ GRAFANA_ADMIN_PASSWORD: 'a-real-password' }, '--profile', 'demo', 'config', '--services')
      .stdout.trim()
      .split('\n')
      .sort();
    expect(services).toEqual([
      'alert-sink',
      'alertmanager',
      'backend',
      'celery-worker',
      'grafana',
      'jaeger',
      'loki',
      'otel-collector',
      // Each demo service's SDK side: OTLP metrics and spans (scripts/otlp-emitter.ts).
      'otlp-backend',
      'otlp-celery-worker',
      'otlp-signal-generator',
      'otlp-trigger-dispatcher',
      'prometheus',
      'signal-generator',
      'trigger-dispatcher',
    ]);
  });

  test('refuses to start Grafana without an admin password (never admin/admin)', () => {
    const env = { ...process.env };
    delete env.GRAFANA_ADMIN_PASSWORD;
    const r = spawnSync('docker-compose', ['-f', path.join(dir, 'docker-compose.yml'), 'config', '-q'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set GRAFANA_ADMIN_PASSWORD');
  });

  test('local:down needs no secrets: with the environment local.ts gives compose for down, the file still validates', () => {
    const env = { ...process.env };
    delete env.GRAFANA_ADMIN_PASSWORD;
    const r = spawnSync('docker-compose', ['-f', path.join(dir, 'docker-compose.yml'), '--profile', 'demo', 'config', '-q'], {
      encoding: 'utf8',
      env: composeEnv('down', env),
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('ports bind to loopback by default and to LOCAL_BIND_ADDRESS when set', () => {
    const published = (env: NodeJS.ProcessEnv) =>
      parse(compose({ GRAFANA_ADMIN_PASSWORD: 'a-real-password', ...env }, '--profile', 'demo', 'config').stdout).services.prometheus.ports;
    expect(JSON.stringify(published({}))).toContain('127.0.0.1');
    expect(JSON.stringify(published({ LOCAL_BIND_ADDRESS: '0.0.0.0' }))).not.toContain('127.0.0.1');
  });

  test('each published host port moves with its variable, and only that port', () => {
    const published = (env: NodeJS.ProcessEnv) =>
      parse(compose({ GRAFANA_ADMIN_PASSWORD: 'a-real-password', ...env }, '--profile', 'demo', 'config').stdout).services;
    const moved = published({ GRAFANA_PORT: '13000', OTLP_GRPC_PORT: '14317', LOKI_PORT: '13100' });
    expect(JSON.stringify(moved.loki.ports)).toContain('13100');
    expect(JSON.stringify(published({}).loki.ports)).toContain('3100');
    expect(JSON.stringify(moved.grafana.ports)).toContain('13000');
    expect(JSON.stringify(moved.grafana.ports)).not.toContain('"3000"');
    expect(JSON.stringify(moved['otel-collector'].ports)).toContain('14317');
    expect(JSON.stringify(moved['otel-collector'].ports)).toContain('4318');
    expect(JSON.stringify(moved.prometheus.ports)).toContain('9090');
    expect(JSON.stringify(published({}).grafana.ports)).not.toContain('13000');
  });

  test("the bundle's bind mounts keep read-only with the SELinux shared label", () => {
    const services = parse(compose({ GRAFANA_ADMIN_PASSWORD: 'a-real-password' }, '--profile', 'demo', 'config').stdout).services;
    const prometheus = JSON.stringify(services.prometheus.volumes);
    expect(prometheus).toContain('prometheus.yml:/etc/prometheus/prometheus.yml:ro,z');
  });

  test('the local Alertmanager configuration passes amtool check-config', () => {
    // Templates at the path compose mounts them; point amtool at the rendered copy.
    const cfg = fs
      .readFileSync(path.join(dir, 'monitoring/alertmanager/alertmanager.yml'), 'utf8')
      .replace('/etc/alertmanager/templates', path.join(dir, 'monitoring/alertmanager/templates'));
    const file = path.join(dir, 'am-check.yml');
    fs.writeFileSync(file, cfg);
    const r = spawnSync(realTool('amtool'), ['check-config', file], { encoding: 'utf8' });
    expect(r.stdout).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('with Slack configured, the local Alertmanager configuration passes amtool check-config', () => {
    const slackDir = path.join(dir, 'slack');
    const urlFile = path.join(dir, 'slack-url');
    fs.writeFileSync(urlFile, 'https://hooks.slack.com/services/T000/B000/XXXX\n');
    const model = compile(baseFiles, { ...environmentOf('local'), alerts: { email: [], sms: [], slack: {} } });
    writeBundle(
      slackDir,
      renderLocalBundle(model, bundleLocalPrograms(), {
        slackWebhookUrlFile: urlFile,
        templatesDir: path.join(slackDir, 'monitoring/alertmanager/templates'),
      }),
    );
    const r = spawnSync(realTool('amtool'), ['check-config', path.join(slackDir, 'monitoring/alertmanager/alertmanager.yml')], {
      encoding: 'utf8',
    });
    expect(r.stdout).toContain('SUCCESS');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(slackDir, 'monitoring/alertmanager/alertmanager.yml'), 'utf8')).not.toContain('hooks.slack.com');
  });

  test('the local Prometheus configuration and its rules pass promtool check config', () => {
    const r = spawnSync(realTool('promtool'), ['check', 'config', path.join(dir, 'monitoring/prometheus.yml')], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).not.toContain('FAILED');
    expect(r.status).toBe(0);
  });
});
