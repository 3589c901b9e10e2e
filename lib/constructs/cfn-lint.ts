import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cfn-lint findings acknowledged on one resource, beside the construct that
 * makes it (like the cdk-nag acknowledgements). `npm run test:tools` runs
 * cfn-lint 1.58.0 on every synthesized template and expects no finding
 * (test/tools/cfn-lint.test.ts, which also fails on an acknowledgement that
 * no longer hides one). cfn-lint drops a resource's findings of the rules
 * its `Metadata` lists under `cfn-lint.config.ignore_checks` ("Resource Based
 * Metadata", cfn-lint's README: https://github.com/aws-cloudformation/cfn-lint#resource-based-metadata).
 * Rules already listed on the resource are kept.
 */
function ignoreCfnLintChecks(resource: CfnResource, checks: readonly string[]): void {
  const current = (resource.getMetadata('cfn-lint') as { config?: { ignore_checks?: string[] } } | undefined)?.config?.ignore_checks ?? [];
  resource.addMetadata('cfn-lint', { config: { ignore_checks: [...new Set([...current, ...checks])].sort() } });
}

/**
 * cfn-lint W3005 ("Check if DependsOn is specified if not needed. A Ref or a
 * Fn::GetAtt already is an implicit dependency", cfn-lint's rule list) on a
 * Lambda function CDK makes: aws-lambda's Function makes its resource depend
 * on its role construct (`resource.node.addDependency(this.role)`), and the
 * core CustomResourceProvider does the same for its handler
 * (`handler.addResourceDependency(role)`); both render as DependsOn entries.
 * The role's entry is redundant with the function's `Role: Fn::GetAtt
 * [role, Arn]` (CloudFormation creates a resource after the ones its
 * properties Ref or GetAtt: "DependsOn attribute", CloudFormation template
 * reference, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html),
 * so it changes no deployment order; the default policy's entry beside it is
 * not redundant (the function is not created before its permissions). The
 * list is CDK's: dropping the one entry would take a raw override of
 * DependsOn for nothing deployed differently. Acknowledged, not fixed.
 *
 * `fn` is the function construct (its default child is acknowledged) or the
 * function's CfnResource itself.
 */
export function acknowledgeRoleDependsOn(fn: IConstruct): void {
  const resource = CfnResource.isCfnResource(fn) ? fn : fn.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) throw new Error(`acknowledgeRoleDependsOn: ${fn.node.path} is not a function`);
  ignoreCfnLintChecks(resource, ['W3005']);
}
