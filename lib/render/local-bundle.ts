import { stringify as stringifyYaml } from 'yaml';
import { ObservabilityModel } from '../model/model';
import { Routing } from '../model/routing';
import { sloWindowDays } from '../model/slos';
import { MESSAGE_TEMPLATE, renderAlertmanagerConfig, SUBJECT_TEMPLATE } from './alertmanager-config';
import { collectorConfigYaml, OTLP_GRPC_PORT, OTLP_HTTP_PORT, renderCollectorConfig, ADOT_IMAGE } from './collector-config';

/** Images of the local stack, pinned here. */
export const LOCAL_IMAGES = {
  prometheus: 'prom/prometheus:v2.53.2',
  alertmanager: 'prom/alertmanager:v0.27.0',
  grafana: 'grafana/grafana:11.2.2',
  jaeger: 'jaegertracing/all-in-one:1.62.0',
  node: 'node:20-bookworm-slim',
  collector: ADOT_IMAGE,
} as const;

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
  /** The file holding the Slack webhook URL, as Alertmanager sees it. @default /etc/alertmanager/secrets/slack-webhook-url */
  readonly slackWebhookUrlFile?: string;
}

/** Receivers that notify Slack when it is configured (the Watchdog does not). */
const SLACK_RECEIVERS = ['critical', 'warning', 'info'];
const SLACK_URL_PATH = '/etc/alertmanager/secrets/slack-webhook-url';

export const SEED_RETENTION = '15d';

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
 */
export function renderLocalBundle(model: ObservabilityModel, routing: Routing, endpoints: LocalEndpoints = {}): Record<string, string> {
  const env = model.environment;
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
      },
    ),
  );

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
  for (const d of model.dashboards) files[`monitoring/grafana/dashboards/${d.file.replace(/^dashboards\//, '')}`] = d.text;

  files['docker-compose.yml'] = stringifyYaml(compose(model), { lineWidth: 0 });
  return files;
}

function compose(model: ObservabilityModel): Record<string, unknown> {
  const env = model.environment;
  const services: Record<string, unknown> = {
    prometheus: {
      image: LOCAL_IMAGES.prometheus,
      command: [
        '--config.file=/etc/prometheus/prometheus.yml',
        // The seed's 8.1: 15 days locally, unless the SLO window is longer.
        `--storage.tsdb.retention.time=${localRetention(model)}`,
        '--web.enable-remote-write-receiver',
        '--web.enable-lifecycle',
      ],
      volumes: [
        './monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './monitoring/rules:/etc/prometheus/rules:ro',
        'prometheus-data:/prometheus',
      ],
      ports: ['9090:9090'],
    },
    alertmanager: {
      image: LOCAL_IMAGES.alertmanager,
      command: ['--config.file=/etc/alertmanager/alertmanager.yml'],
      volumes: [
        './monitoring/alertmanager:/etc/alertmanager:ro',
        ...(env.alerts.slack
          ? [`\${SLACK_WEBHOOK_URL_FILE:?set SLACK_WEBHOOK_URL_FILE to a file holding the Slack webhook URL}:${SLACK_URL_PATH}:ro`]
          : []),
      ],
      ports: ['9093:9093'],
    },
    grafana: {
      image: LOCAL_IMAGES.grafana,
      environment: {
        // Never admin/admin: compose refuses to start without a password.
        GF_SECURITY_ADMIN_PASSWORD: '${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD to the Grafana admin password}',
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
      },
      volumes: [
        './monitoring/grafana/provisioning/datasources:/etc/grafana/provisioning/datasources:ro',
        './monitoring/grafana/dashboards/dashboard-config.yml:/etc/grafana/provisioning/dashboards/dashboard-config.yml:ro',
        './monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ],
      ports: ['3000:3000'],
      depends_on: ['prometheus'],
    },
    'otel-collector': {
      image: LOCAL_IMAGES.collector,
      command: ['--config=/etc/otel-collector.yaml'],
      volumes: ['./monitoring/otel-collector.yaml:/etc/otel-collector.yaml:ro'],
      ports: [`${OTLP_GRPC_PORT}:${OTLP_GRPC_PORT}`, `${OTLP_HTTP_PORT}:${OTLP_HTTP_PORT}`],
      depends_on: ['prometheus', 'jaeger'],
    },
    jaeger: {
      image: LOCAL_IMAGES.jaeger,
      environment: { COLLECTOR_OTLP_ENABLED: 'true' },
      ports: ['16686:16686'],
    },
    'alert-sink': {
      image: LOCAL_IMAGES.node,
      working_dir: '/app',
      command: ['node', '--import', 'tsx', 'scripts/alert-sink.ts', '--port', '9099'],
      volumes: ['${TRADING_OBSERVABILITY_DIR:-..}:/app:ro'],
      ports: ['9099:9099'],
    },
  };
  // The demo profile: the demo emitter as each of the platform's services.
  for (const s of env.services) {
    services[s.name] = {
      image: LOCAL_IMAGES.node,
      profiles: ['demo'],
      working_dir: '/app',
      command: ['node', '--import', 'tsx', 'scripts/demo-emitter.ts', '--service', s.name, '--port', String(s.port)],
      volumes: ['${TRADING_OBSERVABILITY_DIR:-..}:/app:ro'],
    };
  }
  return { services, volumes: { 'prometheus-data': {} } };
}
