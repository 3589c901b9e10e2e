import type { App } from 'aws-cdk-lib';
import { compile } from './compile/compile';
import type { EnvironmentConfig } from './config/environment-schema';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS_FILE } from './config/parse-environment';
import { UserInputError } from './errors';
import { readProject } from './io/read-project';
import type { ObservabilityModel } from './model/model';
import type { ProjectFiles } from './model/project-files';

/**
 * The app's input, before any construct: the model of the environment `-c
 * env=NAME` names, and the entry point's refusals. No import here loads the
 * stacks' modules (the constructs of every AWS service, cdk-nag), so the
 * entry point stops on bad input having paid for the compile only
 * (bin/app.ts loads lib/app.ts after).
 */

export interface AppModelOptions {
  /** The project's data files (`readProject(root)`). @default - this repository's, read from disk */
  readonly files?: ProjectFiles;
  /** A validated environment, instead of `-c env=NAME` of `files`' config/environments.yaml (tests). */
  readonly environment?: EnvironmentConfig;
}

/** Compiles the model of the environment the app's context names (`-c env=NAME`, default `local`). */
export function appModel(app: App, options: AppModelOptions = {}): ObservabilityModel {
  const name = String(app.node.tryGetContext('env') ?? DEFAULT_ENVIRONMENT);
  return compile(options.files ?? readProject(), options.environment ?? name);
}

/**
 * Refuses, before a template is written, an AWS environment whose settings are
 * still the project's placeholders (prod's Grafana access ids): its deploy
 * would create everything, then fail at Custom::GrafanaAccess, created last.
 * The entry point calls it; `-c reviewOnly=true` lets a template be
 * synthesized to review or lint, never to deploy.
 */
export function refusePlaceholders(app: App, environment: EnvironmentConfig): void {
  if (environment.target !== 'aws' || String(app.node.tryGetContext('reviewOnly')) === 'true') return;
  const access = environment.grafana.authentication === 'AWS_SSO' ? environment.grafana.access : undefined;
  if (!access?.placeholders) return;
  const first = (['admin', 'editor', 'viewer'] as const)
    .flatMap((role) => (['groups', 'users'] as const).map((kind) => ({ role, kind, id: access[role][kind][0] })))
    .find((x) => x.id !== undefined);
  const where = `environments.${environment.name}.grafana.access`;
  throw UserInputError.of({
    file: ENVIRONMENTS_FILE,
    where: first ? `${where}.${first.role}.${first.kind}[0]` : `${where}.placeholders`,
    problem: 'is a placeholder shipped with the project, not your IAM Identity Center group',
    value: first ? first.id : true,
    fix: `set every id under ${where} to your Identity Center group ids (IAM Identity Center console, Groups, Group ID), then remove its placeholders: true (-c reviewOnly=true synthesizes it to review, never to deploy)`,
  });
}
