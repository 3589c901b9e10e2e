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

/**
 * A stack update as CloudFormation runs it, for the resources a test gives in
 * dependency order: each changed resource is updated in turn; when one fails,
 * the update rolls back, and every resource it changed (the failed one
 * included) is updated back to its previous properties in reverse order; if a
 * rollback update fails too, the stack is UPDATE_ROLLBACK_FAILED, where it
 * stays until `ContinueUpdateRollback` skips that resource.
 * Sources: CloudFormation user guide, "Update behaviors of stack resources"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html),
 * "Continue rolling back an update"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-continueupdaterollback.html:
 * "a resource ... can't return to its original state, causing the rollback to fail"),
 * and "Custom resources" (a custom resource receives an Update with the previous
 * properties as ResourceProperties during rollback). Whether the failed resource
 * itself receives a rollback Update is UNCONFIRMED; it does here (the stricter case).
 */
export interface SimulatedResource<P> {
  readonly name: string;
  readonly old: P;
  readonly next: P;
  update(previous: P, next: P): Promise<void>;
}

export type UpdateOutcome = 'UPDATE_COMPLETE' | 'UPDATE_ROLLBACK_COMPLETE' | 'UPDATE_ROLLBACK_FAILED';

export async function simulateStackUpdate(
  resources: readonly SimulatedResource<any>[],
  log: string[] = [],
): Promise<{ outcome: UpdateOutcome; log: string[] }> {
  const changed: SimulatedResource<any>[] = [];
  for (const r of resources) {
    if (JSON.stringify(r.old) === JSON.stringify(r.next)) continue;
    changed.push(r);
    try {
      await r.update(r.old, r.next);
      log.push(`${r.name} UPDATE_COMPLETE`);
    } catch (e) {
      log.push(`${r.name} UPDATE_FAILED: ${(e as Error).message}`);
      for (const back of [...changed].reverse()) {
        try {
          await back.update(back.next, back.old);
          log.push(`${back.name} rolled back`);
        } catch (err) {
          log.push(`${back.name} UPDATE_FAILED (rollback): ${(err as Error).message}`);
          return { outcome: 'UPDATE_ROLLBACK_FAILED', log };
        }
      }
      return { outcome: 'UPDATE_ROLLBACK_COMPLETE', log };
    }
  }
  return { outcome: 'UPDATE_COMPLETE', log };
}
