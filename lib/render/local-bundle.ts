import { stringify as stringifyYaml } from 'yaml';
import { ObservabilityModel } from '../model/model';
import { sloWindowDays } from '../model/slos';
import { MESSAGE_TEMPLATE, renderAlertmanagerConfig, SUBJECT_TEMPLATE } from './alertmanager-config';
import { ADOT_IMAGE, collectorFlags, HEALTH_CHECK_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from './collector-image';
import { collectorConfigYaml } from './collector-fragments';
import { DOCKER_CONTAINERS_DIR, COMPOSE_SERVICE_LABEL, otlpEmitterName, renderCollectorConfig } from './collector-config';
import { LOKI_RULES_FILE, renderLokiRules } from './loki-rules';

/**
 * Images of the local stack, pinned here; why each version is in
 * docs/local-stack.md ("Images and versions"). The healthchecks below use what each image contains.
 */
export const LOCAL_IMAGES = {
  /** Newest tag of prometheus/prometheus (v3.14.0, 2026-08-17). */
  prometheus: 'prom/prometheus:v3.14.0',
  /** Newest tag of prometheus/alertmanager (v0.34.0, 2026-08-16). */
  alertmanager: 'prom/alertmanager:v0.34.0',
  /**
   * The Grafana line the AWS workspaces run (`grafana.version`'s default, 12.4), so dashboards are tested locally on the
   * version AMG serves them with; AMG does not publish its patch level. 12.4.10 is the newest 12.4 patch seen (renovate
   * update of grafana/grafana to v12.4.10 in NethServer/ns8-metrics 1.4.0, 2026-09-18); a test keeps major.minor equal
   * to the AWS environments' version.
   */
  grafana: 'grafana/grafana:12.4.10',
  /** Jaeger v2 (the v1 line has ended); newest tag of jaegertracing/jaeger (v2.20.0, 2026-07-19). */
  jaeger: 'jaegertracing/jaeger:2.20.0',
  /**
   * Newest tag of grafana/loki found (v3.7.8: release notes grafana/loki#24587, merged 2026-09-17; no 3.8 release seen).
   * The image's facts used below (distroless, user 10001, /loki, `loki -health`) were read at v3.7.6 (2026-08-06, the
   * newest tag of the snapshot read on 2026-12-07): UNCONFIRMED at 3.7.8, a patch release of the same line. Loki is run
   * as an image only: its Go module (AGPL) is neither built nor imported by this project.
   */
  loki: 'grafana/loki:3.7.8',
  /** Node 24 LTS "Krypton", supported until 2028-04-30 (nodejs/Release schedule); Debian 13 (trixie) slim. */
  node: 'node:24-trixie-slim',
  collector: ADOT_IMAGE,
} as const;

/** Compose project name: one local stack per machine, whatever folder the bundle is in. */
export const COMPOSE_PROJECT = 'trading-observability';

/** Host address the published ports bind to; loopback unless LOCAL_BIND_ADDRESS says otherwise. */
const BIND_ADDRESS = '${LOCAL_BIND_ADDRESS:-127.0.0.1}';

/** Ports of the stack's user interfaces and APIs in their containers, and on the host unless overridden (below). */
export const LOCAL_PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  jaeger: 16686,
  loki: 3100,
  alertSink: 9099,
  otlpGrpc: OTLP_GRPC_PORT,
  otlpHttp: OTLP_HTTP_PORT,
} as const;

/**
 * The environment variable that moves each published port on the host (the
 * container side stays): the compose file reads `${VAR:-default}`, so a port
 * taken by something else on the host is moved without re-rendering
 * (Compose's interpolation: docs.docker.com/reference/compose-file/interpolation/).
 */
export const HOST_PORT_VARIABLES: Readonly<Record<keyof typeof LOCAL_PORTS, string>> = {
  prometheus: 'PROMETHEUS_PORT',
  alertmanager: 'ALERTMANAGER_PORT',
  grafana: 'GRAFANA_PORT',
  jaeger: 'JAEGER_UI_PORT',
  loki: 'LOKI_PORT',
  alertSink: 'ALERT_SINK_PORT',
  otlpGrpc: 'OTLP_GRPC_PORT',
  otlpHttp: 'OTLP_HTTP_PORT',
};

