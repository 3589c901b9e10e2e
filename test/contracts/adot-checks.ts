import { parse } from 'yaml';
import { collectorConfigVariables } from '../../lib/constructs/collector-service';
import {
  ADOT_TAG,
  COMPONENTS,
  DEPRECATED_TYPES,
  IMAGE,
  KeyTree,
  keysFor,
  mergeConfigs,
  PRW_IGNORED_RETRY_KEYS,
  resolvedConfigUris,
  TELEMETRY,
  WRITTEN_PATHS,
} from './adot';

/** Checks of a rendered collector configuration against the facts in ./adot.ts. */

type Config = Record<string, any>;
export const SECTIONS = ['extensions', 'receivers', 'processors', 'exporters'] as const;

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
      const renamed = DEPRECATED_TYPES[type];
      if (renamed && !(section === 'receivers' && type === 'otlp'))
        problems.push(`${section}.${name}: "${type}" is a deprecated alias of "${renamed}" in ${ADOT_TAG}`);
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
  for (const [name, value] of Object.entries<Config>(cfg.exporters ?? {}))
    if (name.split('/')[0] === 'prometheus_remote_write')
      for (const k of PRW_IGNORED_RETRY_KEYS)
        if (value?.retry_on_failure?.[k] !== undefined)
          problems.push(`exporters.${name}.retry_on_failure.${k}: has no effect in prometheus_remote_write (${ADOT_TAG})`);
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
export function undefinedReferences(cfg: Config): string[] {
  const missing: string[] = [];
  for (const e of cfg.service?.extensions ?? []) if (!cfg.extensions?.[e]) missing.push(`extensions.${e}`);
  for (const [p, pipe] of Object.entries<Config>(cfg.service?.pipelines ?? {}))
    for (const section of ['receivers', 'processors', 'exporters'] as const)
      for (const c of pipe[section] ?? []) if (!cfg[section]?.[c]) missing.push(`${p}: ${section}.${c}`);
  return missing;
}
