import { Annotations, App, Validations } from 'aws-cdk-lib';
// The AwsSolutions pack's module, not cdk-nag's index: the index also loads the HIPAA, NIST 800-53 (r4, r5), PCI DSS and
// Serverless packs, which the app never applies (about 0.1 s of every synth; cdk-nag has no "exports" map, 3.0.2 pinned).
import { AwsSolutionsChecks } from 'cdk-nag/lib/packs/aws-solutions';
import { appModel, AppModelOptions } from './app-input';
import type { ObservabilityModel } from './model/model';
import { ObservabilityStack } from './stacks/observability-stack';

export { refusePlaceholders } from './app-input';

export interface BuildAppOptions extends AppModelOptions {
  /**
   * The model, compiled already (`appModel`: the entry point compiles and
   * checks it before it loads the stacks' modules); `files` and `environment`
   * are then unused.
   * @default - compiled from `files` and `environment`
   */
  readonly model?: ObservabilityModel;
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
  const model = options.model ?? appModel(app, options);
  const environment = model.environment;
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
