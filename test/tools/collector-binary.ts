/**
 * The collector built by `bash tools/build.sh` (tools/collector/builder-config.yaml), run on our
 * configurations exactly as the ECS task passes them. Shared by the validation and start tests.
 */
import { spawnSync } from 'child_process';
import { parse, stringify } from 'yaml';
import { collectorConfigVariables } from '../../lib/constructs/collector-service';
import { collectorFlags, OTLP_AUTH_ENV } from '../../lib/render/collector-image';
import { realTool } from '../../scripts/real-tools';
import { NOT_BUILT_HERE } from '../contracts/adot';
import { SECTIONS } from '../contracts/adot-checks';

export const collector = realTool('otelcol-adot');
export { SECTIONS };
export type Config = Record<string, any>;

/** What ECS puts in the container's environment besides the fragments (values of the right shape). */
export const TASK_ENV = {
  ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/0123456789abcdef-0123456789',
  AWS_REGION: 'eu-west-1',
  [OTLP_AUTH_ENV]: 'not-a-real-key',
  OTEL_CONFIG_SHA256: '0'.repeat(64),
  // sigv4auth resolves credentials when its configuration is validated: on ECS from the task role
  // (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI); here static ones of the documented example shape, never used to sign
  // anything sent.
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
};

export type Section = (typeof SECTIONS)[number];
export const notBuilt = (section: Section, name: string) => (NOT_BUILT_HERE[section] as readonly string[]).includes(name.split('/')[0]);

/** One fragment without the components this build lacks; unchanged (byte for byte) when it names none. */
export function withoutNotBuilt(fragment: string): string {
  const cfg = parse(fragment) as Config;
  let changed = false;
  for (const section of SECTIONS)
    for (const name of Object.keys(cfg[section] ?? {}))
      if (notBuilt(section, name)) {
        delete cfg[section][name];
        changed = true;
      }
  for (const pipe of Object.values<Config>(cfg.service?.pipelines ?? {}))
    for (const section of ['receivers', 'processors', 'exporters'] as const) {
      const kept = (pipe[section] ?? []).filter((c: string) => !notBuilt(section, c));
      if (kept.length === (pipe[section] ?? []).length) continue;
      changed = true;
      // A pipeline whose only exporter was left out keeps one, or it would be refused for another reason.
      pipe[section] = section === 'exporters' && kept.length === 0 ? ['debug/not-built'] : kept;
      if (pipe[section][0] === 'debug/not-built') cfg.exporters = { ...(cfg.exporters ?? {}), 'debug/not-built': {} };
    }
  return changed ? stringify(cfg) : fragment;
}

export function validate(fragments: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync(collector, ['validate', ...taskArgs(fragments)], {
    env: taskEnvironment(fragments),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The container's environment for these fragments: the task's variables, each fragment without what this build lacks. */
export function taskEnvironment(fragments: readonly string[]): NodeJS.ProcessEnv {
  const vars = collectorConfigVariables(fragments.length);
  return { PATH: process.env.PATH, ...TASK_ENV, ...Object.fromEntries(vars.map((v, i) => [v, withoutNotBuilt(fragments[i])])) };
}

/** The task's command line for these fragments. */
export function taskArgs(fragments: readonly string[]): string[] {
  return [...collectorConfigVariables(fragments.length).map((v) => `--config=env:${v}`), ...collectorFlags()];
}
