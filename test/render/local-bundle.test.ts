import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { SLO_DASHBOARD_FILE } from '../../lib/model/model';
import {
  HOST_PORT_VARIABLES,
  LOCAL_IMAGES,
  LOCAL_PORTS,
  localRetention,
  LOKI_RULES,
  LOKI_TENANT,
  renderLocalBundle,
  TRACE_ID_IN_LINE,
} from '../../lib/render/local-bundle';
import { ADOT_IMAGE } from '../../lib/render/collector-image';
import { mergeConfigs } from '../contracts/adot';
import { contractProblems } from '../contracts/adot-checks';
import { baseFiles, environmentOf, modelOf, resolveJoin, resourcesOf, synth } from '../helpers';
import { COST_DASHBOARD_FILE } from '../../lib/render/cost-dashboard';
import { LOG_QUERIES_DASHBOARD_FILE, USER_BEHAVIOUR_DASHBOARD_FILE } from '../../lib/render/log-dashboards';
import { LOKI_RULES_FILE } from '../../lib/render/loki-rules';
import { SCALING_DASHBOARD_FILE } from '../../lib/render/scaling-dashboard';
import { compile } from '../../lib/compile/compile';
import { bundleLocalPrograms } from '../../scripts/local-programs';

const repo = path.resolve(__dirname, '../..');
const local = modelOf('local');
const programs = bundleLocalPrograms();
const bundle = renderLocalBundle(local, programs);