/**
 * SELinux label option of the bundle's bind mounts. `z` relabels the mounted
 * content with a label shared by all containers, which several of ours need
 * (the node programs' folder is mounted into five containers); `Z` would give
 * it a label private to one container, wrong for a shared mount
 * (docs.docker.com/engine/storage/bind-mounts/#configure-the-selinux-label).
 * Safe everywhere: the relabel is a no-op where SELinux is not enabled
 * (opencontainers/selinux@0587a4d:go-selinux/label/label_linux.go Relabel
 * returns at once when !selinux.GetEnabled() or the daemon gave no mount
 * label), which includes Docker Desktop's VM on macOS and Windows. Only the
 * bundle's own folder is relabelled, never a system path.
 */
const SELINUX_SHARED = 'z';
/** A read-only bind mount of the bundle, relabelled for SELinux hosts. */
const bundleMount = (source: string, target: string) => `./${source}:${target}:ro,${SELINUX_SHARED}`;
/** Where an OTLP emitter serves the messages it publishes (scripts/otlp-emitter.ts --port); inside the compose network only. */
export const MESSAGES_PORT = 8092;
/**
 * Whose published messages each consumer's OTLP emitter reads, trace context with them: the dispatcher the signal
 * generator's Kafka topic, the worker the dispatcher's Celery queue (scripts/otlp-emitter.ts).
 */
export const TRACE_CHAIN: Readonly<Record<string, string>> = {
  'trigger-dispatcher': 'signal-generator',
  'celery-worker': 'trigger-dispatcher',
};

/** Where the bundled Node programs and the emitters' catalog are, in the bundle and in the containers. */
const NODE_DIR = 'monitoring/node';
const NODE_MOUNT = '/opt/trading-observability';

/** Where local components find each other; compose service names by default, loopback in the end-to-end test. */
export interface LocalEndpoints {
  /** Prometheus' remote-write receiver, for the collector. @default http://prometheus:9090/api/v1/write */
  readonly prometheusRemoteWriteUrl?: string;
  /** Alertmanager, for Prometheus. @default alertmanager:9093 */
  readonly alertmanager?: string;
  /** Base URL of the local alert receivers; each receiver posts to <base>/<receiver>. @default http://alert-sink:9099 */
  readonly webhookBaseUrl?: string;
  /** Jaeger's OTLP endpoint. @default jaeger:4317 */
  readonly jaegerEndpoint?: string;
  /** Scrape targets, host:port per service. @default <service>:<port> (compose names) */
  readonly targets?: Readonly<Record<string, string>>;
  /** Where the collector's own metrics are scraped. @default 127.0.0.1:8888 */
  readonly collectorSelfTarget?: string;
  /** Folder of the notification templates, as Alertmanager sees it. @default /etc/alertmanager/templates */
  readonly templatesDir?: string;
  /** The file holding the Slack webhook URL, as Alertmanager sees it. @default /run/secrets/slack-webhook-url */
  readonly slackWebhookUrlFile?: string;
  /** Loki's OTLP endpoint, for the collector. @default http://loki:3100/otlp */
  readonly lokiOtlpUrl?: string;
  /** The Docker json-file logs the collector reads (a glob). @default /var/lib/docker/containers/<id>/<id>-json.log, each container's */
  readonly containerLogs?: string;
  /** Loki's data folder (chunks, index, WAL, compactor). @default /loki (the loki-data volume) */
  readonly lokiDataDir?: string;
  /** The Loki ruler's rule folder, one subfolder per tenant, as Loki sees it. @default /etc/loki/rules (monitoring/loki/rules) */
  readonly lokiRulesDir?: string;
}

/** Receivers that notify Slack when it is configured (the Watchdog does not). */
const SLACK_RECEIVERS = ['critical', 'warning', 'info'];
// Outside /etc/alertmanager, which is a read-only bind mount of the bundle: a file mounted inside it would need a mount
// point the bundle does not hold, created in a read-only mount.
const SLACK_URL_PATH = '/run/secrets/slack-webhook-url';

const SEED_RETENTION = '15d';

/**
 * The seed's 15 days, or the SLO window when longer: the error budget left
 * reads `window` of history (slo:error_budget_remaining:ratio).
 */
