import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadCatalog } from '../../lib/model/metric-catalog';
import { parse } from 'yaml';
import { collectorConfigFragments, collectorSizing, FORBIDDEN_LABELS, renderCollectorConfig } from '../../lib/render/collector-config';
import * as path from 'path';

const catalog = loadCatalog(path.resolve(__dirname, '../..'));
const AWS_TO = {
  region: 'eu-west-1',
  ampRemoteWriteUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
  emfLogGroupName: '/app/prod/metrics-emf',
};
const render = (env: EnvironmentConfig) => renderCollectorConfig({ environment: env, catalog }, env.target === 'aws' ? AWS_TO : {});
const prod = loadEnvironment('prod');
const local = loadEnvironment('local');
const withExporters = (env: EnvironmentConfig, exporters: Partial<EnvironmentConfig['exporters']>): EnvironmentConfig => ({
  ...env,
  exporters: {
    ...env.exporters,
    otlp: { endpoint: 'https://otlp.vendor.example', authHeader: 'api-key', authSecretName: 'vendor/key' },
    ...exporters,
  },
});
const exportersOf = (cfg: Record<string, any>) =>
  Object.fromEntries(Object.entries<any>(cfg.service.pipelines).map(([name, p]) => [name, p.exporters]));

describe('collector configuration', () => {
  test('prod: metrics to AMP with SigV4 through two remote-write exporters, traces to X-Ray', () => {
    const cfg = render(prod);
    expect(exportersOf(cfg)).toEqual({
      'metrics/scraped': ['prometheusremotewrite/scraped'],
      'metrics/pushed': ['prometheusremotewrite/pushed'],
      traces: ['awsxray'],
    });
    for (const name of ['prometheusremotewrite/scraped', 'prometheusremotewrite/pushed']) {
      expect(cfg.exporters[name]).toMatchObject({
        endpoint: AWS_TO.ampRemoteWriteUrl,
        auth: { authenticator: 'sigv4auth' },
        retry_on_failure: { enabled: true },
      });
      expect(cfg.exporters[name].wal.directory).toMatch(/^\/var\/lib\/otelcol\/wal-/);
    }
    expect(cfg.extensions.sigv4auth).toEqual({ region: 'eu-west-1', service: 'aps' });
    expect(cfg.service.extensions).toEqual(['health_check', 'file_storage', 'sigv4auth']);
    expect(cfg.exporters.awsxray.region).toBe('eu-west-1');
  });

  test('local: remote write to local Prometheus without auth, traces to Jaeger, a debug exporter, no AWS components', () => {
    const cfg = render(local);
    expect(exportersOf(cfg)).toEqual({
      'metrics/scraped': ['prometheusremotewrite/scraped'],
      'metrics/pushed': ['prometheusremotewrite/pushed'],
      traces: ['otlp/jaeger', 'debug'],
    });
    expect(cfg.exporters['prometheusremotewrite/scraped'].endpoint).toBe('http://prometheus:9090/api/v1/write');
    expect(cfg.exporters['prometheusremotewrite/scraped'].auth).toBeUndefined();
    expect(cfg.exporters['otlp/jaeger']).toEqual({ endpoint: 'jaeger:4317', tls: { insecure: true } });
    expect(JSON.stringify(cfg)).not.toMatch(/sigv4|awsxray|awsemf|awsecscontainermetrics|ecs_observer/);
  });

  test('metrics to CloudWatch use awsemf in both metric pipelines', () => {
    const cfg = render(withExporters(prod, { metrics: 'cloudwatch' }));
    expect(exportersOf(cfg)['metrics/scraped']).toEqual(['awsemf']);
    expect(exportersOf(cfg)['metrics/pushed']).toEqual(['awsemf']);
    expect(cfg.exporters.awsemf).toMatchObject({
      region: 'eu-west-1',
      namespace: 'TradingPlatform/prod',
      log_group_name: '/app/prod/metrics-emf',
    });
    expect(cfg.extensions.sigv4auth).toBeUndefined();
  });

  test('metrics and traces to an OTLP vendor share one exporter whose auth header comes from the environment', () => {
    const cfg = render(withExporters(prod, { metrics: 'otlp', traces: 'otlp' }));
    expect(exportersOf(cfg)).toEqual({
      'metrics/scraped': ['otlphttp/vendor'],
      'metrics/pushed': ['otlphttp/vendor'],
      traces: ['otlphttp/vendor'],
    });
    expect(cfg.exporters['otlphttp/vendor']).toMatchObject({
      endpoint: 'https://otlp.vendor.example',
      headers: { 'api-key': '${env:OTLP_AUTH_HEADER}' },
      sending_queue: { enabled: true, storage: 'file_storage' },
    });
  });

  test('traces "none" removes the traces pipeline', () => {
    const cfg = render(withExporters(prod, { traces: 'none' }));
    expect(cfg.service.pipelines.traces).toBeUndefined();
    expect(cfg.exporters.awsxray).toBeUndefined();
  });

  test('memory_limiter runs first and the cardinality guard before any export, in every pipeline', () => {
    for (const env of [prod, local]) {
      for (const [name, p] of Object.entries<any>(render(env).service.pipelines)) {
        expect({ name, first: p.processors[0] }).toEqual({ name, first: 'memory_limiter' });
        if (name.startsWith('metrics')) expect(p.processors.indexOf('attributes/cardinality')).toBeLessThan(p.processors.indexOf('batch'));
      }
    }
    expect(render(prod).processors['attributes/cardinality'].actions.map((a: { key: string }) => a.key)).toEqual([...FORBIDDEN_LABELS]);
    expect(render(prod).processors.resource.attributes).toEqual([{ key: 'deployment.environment', value: 'prod', action: 'upsert' }]);
  });

  test('one scrape job per service, named as the service, at the environment interval', () => {
    for (const env of [prod, local]) {
      const jobs = render(env).receivers.prometheus.config.scrape_configs;
      expect(jobs.map((j: { job_name: string }) => j.job_name)).toEqual([
        'backend',
        'celery-worker',
        'signal-generator',
        'trigger-dispatcher',
      ]);
      expect(jobs.every((j: { scrape_interval: string }) => j.scrape_interval === '15s')).toBe(true);
    }
  });

  test('discovery: compose names locally, Cloud Map A records with dns, ecs_observer with ecs', () => {
    expect(render(local).receivers.prometheus.config.scrape_configs[0].static_configs).toEqual([{ targets: ['backend:8001'] }]);
    expect(render(prod).receivers.prometheus.config.scrape_configs[0].dns_sd_configs).toEqual([
      { names: ['backend.trading.internal'], type: 'A', port: 8001, refresh_interval: '30s' },
    ]);
    const ecsCfg = render({ ...prod, discovery: { mode: 'ecs', clusterName: 'trading', serviceLabel: 'com.trading.service' } });
    expect(ecsCfg.extensions.ecs_observer).toMatchObject({
      cluster_name: 'trading',
      cluster_region: 'eu-west-1',
      result_file: '/tmp/ecs_sd_targets.yaml',
    });
    expect(ecsCfg.service.extensions).toContain('ecs_observer');
    expect(ecsCfg.receivers.prometheus.config.scrape_configs[1]).toMatchObject({
      job_name: 'celery-worker',
      file_sd_configs: [{ files: ['/tmp/ecs_sd_targets.yaml'] }],
      relabel_configs: [{ source_labels: ['job'], regex: 'celery-worker', action: 'keep' }],
    });
  });

  test('HA: with two replicas only scraped samples carry cluster and __replica__ for AMP deduplication', () => {
    const cfg = render(prod);
    expect(prod.collector.replicas).toBe(2);
    expect(cfg.exporters['prometheusremotewrite/scraped'].external_labels).toEqual({
      cluster: 'trading-observability-prod',
      __replica__: '${env:HOSTNAME}',
    });
    expect(cfg.exporters['prometheusremotewrite/pushed'].external_labels).toBeUndefined();
    expect(cfg.service.pipelines['metrics/pushed'].receivers).toEqual(['otlp', 'prometheus/self', 'awsecscontainermetrics']);
    const single = render({ ...prod, collector: { ...prod.collector, replicas: 1 } });
    expect(single.exporters['prometheusremotewrite/scraped'].external_labels).toBeUndefined();
  });

  test('sizes memory_limiter and the queue from the task and the catalog', () => {
    const sizing = collectorSizing({ environment: prod, catalog }, 2048);
    expect(sizing.series).toBe(catalog.estimateSeries());
    expect(render(prod).processors.memory_limiter).toEqual({ check_interval: '1s', limit_mib: 1638, spike_limit_mib: 409 });
    // 5 minutes of samples at 15 s fit in the queue's requests.
    expect(sizing.queueSize * sizing.maxSamplesPerSend).toBeGreaterThanOrEqual(sizing.series * 20);
  });

  test('apart from exporters, auth and discovery, AWS and local render the same configuration', () => {
    const normalize = (cfg: Record<string, any>) => {
      const c = JSON.parse(JSON.stringify(cfg));
      // Allowed differences, and nothing else:
      delete c.exporters; // where data goes
      for (const p of Object.values<any>(c.service.pipelines)) {
        delete p.exporters;
        p.receivers = p.receivers.filter((r: string) => r !== 'awsecscontainermetrics'); // the ECS task's own metrics
      }
      delete c.service.pipelines.traces?.exporters;
      c.service.extensions = c.service.extensions.filter((e: string) => !['sigv4auth', 'ecs_observer'].includes(e)); // auth, discovery
      delete c.extensions.sigv4auth;
      delete c.extensions.ecs_observer;
      delete c.receivers.awsecscontainermetrics;
      c.processors.resourcedetection.detectors = c.processors.resourcedetection.detectors.filter((d: string) => d !== 'ecs'); // ECS metadata
      c.processors.resource.attributes[0].value = 'ENV'; // deployment.environment
      for (const job of c.receivers.prometheus.config.scrape_configs)
        for (const k of ['static_configs', 'dns_sd_configs', 'file_sd_configs', 'relabel_configs']) delete job[k]; // discovery
      return c;
    };
    expect(normalize(render(prod))).toEqual(normalize(render(local)));
  });

  test('one fragment for the four services; at 45 services, fragments that merge back into the whole', () => {
    expect(collectorConfigFragments(render(prod))).toHaveLength(1);
    const many = { ...prod, services: Array.from({ length: 45 }, (_, i) => ({ name: `svc-${i}`, port: 8001, path: '/metrics' })) };
    const cfg = render(many);
    expect(cfg.service.pipelines['metrics/scraped'].receivers).toEqual(['prometheus', 'prometheus/2', 'prometheus/3']);
    const fragments = collectorConfigFragments(cfg);
    expect(fragments).toHaveLength(4);
    for (const f of fragments) expect(Buffer.byteLength(f)).toBeLessThan(7000);
    const merged = fragments
      .map((f) => parse(f))
      .reduce((acc, f) => ({ ...acc, ...f, receivers: { ...acc.receivers, ...f.receivers } }), {} as any);
    expect(merged).toEqual(JSON.parse(JSON.stringify(cfg)));
  });

  test('fails when an AWS exporter lacks its destination', () => {
    expect(() => renderCollectorConfig({ environment: prod, catalog }, { region: 'eu-west-1' })).toThrow('"ampRemoteWriteUrl" is required');
  });
});