describe('the local bundle', () => {
  test("has the seed's layout", () => {
    expect(Object.keys(bundle).sort()).toEqual(
      [
        'docker-compose.yml',
        'monitoring/alertmanager/alertmanager.yml',
        'monitoring/alertmanager/templates/notification.tmpl',
        'monitoring/grafana/dashboards/cost.json',
        'monitoring/grafana/dashboards/dashboard-config.yml',
        'monitoring/grafana/dashboards/log-queries.json',
        'monitoring/grafana/dashboards/observability-stack.json',
        'monitoring/grafana/dashboards/scaling.json',
        'monitoring/grafana/dashboards/slos.json',
        'monitoring/grafana/dashboards/trading-platform-overview.json',
        'monitoring/grafana/dashboards/user-behaviour.json',
        'monitoring/grafana/provisioning/datasources/datasources.yml',
        'monitoring/loki/loki.yaml',
        'monitoring/loki/rules/fake/logs.yaml',
        'monitoring/node/alert-sink.js',
        'monitoring/node/demo-emitter.js',
        'monitoring/node/metrics.json',
        'monitoring/node/otlp-emitter.js',
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

  test('the demo emitter runs as each of the four services under the demo profile, as plain JavaScript from the bundle', () => {
    const services = parse(bundle['docker-compose.yml']).services;
    for (const s of ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher']) {
      expect(services[s]).toMatchObject({
        profiles: ['demo'],
        image: LOCAL_IMAGES.node,
        command: ['node', 'demo-emitter.js', '--catalog', 'metrics.json', '--service', s, '--port', '8001'],
        volumes: ['./monitoring/node:/opt/trading-observability:ro,z'],
      });
    }
    expect(services['alert-sink'].command).toEqual(['node', 'alert-sink.js', '--port', '9099']);
    expect(JSON.parse(bundle['monitoring/node/metrics.json'])).toEqual(local.catalog.metrics);
    // Nothing of the host's project (node_modules, tsx) reaches a container.
    expect(bundle['docker-compose.yml']).not.toMatch(/TRADING_OBSERVABILITY_DIR|tsx|\.\.:/);
    expect(bundle['monitoring/node/demo-emitter.js']).not.toMatch(/require\("(@opentelemetry\/|yaml"|zod")/);
  });

  test("each service's SDK pushes to the collector under the demo profile, producers chained to consumers for trace context", () => {
    const services = parse(bundle['docker-compose.yml']).services;
    const otlp = (s: string) => services[`otlp-${s}`]?.command as string[] | undefined;
    for (const s of ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher']) {
      expect(services[`otlp-${s}`]).toMatchObject({ profiles: ['demo'], image: LOCAL_IMAGES.node });
      expect(otlp(s)?.slice(0, 10)).toEqual([
        'node',
        'otlp-emitter.js',
        '--service',
        s,
        '--otlp',
        'http://otel-collector:4318',
        '--instance-id',
        `${s}-1`,
        '--environment',
        'local',
      ]);
    }
    // The Kafka publish reaches the dispatcher, the dispatcher's Celery enqueue the worker (scripts/otlp-emitter.ts).
    expect(otlp('trigger-dispatcher')).toEqual(expect.arrayContaining(['--consume-from', 'http://otlp-signal-generator:8092']));
    expect(otlp('celery-worker')).toEqual(expect.arrayContaining(['--consume-from', 'http://otlp-trigger-dispatcher:8092']));
    expect(otlp('signal-generator')).not.toContain('--consume-from');
    expect(otlp('backend')).not.toContain('--consume-from');
  });
});

describe('the local stack behaves like a service', () => {
  const compose = parse(bundle['docker-compose.yml']);
  const services: Record<string, any> = compose.services;

  test('every container has a healthcheck and restarts unless stopped', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, restart: s.restart }).toEqual({ name, restart: 'unless-stopped' });
      expect({ name, test: s.healthcheck?.test?.[0] }).toEqual({ name, test: 'CMD' });
    }
    // Each probe is a program the image has (see the comments in lib/render/local-bundle.ts for the sources).
    expect(services.prometheus.healthcheck.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9090/-/ready']);
    expect(services['otel-collector'].healthcheck.test).toEqual(['CMD', '/healthcheck', '--port', '13133']);
    expect(services.grafana.healthcheck.test.slice(0, 2)).toEqual(['CMD', 'curl']);
    expect(services.jaeger.healthcheck.test.at(-1)).toBe('http://127.0.0.1:13133/status');
    // Loki's image is distroless: the binary checks its own /ready (cmd/loki/health.go).
    expect(services.loki.healthcheck.test).toEqual(['CMD', '/usr/bin/loki', '-health', '-health.url=http://127.0.0.1:3100/ready']);
    expect(services['alert-sink'].healthcheck.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
  });

  test('dependencies wait for health', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, how] of Object.entries<any>(s.depends_on ?? {})) {
        expect({ name, dep, how }).toEqual({ name, dep, how: { condition: 'service_healthy' } });
        expect(services[dep]).toBeDefined();
      }
    }
    // Grafana does not wait for Jaeger: the dashboards come up while the trace store is slow or down.
    expect(Object.keys(services.grafana.depends_on).sort()).toEqual(['alertmanager', 'prometheus']);
    expect(Object.keys(services['otel-collector'].depends_on).sort()).toEqual(['jaeger', 'prometheus']);
  });

  test('every published port binds to loopback unless LOCAL_BIND_ADDRESS says otherwise, on a host port a variable can move', () => {
    const ports: string[] = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(ports).toHaveLength(Object.keys(LOCAL_PORTS).length);
    for (const p of ports) expect(p).toMatch(/^\$\{LOCAL_BIND_ADDRESS:-127\.0\.0\.1\}:\$\{[A-Z_]+_PORT:-\d+\}:\d+$/);
    // Each variable moves its own port, and by default the host port is the container's.
    for (const [name, variable] of Object.entries(HOST_PORT_VARIABLES)) {
      const port = LOCAL_PORTS[name as keyof typeof LOCAL_PORTS];
      expect(ports).toContain(`\${LOCAL_BIND_ADDRESS:-127.0.0.1}:\${${variable}:-${port}}:${port}`);
    }
    expect(services.grafana.ports).toEqual(['${LOCAL_BIND_ADDRESS:-127.0.0.1}:${GRAFANA_PORT:-3000}:3000']);
    expect(services['otel-collector'].ports).toEqual([
      '${LOCAL_BIND_ADDRESS:-127.0.0.1}:${OTLP_GRPC_PORT:-4317}:4317',
      '${LOCAL_BIND_ADDRESS:-127.0.0.1}:${OTLP_HTTP_PORT:-4318}:4318',
    ]);
  });

  test("every bind mount of the bundle is read-only with SELinux's shared label (z), never the private one (Z)", () => {
    const binds = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .filter((v: string) => v.startsWith('./'));
    expect(binds.length).toBeGreaterThanOrEqual(10);
    for (const v of binds) expect(v).toMatch(/^\.\/[^:]+:\/[^:]+:ro,z$/);
  });

  test('every volume is named or a bind mount of the bundle: no anonymous volumes', () => {
    const named = Object.keys(compose.volumes);
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        expect({ name, v, ok: source.startsWith('./') || source.startsWith('${') || named.includes(source) }).toEqual({
          name,
          v,
          ok: true,
        });
      }
    }
    // The paths the images declare as VOLUME get named volumes.
    expect(services.prometheus.volumes).toContain('prometheus-data:/prometheus');
    expect(services.alertmanager.volumes).toContain('alertmanager-data:/alertmanager');
    expect(services.jaeger.volumes).toContain('jaeger-tmp:/tmp');
    expect(services.loki.volumes).toContain('loki-data:/loki');
  });

  test('images are pinned to current tags', () => {
    expect(LOCAL_IMAGES).toMatchObject({
      prometheus: 'prom/prometheus:v3.14.0',
      alertmanager: 'prom/alertmanager:v0.34.0',
      grafana: expect.stringMatching(/^grafana\/grafana:\d+\.\d+\.\d+$/),
      jaeger: expect.stringMatching(/^jaegertracing\/jaeger:2\.\d+\.\d+$/),
      loki: 'grafana/loki:3.7.8',
      node: 'node:24-trixie-slim',
    });
    for (const s of Object.values(services)) expect(s.image).toMatch(/:(v?\d+[\w.-]*)$/);
    expect(bundle['docker-compose.yml']).not.toMatch(/:latest\b|all-in-one|node:20/);
  });

  test("local Grafana runs the major.minor every AWS environment's workspace runs (parity with AMG)", () => {
    const local = LOCAL_IMAGES.grafana.replace(/^grafana\/grafana:(\d+\.\d+)\.\d+$/, '$1');
    for (const env of ['dev', 'staging', 'prod']) expect([env, environmentOf(env).grafana?.version]).toEqual([env, local]);
  });
});

