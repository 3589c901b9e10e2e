import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadModel, SLO_DASHBOARD_FILE } from '../../lib/model/model';
import { loadRouting } from '../../lib/model/routing';
import { localRetention, renderLocalBundle } from '../../lib/render/local-bundle';
import { resolveJoin, resourcesOf, synth } from '../helpers';

const repo = path.resolve(__dirname, '../..');
const routing = loadRouting(repo);
const local = loadModel(repo, loadEnvironment('local'));
const bundle = renderLocalBundle(local, routing);

describe('the local bundle', () => {
  test("has the seed's layout", () => {
    expect(Object.keys(bundle).sort()).toEqual(
      [
        'docker-compose.yml',
        'monitoring/alertmanager/alertmanager.yml',
        'monitoring/alertmanager/templates/notification.tmpl',
        'monitoring/grafana/dashboards/dashboard-config.yml',
        'monitoring/grafana/dashboards/observability-stack.json',
        'monitoring/grafana/dashboards/slos.json',
        'monitoring/grafana/dashboards/trading-platform-overview.json',
        'monitoring/grafana/provisioning/datasources/datasources.yml',
        'monitoring/otel-collector.yaml',
        'monitoring/prometheus.yml',
        ...local.ruleFiles.map((f) => `monitoring/rules/${f.name}.yaml`),
      ].sort(),
    );
  });

  test("Prometheus: the environment interval, the SLO window (30 days, over the seed's 15) as retention, the remote-write receiver, the rule files", () => {
    const prom = parse(bundle['monitoring/prometheus.yml']);
    expect(prom.global).toEqual({ scrape_interval: '15s', evaluation_interval: '15s' });
    expect(prom.rule_files).toEqual(local.ruleFiles.map((f) => `rules/${f.name}.yaml`));
    const compose = parse(bundle['docker-compose.yml']);
    expect(compose.services.prometheus.command).toEqual(
      expect.arrayContaining(['--storage.tsdb.retention.time=30d', '--web.enable-remote-write-receiver']),
    );
  });

  test("Prometheus keeps the seed's 15 days when the SLO window is shorter", () => {
    expect(localRetention({ slos: { window: '7d', slos: [] } })).toBe('15d');
  });

  test('Grafana: data source uid "prometheus", dashboards reloaded every 10 s, admin password from the environment', () => {
    const ds = parse(bundle['monitoring/grafana/provisioning/datasources/datasources.yml']);
    expect(ds.datasources.find((d: { type: string }) => d.type === 'prometheus')).toMatchObject({
      uid: 'prometheus',
      url: 'http://prometheus:9090',
    });
    const provider = parse(bundle['monitoring/grafana/dashboards/dashboard-config.yml']).providers[0];
    expect(provider).toMatchObject({
      updateIntervalSeconds: 10,
      options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: true },
    });
    const grafana = parse(bundle['docker-compose.yml']).services.grafana;
    expect(grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
    expect(bundle['docker-compose.yml']).not.toMatch(/admin\/admin|GF_SECURITY_ADMIN_PASSWORD: admin/);
  });

  test('the demo emitter runs as each of the four services under the demo profile', () => {
    const services = parse(bundle['docker-compose.yml']).services;
    for (const s of ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher']) {
      expect(services[s]).toMatchObject({
        profiles: ['demo'],
        command: ['node', '--import', 'tsx', 'scripts/demo-emitter.ts', '--service', s, '--port', '8001'],
      });
    }
  });
});

