import { parseYamlText } from '../data-file';
import { describeZodIssue, UserInputError } from '../errors';
import { EnvironmentConfig, environmentSchema } from './environment-schema';

/** The one file that holds every environment's settings, relative to the project root. */
export const ENVIRONMENTS_FILE = 'config/environments.yaml';
export const DEFAULT_ENVIRONMENT = 'dev';

/** The environment `name` of config/environments.yaml's text: `defaults` merged under it, validated. */
export function parseEnvironment(name: string, text: string, file: string = ENVIRONMENTS_FILE): EnvironmentConfig {
  const doc = parseYamlText(file, text);
  const root = (doc ?? {}) as { defaults?: Record<string, unknown>; environments?: Record<string, Record<string, unknown> | null> };
  const environments = root.environments ?? {};
  const names = Object.keys(environments);
  if (!Object.prototype.hasOwnProperty.call(environments, name)) {
    throw UserInputError.of({
      file,
      where: 'environments',
      problem: 'no such environment',
      value: name,
      fix: `pass -c env= one of ${names.join(', ')}, or add "${name}" under environments:`,
    });
  }
  const merged = { ...(root.defaults ?? {}), ...(environments[name] ?? {}) };
  const result = environmentSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    throw new UserInputError(
      result.error.issues
        .map((issue) =>
          describeZodIssue(file, ['environments', name], merged, issue, 'the documented keys in lib/config/environment-schema.ts'),
        )
        .join('\n'),
    );
  }
  // The seed's production checklist (11.2): retention 30+ days.
  if (name === 'prod' && result.data.logRetentionDays < 30) {
    throw UserInputError.of({
      file,
      where: `environments.${name}.logRetentionDays`,
      problem: 'is below the 30 days production requires',
      value: result.data.logRetentionDays,
      fix: 'set it to 30 or more',
    });
  }
  // AMG allows every address when NetworkAccessControl is absent: production says so, or says who.
  if (name === 'prod' && result.data.target === 'aws' && result.data.grafana.networkAccess === undefined) {
    throw UserInputError.of({
      file,
      where: `environments.${name}.grafana.networkAccess`,
      problem: 'is required for prod',
      fix: 'set networkAccess: public (any address; Grafana sign-in still required) or { prefixListIds: [...], vpceIds: [...] }',
    });
  }
  // Someone must be able to administer production's Grafana without a console step.
  const grafana = result.data.grafana;
  if (name === 'prod' && result.data.target === 'aws' && grafana.authentication === 'AWS_SSO') {
    const admin = grafana.access?.admin;
    if (!admin || admin.groups.length + admin.users.length === 0) {
      throw UserInputError.of({
        file,
        where: `environments.${name}.grafana.access.admin`,
        problem: 'is empty: production needs at least one Grafana admin',
        value: admin ? admin.groups : undefined,
        fix: 'add an IAM Identity Center group id under grafana.access.admin.groups',
      });
    }
  }
  return { ...result.data, name };
}
