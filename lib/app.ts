import { Annotations, App, Validations } from 'aws-cdk-lib';
// The AwsSolutions pack's module, not cdk-nag's index: the index also loads the HIPAA, NIST 800-53 (r4, r5), PCI DSS and
// Serverless packs, which the app never applies (about 0.1 s of every synth; cdk-nag has no "exports" map, 3.0.2 pinned).
import { AwsSolutionsChecks } from 'cdk-nag/lib/packs/aws-solutions';
import { EnvironmentConfig } from './config/environment-schema';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS_FILE } from './config/parse-environment';
import { UserInputError } from './errors';
import { compile } from './compile/compile';
import { readProject } from './io/read-project';
import { ProjectFiles } from './model/project-files';
import { ObservabilityStack } from './stacks/observability-stack';

export interface BuildAppOptions {
  /** The project's data files (`readProject(root)`). @default - this repository's, read from disk */
  readonly files?: ProjectFiles;
  /** A validated environment, instead of `-c env=NAME` of `files`' config/environments.yaml (tests). */
  readonly environment?: EnvironmentConfig;
  /**
   * Checks of the environment that run once the model is compiled, before
   * any construct is built (the entry point's `refusePlaceholders`): a refusal
   * costs the compile, not the stacks.
   * @default - none
   */
  readonly check?: (environment: EnvironmentConfig) => void;
}

/**
 * The security gate, applied where users run (`cdk synth`, `cdk deploy`) and
 * in the tests alike: cdk-nag's AwsSolutions pack as a CDK validation plugin,
 * so `app.synth()` fails on any finding not acknowledged beside its construct
 * (`Validations.of(construct).acknowledge`). Idempotent per app: the app itself
 * carries the mark, no module state.
 * @see https://github.com/cdklabs/cdk-nag#readme ("Using cdk-nag as a CDK Validation Plugin")
 */
export function applySecurityChecks(app: App): void {
  const marked = app as App & { [SECURITY_CHECKS]?: true };
  if (marked[SECURITY_CHECKS]) return;
  marked[SECURITY_CHECKS] = true;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
const SECURITY_CHECKS = Symbol.for('trading-observability.security-checks');

/**
 * Builds the app for one environment: reads `-c env=NAME`, compiles the
 * model once, applies the cdk-nag gate (`applySecurityChecks`) and wires the
 * stacks.
 */
export function buildApp(app: App, options: BuildAppOptions = {}): ObservabilityStack {
  applySecurityChecks(app);
  const name = String(app.node.tryGetContext('env') ?? DEFAULT_ENVIRONMENT);
  const model = compile(options.files ?? readProject(), options.environment ?? name);
  const environment = model.environment;
  options.check?.(environment);
  const stack = new ObservabilityStack(app, 'ObservabilityStack', {
    stackName: `${environment.app}-${environment.name}`,
    description: `Observability of the trading platform (${environment.name}): AMP, alert routing, logs and dashboards.`,
    env: environment.account ? { account: environment.account, region: environment.region } : undefined,
    model,
    reimport: app.node.tryGetContext('reimport') === undefined ? undefined : String(app.node.tryGetContext('reimport')),
  });
  // Rules per workspace is an adjustable AMP quota (config/limits.yaml): past
  // the default, synth warns (request an increase) rather than refusing.
  const rules = model.ruleFiles.reduce((n, f) => n + f.groups.reduce((k, g) => k + g.rules.length, 0), 0);
  const quota = model.ampLimits.rulesPerWorkspace;
  if (environment.target === 'aws' && rules > quota) {
    Annotations.of(stack).addWarningV2(
      'trading-observability:amp-rules-quota',
      `${rules} rules exceed AMP's default quota of ${quota} rules per workspace (config/limits.yaml): request a quota increase before deploying`,
    );
  }
  return stack;
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