export const localRetention = (model: Pick<ObservabilityModel, 'slos'>) =>
  `${Math.max(Number(SEED_RETENTION.slice(0, -1)), sloWindowDays(model.slos))}d`;

/**
 * The local stack, rendered from the same model as the AWS template, in the
 * seed's layout (monitoring/...). Returns relative path -> file content.
 * Rule files, dashboards and notification templates are byte-for-byte the
 * ones AMP and AMG get; the routing tree is the same with local receivers.
 *
 * @param programs the Node programs the containers run (file name -> JavaScript), bundled at the edge (scripts/local-programs.ts)
 */
export function renderLocalBundle(
  model: ObservabilityModel,
  programs: Readonly<Record<string, string>>,
  endpoints: LocalEndpoints = {},
): Record<string, string> {
  const env = model.environment;
  const routing = model.routing;
  const files: Record<string, string> = {};
  const interval = `${env.scrapeIntervalSeconds}s`;

  // Prometheus stores what the collector remote-writes (as AMP does) and evaluates the rules.
  files['monitoring/prometheus.yml'] = stringifyYaml(
    {
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: model.ruleFiles.map((f) => `rules/${f.name}.yaml`),
      alerting: { alertmanagers: [{ static_configs: [{ targets: [endpoints.alertmanager ?? 'alertmanager:9093'] }] }] },
      scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] }],
    },
    { lineWidth: 0 },
  );
  for (const f of model.ruleFiles) files[`monitoring/rules/${f.name}.yaml`] = f.text;

  const webhook = (endpoints.webhookBaseUrl ?? 'http://alert-sink:9099').replace(/\/$/, '');
  const destinations = (receiver: string) => ({
    webhook_configs: [{ url: `${webhook}/${receiver}`, send_resolved: true }],
    // Slack when the environment asks for it; the URL stays in a file, out of the bundle.
    ...(env.alerts.slack &&
      SLACK_RECEIVERS.includes(receiver) && {
        slack_configs: [
          {
            api_url_file: endpoints.slackWebhookUrlFile ?? SLACK_URL_PATH,
            send_resolved: true,
            title: SUBJECT_TEMPLATE,
            text: MESSAGE_TEMPLATE,
          },
        ],
      }),
  });
  files['monitoring/alertmanager/alertmanager.yml'] = stringifyYaml(
    renderAlertmanagerConfig(
      routing,
      destinations,
      Object.keys(routing.templates).map((t) => `${endpoints.templatesDir ?? '/etc/alertmanager/templates'}/${t}`),
    ),
    { lineWidth: 0 },
  );
  for (const [name, text] of Object.entries(routing.templates)) files[`monitoring/alertmanager/templates/${name}`] = text;

  files['monitoring/otel-collector.yaml'] = collectorConfigYaml(
    renderCollectorConfig(
      { environment: env, catalog: model.catalog },
      {
        prometheusRemoteWriteUrl: endpoints.prometheusRemoteWriteUrl,
        jaegerEndpoint: endpoints.jaegerEndpoint,
        staticTargets: endpoints.targets,
        selfMetricsTarget: endpoints.collectorSelfTarget,
        lokiOtlpUrl: endpoints.lokiOtlpUrl,
        containerLogs: endpoints.containerLogs,
      },
    ),
  );

  files['monitoring/loki/loki.yaml'] = stringifyYaml(lokiConfig(model, endpoints), { lineWidth: 0 });

  files['monitoring/grafana/provisioning/datasources/datasources.yml'] = stringifyYaml({
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: 'prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: 'http://prometheus:9090',
        isDefault: true,
        jsonData: { timeInterval: interval, httpMethod: 'POST' },
      },
      { name: 'Jaeger', uid: 'jaeger', type: 'jaeger', access: 'proxy', url: 'http://jaeger:16686' },
      {
        name: 'Loki',
        uid: 'loki',
        type: 'loki',
        access: 'proxy',
        url: 'http://loki:3100',
        jsonData: {
          maxLines: 1000,
          // A trace id in a line links to the trace in the Jaeger data source (an internal link: `url` is the query, the
          // value itself). `$$` is a literal `$` in provisioning files, which expand $VAR and ${VAR}
          // (grafana/grafana@0c79361:docs/sources/datasources/loki/configure/index.md, "Provisioning examples").
          derivedFields: [
            {
              // Not `trace_id`: Loki keeps the record's trace id as structured metadata of that name, shown beside it.
              name: 'TraceID',
              matcherRegex: TRACE_ID_IN_LINE,
              datasourceUid: 'jaeger',
              url: '$${__value.raw}',
              urlDisplayLabel: 'Trace in Jaeger',
            },
          ],
        },
      },
      {
        name: 'Alertmanager',
        uid: 'alertmanager',
        type: 'alertmanager',
        access: 'proxy',
        url: 'http://alertmanager:9093',
        jsonData: { implementation: 'prometheus' },
      },
    ],
  });
  files['monitoring/grafana/dashboards/dashboard-config.yml'] = stringifyYaml({
    apiVersion: 1,
    providers: [
      {
        name: 'trading-observability',
        type: 'file',
        disableDeletion: false,
        // The seed's 3.3: dashboards reload every 10 seconds.
        updateIntervalSeconds: 10,
        allowUiUpdates: true,
        options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: true },
      },
    ],
  });
  for (const d of model.publishedDashboards) files[`monitoring/grafana/dashboards/${d.file.replace(/^dashboards\//, '')}`] = d.text;

  // The demo emitters and the alert sink: plain JavaScript and the catalog as JSON, for the node image alone.
  for (const [name, js] of Object.entries(programs)) files[`${NODE_DIR}/${name}`] = js;
  files[`${NODE_DIR}/metrics.json`] = `${JSON.stringify(model.catalog.metrics, null, 2)}\n`;

  // The log alerts, evaluated by Loki's ruler and sent to the same Alertmanager (alerts/logs.yaml).
  if (model.logAlerts.length > 0) files[LOKI_RULES_FILE] = renderLokiRules(model.logAlerts);

  // The ruler's rule folder is mounted even with no rule file; the bundle writer makes only folders that hold a file,
  // and a missing bind-mount source would be created by the Docker engine (as root, inside the bundle). A file at the
  // folder's top is no tenant: Loki takes only its subfolders as tenants (grafana/loki@v3.7.6:
  // pkg/ruler/rulestore/local/local.go, ListAllUsers), and reads every file of a tenant's folder as a rule file.
  if (!Object.keys(files).some((f) => f.startsWith(`${LOKI_RULES}/`))) files[`${LOKI_RULES}/.keep`] = '';

  // Every service gets its own copy of the shared settings (LOGGING), not a YAML anchor and aliases.
  files['docker-compose.yml'] = stringifyYaml(compose(model), { lineWidth: 0, aliasDuplicateObjects: false });
  return files;
}

