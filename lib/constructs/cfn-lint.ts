import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cfn-lint findings acknowledged on one resource, beside the construct that
 * makes it (like the cdk-nag acknowledgements): its `Metadata` lists them
 * under `cfn-lint.config.ignore_checks`. Rules already listed are kept.
 * @see docs/testing.md#acknowledged-cfn-lint-findings
 */
function ignoreCfnLintChecks(resource: CfnResource, checks: readonly string[]): void {
  const current = (resource.getMetadata('cfn-lint') as { config?: { ignore_checks?: string[] } } | undefined)?.config?.ignore_checks ?? [];
  resource.addMetadata('cfn-lint', { config: { ignore_checks: [...new Set([...current, ...checks])].sort() } });
}

/**
 * Acknowledges cfn-lint W3005 on a Lambda function CDK makes: CDK makes it
 * depend on its role, which its `Role: Fn::GetAtt` already implies, so the
 * entry changes no deployment order. The list is CDK's: acknowledged, not fixed.
 * @see docs/testing.md#acknowledged-cfn-lint-findings
 *
 * `fn` is the function construct (its default child is acknowledged) or the
 * function's CfnResource itself.
 */
export function acknowledgeRoleDependsOn(fn: IConstruct): void {
  const resource = CfnResource.isCfnResource(fn) ? fn : fn.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) throw new Error(`acknowledgeRoleDependsOn: ${fn.node.path} is not a function`);
  ignoreCfnLintChecks(resource, ['W3005']);
}
