/**
 * Facts about CloudFormation itself that the stack relies on and tests check
 * against, each with its source. Read 2026-12-07. A fact we could not read in
 * full is marked UNCONFIRMED.
 */

const DELETION_POLICY =
  'CloudFormation template reference, "DeletionPolicy attribute", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html';
const CDK_REMOVAL_POLICY = 'aws/aws-cdk@v2.276.0:packages/aws-cdk-lib/core/lib/cfn-resource.ts (applyRemovalPolicy)';

export const CLOUDFORMATION = {
  /**
   * "RetainExceptOnCreate behaves like Retain for stack operations, except for
   * the stack operation that initially created the resource. If the stack
   * operation that created the resource is rolled back, CloudFormation deletes
   * the resource. For all other stack operations, such as stack deletion,
   * CloudFormation retains the resource." With Retain, a resource created by a
   * create that rolls back is kept, and a fixed name (a log group's) then makes
   * the retry fail with "already exists". Valid for any resource that supports
   * DeletionPolicy. UpdateReplacePolicy has no such value: CDK's
   * RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE renders DeletionPolicy
   * RetainExceptOnCreate with UpdateReplacePolicy Retain.
   */
  retainExceptOnCreate: {
    deletionPolicies: ['Delete', 'RetainExceptOnCreate'],
    source: `${DELETION_POLICY}; ${CDK_REMOVAL_POLICY}`,
  },
} as const;