/** The Loki ruler's rule folder in the bundle: `<tenant>/<file>.yaml`, the tenant `fake` while auth is off. */
export const LOKI_RULES = 'monitoring/loki/rules';
/**
 * The tenant of every request while `auth_enabled` is false: pkg/util/fakeauth/fake_auth.go injects org id "fake"
 * (grafana/loki@v3.7.6); "If Loki is running in single tenant mode, the required ID is `fake`"
 * (docs/sources/alert/_index.md). Rule files for the local ruler go to `${LOKI_RULES}/${LOKI_TENANT}/`.
 */
export const LOKI_TENANT = 'fake';
/** A trace id as structlog's JSON renders it in a line (`"trace_id": "<32 hex>"`, with or without the space). */
export const TRACE_ID_IN_LINE = '"trace_id"\\s*:\\s*"([0-9a-f]{32})"';

/**
 * Loki as one process (every component in the single binary), from the settings of grafana/loki@v3.7.6
 * (docs/sources/shared/configuration.md, published as https://grafana.com/docs/loki/latest/configure/; read 2026-12-07):
 * no auth (one tenant, `fake`), chunks and the TSDB index on the filesystem under the data volume (schema v13, as the
 * image's own cmd/loki/loki-docker-config.yaml), structured metadata on (the default since 3.0, set so it does not
 * depend on it: OTLP is refused without it, docs/sources/shared/otel.md), the local Prometheus' retention, and the
 * ruler reading `rules/<tenant>/` and notifying the local Alertmanager.
 */