describe('logs: Loki locally', () => {
  const services: Record<string, any> = parse(bundle['docker-compose.yml']).services;
  const loki = parse(bundle['monitoring/loki/loki.yaml']);

  test('Loki: the pinned image on its configuration, rule folder read-only, data in a named volume, LOKI_PORT on loopback', () => {
    expect(services.loki).toMatchObject({
      image: 'grafana/loki:3.7.8',
      command: ['-config.file=/etc/loki/loki.yaml'],
      volumes: ['./monitoring/loki/loki.yaml:/etc/loki/loki.yaml:ro,z', `./${LOKI_RULES}:/etc/loki/rules:ro,z`, 'loki-data:/loki'],
      ports: ['${LOCAL_BIND_ADDRESS:-127.0.0.1}:${LOKI_PORT:-3100}:3100'],
      restart: 'unless-stopped',
      // Its ruler notifies Alertmanager.
      depends_on: { alertmanager: { condition: 'service_healthy' } },
    });
    expect(parse(bundle['docker-compose.yml']).volumes).toHaveProperty('loki-data');
    // Nothing waits for Loki: metrics, traces and dashboards come up while the log store is slow or down.
    for (const [name, s] of Object.entries<any>(services)) expect({ name, loki: s.depends_on?.loki }).toEqual({ name, loki: undefined });
  });

  test('Loki runs as one process: no auth, chunks and a TSDB v13 index on the data volume, structured metadata, the local retention', () => {
    expect(loki.auth_enabled).toBe(false);
    expect(loki.server.http_listen_port).toBe(3100);
    expect(loki.common).toMatchObject({
      path_prefix: '/loki',
      storage: { filesystem: { chunks_directory: '/loki/chunks', rules_directory: '/etc/loki/rules' } },
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
    });
    expect(loki.schema_config.configs).toEqual([
      { from: '2020-10-24', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
    ]);
    // OTLP pushes are refused without structured metadata.
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
    // As long as the local Prometheus keeps metrics (30 days: the SLO window), applied by the compactor.
    expect(localRetention(local)).toBe('30d');
    expect(loki.limits_config.retention_period).toBe('720h');
    expect(loki.compactor).toEqual({ retention_enabled: true, delete_request_store: 'filesystem' });
    expect(loki.analytics).toEqual({ reporting_enabled: false });
  });

  test("the ruler: rules/<tenant>/ from the bundle (tenant 'fake' without auth), every minute, to the local Alertmanager", () => {
    expect(loki.ruler).toEqual({ alertmanager_url: 'http://alertmanager:9093', enable_api: true, evaluation_interval: '1m' });
    expect(LOKI_TENANT).toBe('fake');
    // The log alerts' rule file is in the tenant's folder (alerts/logs.yaml; test/logs/log-alerts.test.ts).
    expect(LOKI_RULES_FILE).toBe(`${LOKI_RULES}/${LOKI_TENANT}/logs.yaml`);
    expect(Object.keys(bundle).filter((f) => f.startsWith(`${LOKI_RULES}/`))).toEqual([LOKI_RULES_FILE]);
    // With no log alert the folder still exists; the file keeping it is at its top, where Loki looks for tenant folders only.
    const none = renderLocalBundle({ ...local, logAlerts: [] }, {});
    expect(Object.keys(none).filter((f) => f.startsWith(`${LOKI_RULES}/`))).toEqual([`${LOKI_RULES}/.keep`]);
    expect(none[`${LOKI_RULES}/.keep`]).toBe('');
  });

  test('Grafana: a Loki data source with uid "loki"; a trace id in a line links to the trace in the Jaeger data source', () => {
    const ds = parse(bundle['monitoring/grafana/provisioning/datasources/datasources.yml']).datasources as any[];
    expect(ds.map((d) => d.uid)).toEqual(['prometheus', 'jaeger', 'loki', 'alertmanager']);
    const lokiDs = ds.find((d) => d.uid === 'loki');
    expect(lokiDs).toMatchObject({ name: 'Loki', type: 'loki', access: 'proxy', url: 'http://loki:3100' });
    const [field] = lokiDs.jsonData.derivedFields;
    // An internal link: the query is the value ($$ is a literal $ in provisioning files).
    expect(field).toMatchObject({ name: 'TraceID', datasourceUid: 'jaeger', url: '$${__value.raw}' });
    expect(field.matcherRegex).toBe(TRACE_ID_IN_LINE);
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    const re = new RegExp(field.matcherRegex);
    // As the demo services print it (JSON.stringify) and as structlog's JSONRenderer does (json.dumps: ": ").
    expect(re.exec(`{"event":"pipeline_created","trace_id":"${id}","span_id":"00f067aa0ba902b7"}`)?.[1]).toBe(id);
    expect(re.exec(`{"event": "pipeline_created", "trace_id": "${id}"}`)?.[1]).toBe(id);
    expect(re.exec(`{"event": "pipeline_created", "span_id": "00f067aa0ba902b7"}`)).toBeNull();
  });

  test("every container logs to Docker's json-file driver with its compose service in each line's attrs, rotated", () => {
    for (const [name, s] of Object.entries<any>(services))
      expect({ name, logging: s.logging }).toEqual({
        name,
        logging: { driver: 'json-file', options: { labels: 'com.docker.compose.service', 'max-size': '10m', 'max-file': '3' } },
      });
  });

  test('the collector ships the logs to Loki over OTLP/HTTP', () => {
    const cfg = parse(bundle['monitoring/otel-collector.yaml']);
    expect(cfg.service.pipelines.logs).toEqual({
      receivers: ['file_log'],
      processors: ['memory_limiter', 'resource', 'batch'],
      exporters: ['otlp_http/loki'],
    });
    expect(cfg.exporters['otlp_http/loki'].endpoint).toBe('http://loki:3100/otlp');
    expect(cfg.receivers.file_log.include).toEqual(['/var/lib/docker/containers/*/*-json.log']);
  });

  test('the endpoints move Loki and the logs for a run without Docker (the native end-to-end test)', () => {
    const files = renderLocalBundle(
      local,
      {},
      {
        alertmanager: '127.0.0.1:19093',
        lokiOtlpUrl: 'http://127.0.0.1:13100/otlp',
        containerLogs: '/tmp/x/containers/*/*-json.log',
        lokiDataDir: '/tmp/x/loki',
        lokiRulesDir: '/tmp/x/rules',
      },
    );
    const cfg = parse(files['monitoring/loki/loki.yaml']);
    expect(cfg.ruler.alertmanager_url).toBe('http://127.0.0.1:19093');
    expect(cfg.common.path_prefix).toBe('/tmp/x/loki');
    expect(cfg.common.storage.filesystem).toEqual({ chunks_directory: '/tmp/x/loki/chunks', rules_directory: '/tmp/x/rules' });
    const collector = parse(files['monitoring/otel-collector.yaml']);
    expect(collector.exporters['otlp_http/loki'].endpoint).toBe('http://127.0.0.1:13100/otlp');
    expect(collector.receivers.file_log.include).toEqual(['/tmp/x/containers/*/*-json.log']);
  });
});

test('Slack, when the local environment asks for it: the URL from a file, never in the bundle', () => {
  const withSlack = compile(baseFiles, { ...environmentOf('local'), alerts: { email: [], sms: [], slack: {} } });
  const files = renderLocalBundle(withSlack, programs);
  const am = parse(files['monitoring/alertmanager/alertmanager.yml']);
  const byName = Object.fromEntries(am.receivers.map((r: { name: string }) => [r.name, r]));
  for (const r of ['critical', 'warning', 'info']) {
    expect(byName[r].slack_configs).toEqual([
      {
        api_url_file: '/run/secrets/slack-webhook-url',
        send_resolved: true,
        title: '{{ template "trading.subject" . }}',
        text: '{{ template "trading.message" . }}',
      },
    ]);
  }
  expect(byName.watchdog.slack_configs).toBeUndefined();
  expect(parse(files['docker-compose.yml']).services.alertmanager.volumes).toContain(
    '${SLACK_WEBHOOK_URL_FILE:?set SLACK_WEBHOOK_URL_FILE to a file holding the Slack webhook URL}:/run/secrets/slack-webhook-url:ro',
  );
  expect(parse(bundle['monitoring/alertmanager/alertmanager.yml']).receivers.every((r: object) => !('slack_configs' in r))).toBe(true);
});

test('the compose collector runs the pinned ADOT image on a config that fits it and writes nowhere the image user cannot', () => {
  const collector = parse(bundle['docker-compose.yml']).services['otel-collector'];
  expect(collector.image).toBe(ADOT_IMAGE);
  // The same feature gates as the AWS task (AMP's 429 retried there; harmless against local Prometheus).
  expect(collector.command).toEqual([
    '--config=file:/etc/otel-collector.yaml',
    '--feature-gates=exporter.prometheusremotewritexporter.RetryOn429',
  ]);
  expect(collector.volumes).toEqual([
    './monitoring/otel-collector.yaml:/etc/otel-collector.yaml:ro,z',
    // Docker's container logs, read-only, never relabelled (a system path); root reads them (user 0, below).
    '${DOCKER_CONTAINERS_DIR:-/var/lib/docker/containers}:/var/lib/docker/containers:ro',
  ]);
  expect(collector.user).toBe('0');
  // Root for the local collector only: every other service keeps its image's user (the node programs name theirs).
  const users = Object.entries<any>(parse(bundle['docker-compose.yml']).services).filter(([, s]) => s.user === '0');
  expect(users.map(([n]) => n)).toEqual(['otel-collector']);
  // No AOT_CONFIG_CONTENT: it would replace the --config flag.
  expect(JSON.stringify(collector.environment ?? {})).not.toContain('AOT_CONFIG_CONTENT');
  expect(contractProblems(parse(bundle['monitoring/otel-collector.yaml']))).toEqual([]);
});

describe('parity with the AWS template (prod)', () => {
  const aws = synth('prod');
  // Every fragment, merged as the collector merges its --config sources.
  const awsCollector = () =>
    resourcesOf(aws.json, 'AWS::SSM::Parameter')
      .filter(([, x]) => /\/otel-collector\/config-[0-9a-f]{12}(-\d+)?$/.test(String(x.Name)))
      .reduce<any>((acc, [, p]) => mergeConfigs(acc, parse(resolveJoin(p.Value))), {});

  test('rule files are byte for byte the AMP rule groups namespaces', () => {
    // Alerts on AMP anomaly detectors' output exist on AWS only (there is no detector locally).
    const namespaces = Object.fromEntries(
      resourcesOf(aws.json, 'AWS::APS::RuleGroupsNamespace')
        .filter(([, p]) => p.Name !== 'anomaly-detectors')
        .map(([, p]) => [p.Name, p.Data]),
    );
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
    expect(asset.dashboards.map((d: { file: string }) => d.file)).toEqual(
      expect.arrayContaining([COST_DASHBOARD_FILE, SCALING_DASHBOARD_FILE]),
    );
    for (const d of asset.dashboards) {
      const local = bundle[`monitoring/grafana/dashboards/${d.file.replace(/^dashboards\//, '')}`];
      if (d.file === COST_DASHBOARD_FILE) {
        // Rendered for each target by the one renderer: CloudWatch usage metrics on AWS, Prometheus' own locally; the same rows.
        const rows = (text: string) =>
          (JSON.parse(text) as { panels: { type: string; title: string }[] }).panels
            .filter((p) => p.type === 'row')
            .map((p) => p.title.replace(/ \(.*\)$/, ''));
        expect(rows(local)).toEqual(rows(d.text));
        expect(d.text).toContain('"uid": "cloudwatch"');
        expect(local).not.toContain('"uid": "cloudwatch"');
        continue;
      }
      if (d.file === LOG_QUERIES_DASHBOARD_FILE || d.file === USER_BEHAVIOUR_DASHBOARD_FILE) {
        // Rendered for each target from one definition: Logs Insights on AWS, LogQL on Loki locally; the same panels.
        const titles = (text: string) => (JSON.parse(text) as { panels: { title: string }[] }).panels.map((p) => p.title);
        expect(titles(local)).toEqual(titles(d.text));
        expect(d.text).toContain('"queryMode": "Logs"');
        expect(local).toContain('"uid": "loki"');
        continue;
      }
      if (d.file === SCALING_DASHBOARD_FILE) {
        // Rendered for each target by the one renderer: AWS adds CloudWatch's view (tasks, scaling activity, the
        // signal as the policy reads it); locally, where nothing scales, Prometheus only. The same rows.
        const rows = (text: string) =>
          (JSON.parse(text) as { panels: { type: string; title: string }[] }).panels.filter((p) => p.type === 'row').map((p) => p.title);
        expect(rows(local)).toEqual(rows(d.text));
        expect(d.text).toContain('"expression": "DIFF(desired)"');
        expect(local).not.toContain('"uid": "cloudwatch"');
        continue;
      }
      expect(local).toBe(d.text);
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
