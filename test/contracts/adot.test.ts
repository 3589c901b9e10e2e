import { parse } from 'yaml';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { MetricCatalog } from '../../lib/model/metric-catalog';
import { ADOT_VERSION, HEALTH_CHECK_PORT } from '../../lib/render/collector-image';
import { collectorConfigFragments } from '../../lib/render/collector-fragments';
import { ADOT_TAG, CONTRIB_VERSION, CORE_VERSION, IMAGE, READ_ON, resolvedConfigUris } from './adot';
import { asAdotReadsIt, contractProblems, undefinedReferences } from './adot-checks';
import { BASE_ENVIRONMENTS, catalog, renderVariant, scaleTmp, scaleVariants, variants } from './adot-variants';

const ALL = [...variants(catalog, BASE_ENVIRONMENTS), ...scaleVariants(scaleTmp())];
const base = BASE_ENVIRONMENTS;
const render = renderVariant;

/** Each variant rendered once, for both checks below (tests read it and never change it). */
const renderedVariants = new Map<EnvironmentConfig, ReturnType<typeof render>>();
const renderOnce = (env: EnvironmentConfig, cat: MetricCatalog) => {
  if (!renderedVariants.has(env)) renderedVariants.set(env, render(env, cat));
  return renderedVariants.get(env)!;
};

describe(`the rendered collector configuration against ADOT ${ADOT_TAG} (collector ${CORE_VERSION}, contrib ${CONTRIB_VERSION}; test/contracts/adot.ts, read ${READ_ON})`, () => {
  test('the pinned image is the release the contract was read from', () => {
    expect(ADOT_VERSION).toBe(ADOT_TAG);
    expect(HEALTH_CHECK_PORT).toBe(IMAGE.healthcheck.port);
  });

  test.each(ALL)('%s: components, keys and paths exist in the pinned release', (_, env, cat) => {
    expect(contractProblems(renderOnce(env, cat))).toEqual([]);
  });

  test.each(ALL)('%s: the fragments, as ADOT resolves and merges them, are the whole configuration', (_, env, cat) => {
    const cfg = renderOnce(env, cat);
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

  test('fails when a component is named by its deprecated alias (a warning at every start)', () => {
    const cfg = {
      ...prod,
      exporters: { ...prod.exporters, 'prometheusremotewrite/scraped': prod.exporters['prometheus_remote_write/scraped'] },
    };
    expect(contractProblems(cfg)).toContain(
      `exporters.prometheusremotewrite/scraped: "prometheusremotewrite" is a deprecated alias of "prometheus_remote_write" in ${ADOT_TAG}`,
    );
  });

  test('fails when a key is not in the component config struct', () => {
    const cfg = {
      ...prod,
      exporters: {
        ...prod.exporters,
        'prometheus_remote_write/scraped': { ...prod.exporters['prometheus_remote_write/scraped'], max_samples_per_send: 2000 },
      },
    };
    expect(contractProblems(cfg)).toContain(
      `exporters.prometheus_remote_write/scraped.max_samples_per_send: not a key of prometheus_remote_write in ${ADOT_TAG}`,
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
    const scraped = prod.exporters['prometheus_remote_write/scraped'];
    const cfg = {
      ...prod,
      exporters: {
        ...prod.exporters,
        'prometheus_remote_write/scraped': { ...scraped, retry_on_failure: { ...scraped.retry_on_failure, max_interval: '30s' } },
      },
    };
    expect(contractProblems(cfg)).toContain(
      `exporters.prometheus_remote_write/scraped.retry_on_failure.max_interval: has no effect in prometheus_remote_write (${ADOT_TAG})`,
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