function lokiConfig(model: ObservabilityModel, endpoints: LocalEndpoints): Record<string, unknown> {
  const data = endpoints.lokiDataDir ?? '/loki';
  const retentionDays = Number(localRetention(model).slice(0, -1));
  return {
    auth_enabled: false,
    server: { http_listen_port: LOCAL_PORTS.loki },
    common: {
      instance_addr: '127.0.0.1',
      // Defaults the WAL (<prefix>/wal), the compactor's folder and the ruler's scratch folder (<prefix>/rules-temp) under it
      // (pkg/loki/config_wrapper.go, applyPathPrefixDefaults).
      path_prefix: data,
      // The filesystem store is the ruler's rule store too, at rules_directory (config_wrapper.go, applyStorageConfig).
      storage: { filesystem: { chunks_directory: `${data}/chunks`, rules_directory: endpoints.lokiRulesDir ?? '/etc/loki/rules' } },
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
    },
    schema_config: {
      configs: [
        { from: '2020-10-24', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
      ],
    },
    limits_config: {
      allow_structured_metadata: true,
      // Whole days, in hours: a multiple of the index period (24h).
      retention_period: `${retentionDays * 24}h`,
    },
    // Retention is the compactor's: without retention_enabled logs are kept for ever, and it needs a store for delete
    // requests (docs/sources/operations/storage/retention.md).
    compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
    ruler: {
      alertmanager_url: `http://${endpoints.alertmanager ?? 'alertmanager:9093'}`,
      enable_api: true,
      evaluation_interval: '1m',
    },
    // No usage reports to stats.grafana.org from a developer's machine (the analytics block; on by default).
    analytics: { reporting_enabled: false },
  };
}

/** A healthcheck that fetches a URL with the image's busybox wget (Prometheus, Alertmanager and Jaeger images). */
function wgetCheck(url: string) {
  return { test: ['CMD', 'wget', '-q', '-O', '/dev/null', url], ...CHECK_TIMING };
}
/** A healthcheck with node's fetch (the node image has no wget or curl). */
function nodeCheck(url: string) {
  const js = `fetch('${url}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  return { test: ['CMD', 'node', '-e', js], ...CHECK_TIMING };
}
const CHECK_TIMING = { interval: '10s', timeout: '5s', retries: 5, start_period: '30s' };
const healthy = (...names: string[]) => Object.fromEntries(names.map((n) => [n, { condition: 'service_healthy' }]));
const port = (name: keyof typeof LOCAL_PORTS) =>
  `${BIND_ADDRESS}:\${${HOST_PORT_VARIABLES[name]}:-${LOCAL_PORTS[name]}}:${LOCAL_PORTS[name]}`;

/**
 * Every container logs to Docker's json-file driver, each line with the compose service's name in `attrs` (the
 * `labels` option: docs.docker.com/engine/logging/drivers/json-file/; compose labels each container with
 * com.docker.compose.service), which the collector reads and ships to Loki. Rotated at 10 MB, three files kept: the
 * driver's default is one file without a limit. Option values are strings.
 */
const LOGGING = { driver: 'json-file', options: { labels: COMPOSE_SERVICE_LABEL, 'max-size': '10m', 'max-file': '3' } };

function compose(model: ObservabilityModel): Record<string, unknown> {
  const env = model.environment;
  const always = { restart: 'unless-stopped', logging: LOGGING };
  const nodeProgram = (args: string[]) => ({
    image: LOCAL_IMAGES.node,
    user: 'node',
    working_dir: NODE_MOUNT,
    command: ['node', ...args],
    volumes: [bundleMount(NODE_DIR, NODE_MOUNT)],
    ...always,
  });
  const services: Record<string, unknown> = {
    prometheus: {
      image: LOCAL_IMAGES.prometheus,
      command: [
        '--config.file=/etc/prometheus/prometheus.yml',
        '--storage.tsdb.path=/prometheus',
        // The seed's 8.1: 15 days locally, unless the SLO window is longer.
        `--storage.tsdb.retention.time=${localRetention(model)}`,
        '--web.enable-remote-write-receiver',
        '--web.enable-lifecycle',
      ],
      volumes: [
        bundleMount('monitoring/prometheus.yml', '/etc/prometheus/prometheus.yml'),
        bundleMount('monitoring/rules', '/etc/prometheus/rules'),
        // The image declares VOLUME /prometheus (prometheus/prometheus@v3.14.0:Dockerfile): named, never anonymous.
        'prometheus-data:/prometheus',
      ],
      ports: [port('prometheus')],
      // Busybox base image: wget is there (prometheus/prometheus@v3.14.0:Dockerfile, FROM quay.io/prometheus/busybox).
      healthcheck: wgetCheck('http://127.0.0.1:9090/-/ready'),
      depends_on: healthy('alertmanager'),
      ...always,
    },
    alertmanager: {
      image: LOCAL_IMAGES.alertmanager,
      command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
      volumes: [
        bundleMount('monitoring/alertmanager', '/etc/alertmanager'),
        // VOLUME /alertmanager in prometheus/alertmanager@v0.34.0:Dockerfile.
        'alertmanager-data:/alertmanager',
        // Not relabelled for SELinux: the file is the user's, anywhere on the host, and `z` would change its label
        // in place (docs/local-stack.md says how to label it on an SELinux host).
        ...(env.alerts.slack
          ? [`\${SLACK_WEBHOOK_URL_FILE:?set SLACK_WEBHOOK_URL_FILE to a file holding the Slack webhook URL}:${SLACK_URL_PATH}:ro`]
          : []),
      ],
      ports: [port('alertmanager')],
      healthcheck: wgetCheck('http://127.0.0.1:9093/-/ready'),
      depends_on: healthy('alert-sink'),
      ...always,
    },
    grafana: {
      image: LOCAL_IMAGES.grafana,
      environment: {
        // Never admin/admin: compose refuses to start without a password.
        GF_SECURITY_ADMIN_PASSWORD: '${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD to the Grafana admin password}',
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
      },
      volumes: [
        'grafana-data:/var/lib/grafana',
        bundleMount('monitoring/grafana/provisioning/datasources', '/etc/grafana/provisioning/datasources'),
        bundleMount('monitoring/grafana/dashboards/dashboard-config.yml', '/etc/grafana/provisioning/dashboards/dashboard-config.yml'),
        bundleMount('monitoring/grafana/dashboards', '/var/lib/grafana/dashboards'),
      ],
      ports: [port('grafana')],
      // curl is installed in both the Alpine and the Ubuntu variants (grafana/grafana@78515af:Dockerfile, "apk add ... curl" /
      // "apt-get install ... curl"; read at a 2025 commit, UNCONFIRMED at 12.4.10). /api/health answers without a login.
      healthcheck: { test: ['CMD', 'curl', '-fsS', '-o', '/dev/null', 'http://127.0.0.1:3000/api/health'], ...CHECK_TIMING },
      // Not on Jaeger: a trace store that is slow to turn healthy (or down) must not keep the dashboards away; the
      // Jaeger data source is only called when a trace is looked at.
      depends_on: healthy('prometheus', 'alertmanager'),
      ...always,
    },
    'otel-collector': {
      image: LOCAL_IMAGES.collector,
      // The same pinned image and storage rules as on AWS (nothing written
      // outside /home/aoc); the config is mounted read-only where the image's
      // own default config lives (/etc), read with --config=file:.
      command: ['--config=file:/etc/otel-collector.yaml', ...collectorFlags()],
      // Root, here only: Docker writes each container's log 0640 root:root (moby/moby@02e3d3c:
      // daemon/logger/jsonfilelog/jsonfilelog.go, NewLogFile(..., 0640, ...)) in folders under a 0710 root folder
      // (moby/moby@f544812:daemon/daemon.go, NewDaemon: containers folder 0o710), which the image's user (aoc, 4317)
      // can neither list nor read. The collector still writes nothing; the logs are mounted read-only.
      user: '0',
      volumes: [
        bundleMount('monitoring/otel-collector.yaml', '/etc/otel-collector.yaml'),
        // The engine's folder of container logs: ~/.local/share/docker/containers with rootless Docker. A system path,
        // never relabelled for SELinux (docs/local-stack.md says what an SELinux host needs).
        `\${DOCKER_CONTAINERS_DIR:-${DOCKER_CONTAINERS_DIR}}:${DOCKER_CONTAINERS_DIR}:ro`,
      ],
      ports: [port('otlpGrpc'), port('otlpHttp')],
      // The image is FROM scratch with a /healthcheck binary that GETs 127.0.0.1:13133/ (the health_check extension):
      // aws-observability/aws-otel-collector@v0.49.0:cmd/awscollector/Dockerfile and cmd/healthcheck/main.go.
      healthcheck: { test: ['CMD', '/healthcheck', '--port', String(HEALTH_CHECK_PORT)], ...CHECK_TIMING },
      depends_on: healthy('prometheus', 'jaeger'),
      ...always,
    },
    jaeger: {
      image: LOCAL_IMAGES.jaeger,
      // The image declares VOLUME /tmp (jaegertracing/jaeger@v2.20.0:cmd/jaeger/Dockerfile): named, never anonymous.
      volumes: ['jaeger-tmp:/tmp'],
      ports: [port('jaeger')],
      // Without --config it runs the embedded all-in-one configuration (cmd/jaeger/internal/command.go checkConfigAndRun):
      // OTLP on 4317/4318 and healthcheckv2 on :13133/status (cmd/jaeger/internal/all-in-one.yaml), listening on 0.0.0.0
      // (JAEGER_LISTEN_HOST in cmd/jaeger/Dockerfile); Alpine base with busybox wget (scripts/build/docker/base/Dockerfile).
      healthcheck: wgetCheck('http://127.0.0.1:13133/status'),
      ...always,
    },
    loki: {
      image: LOCAL_IMAGES.loki,
      command: ['-config.file=/etc/loki/loki.yaml'],
      volumes: [
        bundleMount('monitoring/loki/loki.yaml', '/etc/loki/loki.yaml'),
        bundleMount(LOKI_RULES, '/etc/loki/rules'),
        // The image declares no VOLUME; /loki is its data folder, owned by its user 10001 (grafana/loki@v3.7.6:
        // cmd/loki/Dockerfile), which a new named volume takes over.
        'loki-data:/loki',
      ],
      ports: [port('loki')],
      // The image is distroless (gcr.io/distroless/static:nonroot: no shell, no wget or curl); the binary checks
      // itself: `loki -health` GETs -health.url and exits 0 on a 200 (cmd/loki/health.go, since #20313). /ready answers
      // 200 once every module is ready.
      healthcheck: {
        test: ['CMD', '/usr/bin/loki', '-health', `-health.url=http://127.0.0.1:${LOCAL_PORTS.loki}/ready`],
        ...CHECK_TIMING,
      },
      // Its ruler notifies Alertmanager, as Prometheus does.
      depends_on: healthy('alertmanager'),
      ...always,
    },
    'alert-sink': {
      ...nodeProgram(['alert-sink.js', '--port', String(LOCAL_PORTS.alertSink)]),
      ports: [port('alertSink')],
      healthcheck: nodeCheck(`http://127.0.0.1:${LOCAL_PORTS.alertSink}/`),
    },
  };
  // The demo profile: the demo emitter as each of the platform's services.
  for (const s of env.services) {
    services[s.name] = {
      ...nodeProgram(['demo-emitter.js', '--catalog', 'metrics.json', '--service', s.name, '--port', String(s.port)]),
      profiles: ['demo'],
      healthcheck: nodeCheck(`http://127.0.0.1:${s.port}/metrics`),
    };
    // Its SDK's OTLP push (a counter and its spans), chained to its producer's by TRACE_CHAIN.
    const source = TRACE_CHAIN[s.name];
    services[otlpEmitterName(s.name)] = {
      ...nodeProgram([
        'otlp-emitter.js',
        ...['--service', s.name, '--otlp', `http://otel-collector:${OTLP_HTTP_PORT}`, '--instance-id', `${s.name}-1`],
        ...['--environment', env.name, '--port', String(MESSAGES_PORT)],
        ...(source ? ['--consume-from', `http://${otlpEmitterName(source)}:${MESSAGES_PORT}`] : []),
      ]),
      profiles: ['demo'],
      healthcheck: nodeCheck(`http://127.0.0.1:${MESSAGES_PORT}/`),
    };
  }
  return {
    services,
    volumes: { 'prometheus-data': {}, 'alertmanager-data': {}, 'grafana-data': {}, 'jaeger-tmp': {}, 'loki-data': {} },
  };
}
