import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { loadEnvironment } from '../../lib/config/load-environment';
import { loadCatalog, MetricCatalog } from '../../lib/model/metric-catalog';
import { ADOT_VERSION, HEALTH_CHECK_PORT } from '../../lib/render/collector-image';
import { collectorConfigFragments } from '../../lib/render/collector-fragments';
import { renderCollectorConfig } from '../../lib/render/collector-config';
import { writeSyntheticProject } from '../../lib/scale/synthetic-project';
import { ADOT_TAG, CONTRIB_VERSION, CORE_VERSION, IMAGE, READ_ON, resolvedConfigUris } from './adot';
import { asAdotReadsIt, contractProblems, undefinedReferences } from './adot-checks';

const repo = path.resolve(__dirname, '../..');
const catalog = loadCatalog(repo);
const AWS_TO = {
  region: 'eu-west-1',
  ampRemoteWriteUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
  emfLogGroupName: '/app/prod/metrics-emf',
};
const OTLP = { endpoint: 'https://otlp.vendor.example', authHeader: 'api-key', authSecretName: 'vendor/key' };

/** Every environment, every exporter combination it allows, both AWS discovery modes. */
function variants(cat: MetricCatalog, envs: EnvironmentConfig[], label = ''): [string, EnvironmentConfig, MetricCatalog][] {
  const out: [string, EnvironmentConfig, MetricCatalog][] = [];
  for (const env of envs) {
    const aws = env.target === 'aws';
    const metrics = aws ? (['amp', 'cloudwatch', 'otlp'] as const) : (['prometheus', 'otlp'] as const);
    const traces = aws ? (['xray', 'otlp', 'none'] as const) : (['jaeger', 'otlp', 'none'] as const);
    const discoveries: EnvironmentConfig['discovery'][] = aws
      ? [env.discovery, { mode: 'ecs', clusterName: 'platform', serviceLabel: 'com.trading.service' }]
      : [env.discovery];
    for (const m of metrics)
      for (const t of traces)
        for (const d of discoveries) {
          const variant: EnvironmentConfig = {
            ...env,
            discovery: d,
            collector: { ...env.collector, replicas: m === 'amp' ? env.collector.replicas : 1 },
            exporters: { ...env.exporters, metrics: m, traces: t, otlp: OTLP },
          };
          out.push([`${label}${env.name} metrics=${m} traces=${t} discovery=${d.mode}`, variant, cat]);
        }
  }
  return out;
}

const render = (env: EnvironmentConfig, cat: MetricCatalog) =>
  renderCollectorConfig({ environment: env, catalog: cat }, env.target === 'aws' ? AWS_TO : {});

/** Each variant rendered once, for both checks below (tests read it and never change it). */
const renderedVariants = new Map<EnvironmentConfig, ReturnType<typeof render>>();
const renderVariant = (env: EnvironmentConfig, cat: MetricCatalog) => {
  if (!renderedVariants.has(env)) renderedVariants.set(env, render(env, cat));
  return renderedVariants.get(env)!;
};

const base = ['local', 'dev', 'staging', 'prod'].map((n) => loadEnvironment(n));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'adot-contract-'));
const scaleRoot = writeSyntheticProject(repo, path.join(tmp, 'p'), { services: 200, dashboards: 0, alertRules: 0 }, { linkCode: true });
const scaleCatalog = loadCatalog(scaleRoot);
const scaleProd = loadEnvironment('prod', { root: scaleRoot });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// At 200 services what changes is the size of the scrape configuration and of the catalog's processors, so the
// fragments: every metrics exporter and both discovery modes (the trace exporters add small components, and every
// combination of them is covered at the real size above).
const SCALE = variants(scaleCatalog, [scaleProd], 'scale x200: ').filter(([, v]) => v.exporters.traces === scaleProd.exporters.traces);
const ALL = [...variants(catalog, base), ...SCALE];

