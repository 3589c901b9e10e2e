import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { parse } from 'yaml';
import { BATCH_POINTS, collectorSizing, OUTAGE_SECONDS } from '../../lib/render/collector-sizing';
import { collectorConfigFragments } from '../../lib/render/collector-fragments';
import { FORBIDDEN_LABELS, renderCollectorConfig } from '../../lib/render/collector-config';
import { PRW } from '../contracts/adot';
import { environmentOf, modelOf } from '../helpers';

const catalog = modelOf().catalog;
const AWS_TO = {
  region: 'eu-west-1',
  ampRemoteWriteUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
  emfLogGroupName: '/app/prod/metrics-emf',
  scalingLogGroupName: '/app/prod/scaling-signals',
};
const render = (env: EnvironmentConfig) => renderCollectorConfig({ environment: env, catalog }, env.target === 'aws' ? AWS_TO : {});
const prod = environmentOf('prod');
const local = environmentOf('local');
/** The environment with other exporters; a collector that scales only with AMP (the schema refuses the others). */
const withExporters = (env: EnvironmentConfig, exporters: Partial<EnvironmentConfig['exporters']>): EnvironmentConfig => ({
  ...env,
  collector: {
    ...env.collector,
    autoScaling: (exporters.metrics ?? env.exporters.metrics) === 'amp' ? env.collector.autoScaling : undefined,
  },
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
      'metrics/scraped': ['prometheus_remote_write/scraped'],
      'metrics/pushed': ['prometheus_remote_write/pushed'],
      'metrics/self': ['prometheus_remote_write/self'],
      // The collector's queue sizes to CloudWatch: its scale-in waits for empty queues (test/stacks/scaling.test.ts).
      'metrics/queue': ['awsemf/scaling'],
      traces: ['awsxray'],
    });
    for (const name of ['prometheus_remote_write/scraped', 'prometheus_remote_write/pushed']) {
      expect(cfg.exporters[name]).toMatchObject({
        endpoint: AWS_TO.ampRemoteWriteUrl,
        auth: { authenticator: 'sigv4auth' },
        retry_on_failure: { enabled: true },
      });
      expect(cfg.exporters[name].wal).toBeUndefined(); // no disk: see renderCollectorConfig
    }
    expect(cfg.extensions.sigv4auth).toEqual({ region: 'eu-west-1', service: 'aps' });
    expect(cfg.service.extensions).toEqual(['health_check', 'sigv4auth']);
    // X-Ray annotations come from span attributes: the traces pipeline sets the indexed one.
    expect(cfg.processors['attributes/xray']).toEqual({ actions: [{ key: 'deployment_environment', value: 'prod', action: 'upsert' }] });
    expect(cfg.service.pipelines.traces.processors).toContain('attributes/xray');
    expect(cfg.exporters.awsxray.indexed_attributes).toContain('deployment_environment');
    expect(cfg.exporters.awsxray.region).toBe('eu-west-1');
  });

  test('local: remote write to local Prometheus without auth, traces to Jaeger, a debug exporter, no AWS components', () => {
    const cfg = render(local);
    expect(exportersOf(cfg)).toEqual({
      'metrics/scraped': ['prometheus_remote_write/scraped'],
      'metrics/pushed': ['prometheus_remote_write/pushed'],
      'metrics/self': ['prometheus_remote_write/self'],
      logs: ['otlp_http/loki'],
      traces: ['otlp_grpc/jaeger', 'debug'],
    });
    expect(cfg.exporters['prometheus_remote_write/scraped'].endpoint).toBe('http://prometheus:9090/api/v1/write');
    expect(cfg.exporters['prometheus_remote_write/scraped'].auth).toBeUndefined();
    expect(cfg.exporters['otlp_grpc/jaeger']).toEqual({ endpoint: 'jaeger:4317', tls: { insecure: true } });
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
      'metrics/scraped': ['otlp_http/vendor'],
      'metrics/pushed': ['otlp_http/vendor'],
      'metrics/self': ['otlp_http/vendor'],
      traces: ['otlp_http/vendor'],
    });
    expect(cfg.exporters['otlp_http/vendor']).toMatchObject({
      endpoint: 'https://otlp.vendor.example',
      headers: { 'api-key': '${env:OTLP_AUTH_HEADER}' },
      sending_queue: { enabled: true, queue_size: 5000 },
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
        if (name === 'metrics/scraped' || name === 'metrics/pushed') {
          expect(p.processors.indexOf('metrics_transform/cardinality')).toBeGreaterThan(0);
          expect(p.processors.indexOf('filter/cardinality')).toBeLessThan(p.processors.indexOf('batch'));
        }
      }
    }
    // Aggregated away, not deleted: each catalog metric keeps only its declared labels.
    const transforms = Object.entries<any>(render(prod).processors)
      .filter(([n]) => n.startsWith('metrics_transform/'))
      .flatMap(([, p]) => p.transforms);
    expect(transforms).toHaveLength(catalog.metrics.length);
    for (const t of transforms) {
      expect(t.operations[0].action).toBe('aggregate_labels');
      for (const l of FORBIDDEN_LABELS) expect(t.operations[0].label_set).not.toContain(l);
    }
    expect(render(prod).processors['filter/cardinality'].metrics.datapoint).toEqual(
      FORBIDDEN_LABELS.map((l) => `attributes["${l}"] != nil`),
    );
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
      result_file: '/home/aoc/ecs_sd_targets.yaml',
      job_label_name: 'prometheus_job',
    });
    expect(ecsCfg.service.extensions).toContain('ecs_observer');
    expect(ecsCfg.receivers.prometheus.config.scrape_configs[1]).toMatchObject({
      job_name: 'celery-worker',
      file_sd_configs: [{ files: ['/home/aoc/ecs_sd_targets.yaml'] }],
      relabel_configs: [
        { source_labels: ['prometheus_job'], regex: 'celery-worker', action: 'keep' },
        { regex: 'prometheus_job', action: 'labeldrop' },
      ],
    });
  });

  test('pushed metrics that are remote-written lose service.namespace (job = service.name, as scraped) and get an instance when the sender sets none', () => {
    for (const env of [prod, withExporters(prod, { metrics: 'amp', traces: 'xray' })]) {
      const cfg = render(env);
      const pushed = cfg.service.pipelines['metrics/pushed'].processors;
      expect(pushed.slice(0, 2)).toEqual(['memory_limiter', 'resource/pushed']);
      expect(cfg.processors['resource/pushed']).toEqual({
        attributes: [
          { key: 'service.namespace', action: 'delete' },
          { key: 'service.instance.id', from_context: 'client.address', action: 'insert' },
        ],
      });
      expect(cfg.service.pipelines['metrics/scraped'].processors).not.toContain('resource/pushed');
    }
    // Exporters that keep resource attributes themselves (EMF dimensions, OTLP) get them unchanged.
    const emf = render(withExporters(prod, { metrics: 'cloudwatch', traces: 'xray' }));
    expect(emf.service.pipelines['metrics/pushed'].processors).not.toContain('resource/pushed');
  });

  test("HA: scraped samples always carry cluster and a per-task __replica__; the collector's own series carry their task", () => {
    const cfg = render(prod);
    expect(cfg.exporters['prometheus_remote_write/scraped'].external_labels).toEqual({
      cluster: 'trading-observability-prod',
      __replica__: '${env:ECS_CONTAINER_METADATA_URI_V4}',
    });
    expect(cfg.exporters['prometheus_remote_write/pushed'].external_labels).toBeUndefined();
    expect(cfg.service.pipelines['metrics/pushed'].receivers).toEqual(['otlp']);
    expect(cfg.service.pipelines['metrics/self'].receivers).toEqual(['prometheus/self', 'awsecscontainermetrics']);
    expect(cfg.service.pipelines['metrics/self'].processors).toContain('resource_detection/self');
    expect(cfg.exporters['prometheus_remote_write/self'].resource_to_telemetry_conversion).toEqual({ enabled: true });
    // The ecs detector (the collector's own task) never touches application telemetry.
    for (const p of ['metrics/scraped', 'metrics/pushed', 'traces'])
      expect(cfg.service.pipelines[p].processors.join()).not.toMatch(/resource_detection/);
    // A rolling deployment runs two tasks even with one replica.
    const single = render({ ...prod, collector: { ...prod.collector, replicas: 1 } });
    expect(single.exporters['prometheus_remote_write/scraped'].external_labels.__replica__).toBeDefined();
  });

  test('sizes memory_limiter and the queue from the task and the catalog', () => {
    const sizing = collectorSizing({ environment: prod, catalog }, 2048);
    expect(sizing.series).toBe(catalog.estimateSeries());
    expect(render(prod).processors.memory_limiter).toEqual({ check_interval: '1s', limit_mib: 1638, spike_limit_mib: 409 });
    // 5 minutes of data points at 15 s fit in the queue's batches of BATCH_POINTS: the queue counts requests
    // (batches), not points, in the pinned exporter (PRW.queueSizer, test/contracts/adot.ts).
    expect(PRW.queueSizer).toBe('requests');
    expect(sizing.queueSize * BATCH_POINTS).toBeGreaterThanOrEqual(sizing.series * 20);
    // One push keeps retrying through the outage: the exporter's retries stop at its timeout (PRW.retryBoundedByTimeout),
    // whose default of PRW.defaultTimeoutSeconds would drop a batch within seconds of an outage.
    expect(PRW.retryBoundedByTimeout).toBe(true);
    const prw = render(prod).exporters['prometheus_remote_write/scraped'];
    expect(Number.parseInt(prw.timeout, 10)).toBeGreaterThan(OUTAGE_SECONDS);
    expect(OUTAGE_SECONDS).toBeGreaterThan(PRW.defaultTimeoutSeconds);
    expect(prw.timeout).toBe(`${OUTAGE_SECONDS + 60}s`);
    expect(prw.retry_on_failure.max_elapsed_time).toBe(`${OUTAGE_SECONDS + 60}s`);
    expect(prw.remote_write_queue.queue_size).toBe(sizing.queueSize);
    expect(render(prod).processors.batch.send_batch_max_size).toBe(BATCH_POINTS);
  });

  test('apart from exporters, auth and discovery, AWS and local render the same configuration', () => {
    const normalize = (cfg: Record<string, any>) => {
      const c = JSON.parse(JSON.stringify(cfg));
      // Allowed differences, and nothing else:
      delete c.exporters; // where data goes
      for (const p of Object.values<any>(c.service.pipelines)) {
        delete p.exporters;
        p.receivers = p.receivers.filter((r: string) => r !== 'awsecscontainermetrics'); // the ECS task's own metrics
        p.processors = p.processors.filter((r: string) => !['resource_detection/self', 'attributes/xray'].includes(r)); // ECS metadata, X-Ray annotation
      }
      delete c.service.pipelines.traces?.exporters;
      c.service.extensions = c.service.extensions.filter((e: string) => !['sigv4auth', 'ecs_observer'].includes(e)); // auth, discovery
      delete c.extensions.sigv4auth;
      delete c.extensions.ecs_observer;
      delete c.receivers.awsecscontainermetrics;
      delete c.processors['resource_detection/self']; // ECS metadata
      delete c.processors['attributes/xray']; // X-Ray annotation
      c.processors.resource.attributes[0].value = 'ENV'; // deployment.environment
      // Auto scaling, AWS only: the collector's queue sizes (and any platform signal) to CloudWatch.
      for (const p of ['metrics/queue', 'metrics/scaling']) delete c.service.pipelines[p];
      for (const p of ['filter/queue', 'filter/scaling', 'resource/scaling', 'cumulativetodelta/scaling']) delete c.processors[p];
      // The containers' logs, locally (on AWS the tasks' log driver sends them to CloudWatch Logs).
      delete c.service.pipelines.logs;
      delete c.receivers.file_log;
      for (const job of c.receivers.prometheus.config.scrape_configs)
        for (const k of ['static_configs', 'dns_sd_configs', 'file_sd_configs', 'relabel_configs']) delete job[k]; // discovery
      return c;
    };
    expect(normalize(render(prod))).toEqual(normalize(render(local)));
  });

  test("local: the compose services' container logs to Loki (file_log, OTLP/HTTP); AWS has no logs pipeline", () => {
    const cfg = render(local);
    expect(cfg.service.pipelines.logs).toEqual({
      receivers: ['file_log'],
      processors: ['memory_limiter', 'resource', 'batch'],
      exporters: ['otlp_http/loki'],
    });
    expect(cfg.exporters['otlp_http/loki']).toEqual({
      endpoint: 'http://loki:3100/otlp',
      retry_on_failure: { enabled: true, max_elapsed_time: '5m' },
      sending_queue: { enabled: true, queue_size: 1000 },
    });
    const receiver = cfg.receivers.file_log;
    expect(receiver).toMatchObject({ include: ['/var/lib/docker/containers/*/*-json.log'], start_at: 'end', include_file_name: false });
    const ops = Object.fromEntries(receiver.operators.map((o: { id: string }) => [o.id, o]));
    // Only the platform's services and their OTLP emitters (the same service.name), by the compose service in attrs.
    expect(ops.platform.expr).toBe(
      'attributes.attrs?.["com.docker.compose.service"] not in ' +
        '["backend","otlp-backend","celery-worker","otlp-celery-worker","signal-generator","otlp-signal-generator","trigger-dispatcher","otlp-trigger-dispatcher"]',
    );
    expect(ops['service-name']).toMatchObject({ field: 'resource["service.name"]' });
    expect(ops.structlog.trace).toEqual({
      trace_id: { parse_from: 'attributes.structlog.trace_id' },
      span_id: { parse_from: 'attributes.structlog.span_id' },
    });
    for (const env of [prod, withExporters(prod, { metrics: 'otlp', traces: 'otlp' })]) {
      expect(render(env).service.pipelines.logs).toBeUndefined();
      expect(render(env).receivers.file_log).toBeUndefined();
    }
  });

  test('at 45 services, fragments of whole components under the SSM size that merge back into the whole', () => {
    const many = { ...prod, services: Array.from({ length: 45 }, (_, i) => ({ name: `svc-${i}`, port: 8001, path: '/metrics' })) };
    const cfg = render(many);
    expect(cfg.service.pipelines['metrics/scraped'].receivers).toEqual(['prometheus', 'prometheus/2', 'prometheus/3', 'prometheus/4']);
    const fragments = collectorConfigFragments(cfg);
    expect(fragments.length).toBeGreaterThan(1);
    for (const f of fragments) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(7000);
    // No component is split across fragments, so a plain key-wise merge gives the whole back.
    const merged = fragments
      .map((f) => parse(f))
      .reduce((acc, f) => {
        const out = { ...acc };
        for (const [k, v] of Object.entries<any>(f)) out[k] = k === 'service' ? v : { ...(acc[k] ?? {}), ...v };
        return out;
      }, {} as any);
    expect(merged).toEqual(JSON.parse(JSON.stringify(cfg)));
  });

  test('where the configuration is cut depends on the configuration, not on how many tokens the app made before it', () => {
    // The stack renders with CDK tokens for deploy-time values; a token's placeholder (`${Token[TOKEN.123]}`)
    // grows with the app's token count. Here two extremes of that length.
    const services = Array.from({ length: 45 }, (_, i) => ({ name: `svc-${i}`, port: 8001, path: '/metrics' }));
    const withToken = (n: string) =>
      renderCollectorConfig({ environment: { ...prod, services }, catalog }, { ...AWS_TO, ampRemoteWriteUrl: `\${Token[TOKEN.${n}]}` });
    const cuts = (n: string) => collectorConfigFragments(withToken(n)).map((f) => f.replace(/\$\{Token\[[^\]]+\]\}/g, 'T').length);
    expect(cuts('7')).toEqual(cuts('9'.repeat(400)));
  });

  test('fails when an AWS exporter lacks its destination', () => {
    expect(() => renderCollectorConfig({ environment: prod, catalog }, { region: 'eu-west-1' })).toThrow('"ampRemoteWriteUrl" is required');
  });
});
