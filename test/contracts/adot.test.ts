import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { loadEnvironment } from '../../lib/config/load-environment';
import { collectorConfigVariables } from '../../lib/constructs/collector-service';
import { loadCatalog, MetricCatalog } from '../../lib/model/metric-catalog';
import { ADOT_VERSION, collectorConfigFragments, HEALTH_CHECK_PORT, renderCollectorConfig } from '../../lib/render/collector-config';
import { writeSyntheticProject } from '../../lib/scale/synthetic-project';
import { ADOT_TAG, COMPONENTS, IMAGE, KeyTree, keysFor, mergeConfigs, resolvedConfigUris, TELEMETRY, WRITTEN_PATHS } from './adot';

const repo = path.resolve(__dirname, '../..');
const catalog = loadCatalog(repo);
const AWS_TO = {
  region: 'eu-west-1',
  ampRemoteWriteUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
  emfLogGroupName: '/app/prod/metrics-emf',
};
const OTLP = { endpoint: 'https://otlp.vendor.example', authHeader: 'api-key', authSecretName: 'vendor/key' };
type Config = Record<string, any>;
const SECTIONS = ['extensions', 'receivers', 'processors', 'exporters'] as const;

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

/** Keys of `value` outside `tree`, as dotted paths. */
function unknownKeys(value: unknown, tree: KeyTree, at: string): string[] {
  if (tree === true || tree === 'map') return [];
  if (Array.isArray(tree)) {
    if (!Array.isArray(value)) return [`${at} (expected a list)`];
    return value.flatMap((item, i) => unknownKeys(item, tree[0], `${at}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at} (expected a map)`];
  const t = tree as Record<string, KeyTree>;
  return Object.entries(value).flatMap(([k, v]) => (k in t ? unknownKeys(v, t[k], `${at}.${k}`) : [`${at}.${k}`]));
}

const at = (obj: unknown, keys: readonly string[]): unknown =>
  keys.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

/** The contract checks, as one list of problems (empty when the config fits the pinned release). */
export function contractProblems(cfg: Config): string[] {
  const problems: string[] = [];
  for (const section of SECTIONS) {
    for (const [name, value] of Object.entries<unknown>(cfg[section] ?? {})) {
      const type = name.split('/')[0];
      if (!(COMPONENTS[section] as readonly string[]).includes(type))
        problems.push(`${section}.${name}: "${type}" is not in ADOT ${ADOT_TAG}`);
      const tree = keysFor(section, type);
      if (!tree) problems.push(`${section}.${name}: no key set in test/contracts/adot.ts for "${type}"`);
      else problems.push(...unknownKeys(value ?? {}, tree, `${section}.${name}`).map((k) => `${k}: not a key of ${type} in ${ADOT_TAG}`));
      for (const w of WRITTEN_PATHS.filter((p) => p.type === type)) {
        const p = at(value, w.path);
        if (typeof p === 'string' && !IMAGE.writableDirs.some((d) => p === d || p.startsWith(`${d}/`)))
          problems.push(
            `${section}.${name}.${w.path.join('.')}: ${p} is not writable by ${IMAGE.user} (only ${IMAGE.writableDirs.join(', ')})`,
          );
      }
    }
  }
  for (const keys of TELEMETRY.deprecatedKeys)
    if (at(cfg.service?.telemetry, keys) !== undefined) problems.push(`service.telemetry.${keys.join('.')} is deprecated`);
  return problems;
}

/** What the collector reads from the fragments as the ECS task delivers them (env vars + --config flags). */
export function asAdotReadsIt(fragments: readonly string[]): Config {
  const vars = collectorConfigVariables(fragments.length);
  const env = Object.fromEntries(vars.map((v, i) => [v, fragments[i]]));
  const uris = resolvedConfigUris(
    env,
    vars.map((v) => `--config=env:${v}`),
  );
  return uris.reduce<unknown>((merged, uri) => {
    const [scheme, name] = uri.split(':');
    if (scheme !== 'env') throw new Error(`unexpected scheme in ${uri}`);
    return mergeConfigs(merged, parse(env[name]));
  }, {}) as Config;
}

/** Every component a pipeline or service.extensions names is defined. */
function undefinedReferences(cfg: Config): string[] {
  const missing: string[] = [];
  for (const e of cfg.service?.extensions ?? []) if (!cfg.extensions?.[e]) missing.push(`extensions.${e}`);
  for (const [p, pipe] of Object.entries<Config>(cfg.service?.pipelines ?? {}))
    for (const section of ['receivers', 'processors', 'exporters'] as const)
      for (const c of pipe[section] ?? []) if (!cfg[section]?.[c]) missing.push(`${p}: ${section}.${c}`);
  return missing;
}

const base = ['local', 'dev', 'staging', 'prod'].map((n) => loadEnvironment(n));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'adot-contract-'));
const scaleRoot = writeSyntheticProject(repo, path.join(tmp, 'p'), { services: 200, dashboards: 0, alertRules: 0 });
const scaleCatalog = loadCatalog(scaleRoot);
const scaleProd = loadEnvironment('prod', { root: scaleRoot });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ALL = [...variants(catalog, base), ...variants(scaleCatalog, [scaleProd], 'scale x200: ')];

describe(`the rendered collector configuration against ADOT ${ADOT_TAG} (test/contracts/adot.ts)`, () => {
  test('the pinned image is the release the contract was read from', () => {
    expect(ADOT_VERSION).toBe(ADOT_TAG);
    expect(HEALTH_CHECK_PORT).toBe(IMAGE.healthcheck.port);
  });

  test.each(ALL)('%s: components, keys and paths exist in the pinned release', (_, env, cat) => {
    expect(contractProblems(render(env, cat))).toEqual([]);
  });

  test.each(ALL)('%s: the fragments, as ADOT resolves and merges them, are the whole configuration', (_, env, cat) => {
    const cfg = render(env, cat);
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
