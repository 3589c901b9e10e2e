/**
 * The real collector (built by `bash tools/build.sh` from ADOT v0.49.0's
 * component set at contrib/core v0.156.0: tools/collector/builder-config.yaml)
 * validates every configuration we render, passed exactly as the ECS task
 * passes it: the fragments as OTEL_CONFIG_PART_n environment variables, one
 * `--config=env:…` flag each, the task's feature gates, and the environment
 * ECS sets. Components the Go module proxy cannot give us
 * (NOT_BUILT_HERE in test/contracts/adot.ts) are taken out of the fragment
 * that defines them, and out of the pipelines naming them, before the binary
 * reads it; those stay checked against the contract only.
 */
import { spawn, spawnSync } from 'child_process';
import { parse, stringify } from 'yaml';
import { collectorConfigFragments } from '../../lib/render/collector-fragments';
import { collectorFlags } from '../../lib/render/collector-image';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { COMPONENT_KEYS, COMPONENTS, GATED_EXPORTERS, KeyTree } from '../contracts/adot';
import { collector, notBuilt, Section, SECTIONS, TASK_ENV, taskArgs, taskEnvironment, validate } from './collector-binary';
import { BASE_ENVIRONMENTS, catalog, renderVariant, scaleTmp, scaleVariants, variants } from '../contracts/adot-variants';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compile } from '../../lib/compile/compile';
import { baseFiles } from '../helpers';

const ALL = [...variants(catalog, BASE_ENVIRONMENTS), ...scaleVariants(scaleTmp())];

describe('the real collector validates every configuration we render', () => {
  test.each(ALL)('%s: valid, exactly as the task passes it, with no warning', (_, env, cat) => {
    const result = validate(collectorConfigFragments(renderVariant(env, cat)));
    expect(result).toEqual({ status: 0, output: '' });
  });

  test("the local bundle's collector configuration, as compose mounts it (--config=file:)", () => {
    const model = compile(baseFiles, BASE_ENVIRONMENTS[0]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'collector-local-')), 'otel-collector.yaml');
    fs.writeFileSync(file, renderLocalBundle(model, {})['monitoring/otel-collector.yaml']);
    const r = spawnSync(collector, ['validate', `--config=file:${file}`, ...collectorFlags()], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect({ status: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});

/** Starts the collector as the task does, until it says it is ready; everything it printed until then. */
function startUntilReady(fragments: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(collector, taskArgs(fragments), { env: taskEnvironment(fragments), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`not ready in 30 s:\n${out.slice(-3000)}`));
    }, 30_000);
    const read = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Everything is ready') && p.exitCode === null && !p.killed) {
        clearTimeout(timer);
        // Resolved once it has exited: the next start binds the same ports.
        p.once('exit', () => resolve(out));
        p.kill('SIGTERM');
      }
    };
    p.stdout.on('data', read);
    p.stderr.on('data', read);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('Everything is ready')) reject(new Error(`exited with ${code} before ready:\n${out.slice(-3000)}`));
    });
  });
}

describe('the collector starts on each deployed configuration with no warning (a deprecated name warns only at start)', () => {
  test.each(BASE_ENVIRONMENTS.map((e) => [e.name, e] as const))(
    '%s',
    async (_, env) => {
      const out = await startUntilReady(collectorConfigFragments(renderVariant(env, catalog)));
      expect(out.split('\n').filter((l) => /\t(warn|error)\t/.test(l))).toEqual([]);
    },
    40_000,
  );

  test('fails when a component is named by its deprecated alias', async () => {
    const cfg = structuredClone(renderVariant(BASE_ENVIRONMENTS[3], catalog));
    cfg.exporters.prometheusremotewrite = cfg.exporters['prometheus_remote_write/self'];
    cfg.service.pipelines['metrics/self'].exporters = ['prometheusremotewrite'];
    const out = await startUntilReady(collectorConfigFragments(cfg));
    expect(out).toMatch(/\twarn\t.*"prometheusremotewrite" alias is deprecated; use "prometheus_remote_write" instead/);
  }, 40_000);
});

describe('the binary answers what the contract read from ADOT', () => {
  const listed = parse(spawnSync(collector, ['components'], { encoding: 'utf8' }).stdout) as Record<string, { name: string }[]>;

  test.each(SECTIONS)("%s: the build has exactly ADOT's components, less NOT_BUILT_HERE", (section) => {
    const built = listed[section]
      .map((c) => c.name)
      .filter((c) => section !== 'exporters' || !(GATED_EXPORTERS as readonly string[]).includes(c));
    expect(built.sort()).toEqual(COMPONENTS[section].filter((c) => !notBuilt(section, c)).sort());
  });
});

/** Every key a contract key tree allows, each set to null: decoding then names any key the binary does not know. */
function everyKey(tree: KeyTree): unknown {
  if (tree === true || tree === 'map') return null;
  if (Array.isArray(tree)) return [everyKey((tree as readonly [KeyTree])[0])];
  return Object.fromEntries(Object.entries(tree as Record<string, KeyTree>).map(([k, t]) => [k, everyKey(t)]));
}

/** The section and type a COMPONENT_KEYS entry describes (`otlp/exporter` is the OTLP exporter's set). */
function placeOf(entry: string): [Section, string] {
  if (entry === 'otlp/exporter') return ['exporters', 'otlp_grpc'];
  return [SECTIONS.find((sec) => (COMPONENTS[sec] as readonly string[]).includes(entry))!, entry];
}

/** The binary's complaint about unknown keys when it decodes one component with `value`, or '' if none. */
function unknownKeys(section: Section, type: string, value: unknown): string {
  const r = spawnSync(collector, ['validate', '--config=env:ONE'], {
    env: { PATH: process.env.PATH, ...TASK_ENV, ONE: stringify({ [section]: { [type]: value } }) },
    encoding: 'utf8',
  });
  return /has invalid keys: .*/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? '';
}

const KEYED = Object.keys(COMPONENT_KEYS)
  .map((entry) => [entry, ...placeOf(entry)] as const)
  .filter(([, section, type]) => !notBuilt(section, type));

describe("the contract's key sets, for the components built here, hold no key the binary does not know", () => {
  test.each(KEYED)('%s', (entry, section, type) => {
    expect(unknownKeys(section, type, everyKey(COMPONENT_KEYS[entry].keys))).toBe('');
  });

  test('fails when the key set holds a key the component does not have', () => {
    expect(unknownKeys('processors', 'batch', { ...(everyKey(COMPONENT_KEYS.batch.keys) as object), max_batch_points: null })).toBe(
      'has invalid keys: max_batch_points',
    );
  });
});

describe('the validation fails on what the collector refuses', () => {
  const prod = renderVariant(BASE_ENVIRONMENTS[3], catalog);

  test('fails when a key is not in a component config struct', () => {
    const cfg = structuredClone(prod);
    cfg.exporters['prometheus_remote_write/scraped'].max_samples_per_send = 2000;
    const r = validate(collectorConfigFragments(cfg));
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('has invalid keys: max_samples_per_send');
  });

  test('fails when a pipeline names a component that is not defined', () => {
    const cfg = structuredClone(prod);
    cfg.service.pipelines['metrics/pushed'].processors.push('batch/missing');
    const r = validate(collectorConfigFragments(cfg));
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('batch/missing');
  });
});