describe(`the rendered collector configuration against ADOT ${ADOT_TAG} (collector ${CORE_VERSION}, contrib ${CONTRIB_VERSION}; test/contracts/adot.ts, read ${READ_ON})`, () => {
  test('the pinned image is the release the contract was read from', () => {
    expect(ADOT_VERSION).toBe(ADOT_TAG);
    expect(HEALTH_CHECK_PORT).toBe(IMAGE.healthcheck.port);
  });

  test.each(ALL)('%s: components, keys and paths exist in the pinned release', (_, env, cat) => {
    expect(contractProblems(renderVariant(env, cat))).toEqual([]);
  });

  test.each(ALL)('%s: the fragments, as ADOT resolves and merges them, are the whole configuration', (_, env, cat) => {
    const cfg = renderVariant(env, cat);
    const fragments = collectorConfigFragments(cfg);
    for (const f of fragments) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(8192);
    const read = asAdotReadsIt(fragments);
    expect(read).toEqual(JSON.parse(JSON.stringify(cfg)));
    expect(undefinedReferences(read)).toEqual([]);
  });
});

describe('the contract checks fail on what the pinned release would refuse', () => {
  const prod = render(base[3], catalog);

  test('fails when a component is not compiled into ADOT', () => {
    const cfg = { ...prod, processors: { ...prod.processors, transform: { metric_statements: [] } } };
    expect(contractProblems(cfg)).toContain(`processors.transform: "transform" is not in ADOT ${ADOT_TAG}`);
  });

  test('fails when a key is not in the component config struct', () => {
    const cfg = {
      ...prod,
      exporters: {
        ...prod.exporters,
        'prometheusremotewrite/scraped': { ...prod.exporters['prometheusremotewrite/scraped'], max_samples_per_send: 2000 },
      },
    };
    expect(contractProblems(cfg)).toContain(
      `exporters.prometheusremotewrite/scraped.max_samples_per_send: not a key of prometheusremotewrite in ${ADOT_TAG}`,
    );
  });

  test('fails when a path is not writable by the image user', () => {
    const cfg = {
      ...prod,
      extensions: { ...prod.extensions, file_storage: { directory: '/var/lib/otelcol/queue', create_directory: true } },
    };
    expect(contractProblems(cfg)).toContain(
      'extensions.file_storage.directory: /var/lib/otelcol/queue is not writable by aoc (only /home/aoc)',
    );
  });

  test('fails when the configuration uses the deprecated telemetry address', () => {
    const cfg = { ...prod, service: { ...prod.service, telemetry: { metrics: { address: '0.0.0.0:8888' } } } };
    expect(contractProblems(cfg)).toContain('service.telemetry.metrics.address is deprecated');
  });

  test('fails when the remote-write retry sets max_interval, which the exporter ignores', () => {
    const scraped = prod.exporters['prometheusremotewrite/scraped'];
    const cfg = {
      ...prod,
      exporters: {
        ...prod.exporters,
        'prometheusremotewrite/scraped': { ...scraped, retry_on_failure: { ...scraped.retry_on_failure, max_interval: '30s' } },
      },
    };
    expect(contractProblems(cfg)).toContain(
      `exporters.prometheusremotewrite/scraped.retry_on_failure.max_interval: has no effect in prometheusremotewrite (${ADOT_TAG})`,
    );
  });

  test('fails when fragments are delivered as AOT_CONFIG_CONTENT*: ADOT reads only the first', () => {
    const fragments = collectorConfigFragments(prod);
    expect(fragments.length).toBeGreaterThan(1);
    const env = Object.fromEntries(fragments.map((f, i) => [i === 0 ? 'AOT_CONFIG_CONTENT' : `AOT_CONFIG_CONTENT_${i + 1}`, f]));
    const uris = resolvedConfigUris(
      env,
      Object.keys(env).map((v) => `--config=env:${v}`),
    );
    expect(uris).toEqual(['env:AOT_CONFIG_CONTENT']);
    expect(undefinedReferences(parse(fragments[0])).length).toBeGreaterThan(0);
  });
});