test('Slack, when the local environment asks for it: the URL from a file, never in the bundle', () => {
  const withSlack = loadModel(repo, { ...loadEnvironment('local'), alerts: { email: [], sms: [], slack: {} } });
  const files = renderLocalBundle(withSlack, routing);
  const am = parse(files['monitoring/alertmanager/alertmanager.yml']);
  const byName = Object.fromEntries(am.receivers.map((r: { name: string }) => [r.name, r]));
  for (const r of ['critical', 'warning', 'info']) {
    expect(byName[r].slack_configs).toEqual([
      {
        api_url_file: '/etc/alertmanager/secrets/slack-webhook-url',
        send_resolved: true,
        title: '{{ template "trading.subject" . }}',
        text: '{{ template "trading.message" . }}',
      },
    ]);
  }
  expect(byName.watchdog.slack_configs).toBeUndefined();
  expect(parse(files['docker-compose.yml']).services.alertmanager.volumes).toContain(
    '${SLACK_WEBHOOK_URL_FILE:?set SLACK_WEBHOOK_URL_FILE to a file holding the Slack webhook URL}:/etc/alertmanager/secrets/slack-webhook-url:ro',
  );
  expect(parse(bundle['monitoring/alertmanager/alertmanager.yml']).receivers.every((r: object) => !('slack_configs' in r))).toBe(true);
});

describe('parity with the AWS template (prod)', () => {
  const aws = synth('prod');
  const awsCollector = () => {
    const [, p] = resourcesOf(aws.json, 'AWS::SSM::Parameter').find(([, x]) => String(x.Name).endsWith('/otel-collector/config'))!;
    return parse(resolveJoin(p.Value));
  };

  test('rule files are byte for byte the AMP rule groups namespaces', () => {
    const namespaces = Object.fromEntries(resourcesOf(aws.json, 'AWS::APS::RuleGroupsNamespace').map(([, p]) => [p.Name, p.Data]));
    const localRules = Object.fromEntries(
      Object.entries(bundle)
        .filter(([f]) => f.startsWith('monitoring/rules/'))
        .map(([f, t]) => [path.basename(f, '.yaml'), t]),
    );
    expect(localRules).toEqual(namespaces);
  });

  test('dashboards are byte for byte the files AMG imports (the S3 asset)', () => {
    const [[, cr]] = resourcesOf(aws.json, 'Custom::GrafanaDashboards');
    const asset = JSON.parse(fs.readFileSync(path.join(aws.outdir, `asset.${cr.BundleKey}`), 'utf8'));
    for (const d of asset.dashboards) {
      expect(bundle[`monitoring/grafana/dashboards/${d.file.replace(/^dashboards\//, '')}`]).toBe(d.text);
      // The SLO dashboard is rendered from alerts/slos.yaml; the others are the repository's files.
      if (d.file !== SLO_DASHBOARD_FILE) expect(d.text).toBe(fs.readFileSync(path.join(repo, d.file), 'utf8'));
    }
  });

  test('the routing tree is the same; only receivers’ destinations and template paths differ', () => {
    const [[, ws]] = resourcesOf(aws.json, 'AWS::APS::Workspace');
    const definition = parse(resolveJoin(ws.AlertManagerDefinition));
    const amp = parse(definition.alertmanager_config);
    const mine = parse(bundle['monitoring/alertmanager/alertmanager.yml']);
    expect(mine.route).toEqual(amp.route);
    expect(mine.inhibit_rules).toEqual(amp.inhibit_rules);
    expect(mine.receivers.map((r: { name: string }) => r.name)).toEqual(amp.receivers.map((r: { name: string }) => r.name));
    // The allowed differences, and nothing else:
    const strip = (c: any) => ({ ...c, templates: undefined, receivers: c.receivers.map((r: { name: string }) => r.name) });
    expect(strip(mine)).toEqual(strip(amp));
    expect(mine.receivers.every((r: any) => Object.keys(r).sort().join() === 'name,webhook_configs')).toBe(true);
    expect(amp.receivers.every((r: any) => Object.keys(r).sort().join() === 'name,sns_configs')).toBe(true);
    expect(bundle['monitoring/alertmanager/templates/notification.tmpl']).toBe(definition.template_files['notification.tmpl']);
  });

  test('scrape job names are the same', () => {
    const names = (cfg: any) => cfg.receivers.prometheus.config.scrape_configs.map((j: { job_name: string }) => j.job_name);
    expect(names(parse(bundle['monitoring/otel-collector.yaml']))).toEqual(names(awsCollector()));
    expect(parse(bundle['monitoring/otel-collector.yaml']).receivers['prometheus/self'].config.scrape_configs[0].job_name).toBe(
      awsCollector().receivers['prometheus/self'].config.scrape_configs[0].job_name,
    );
  });
});
