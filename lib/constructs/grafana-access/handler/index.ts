/**
 * Gives IAM Identity Center groups and users their role on an Amazon Managed
 * Grafana workspace (a CloudFormation custom resource behind the
 * custom-resources Provider), with AMG's ListPermissions and UpdatePermissions.
 * The API's shapes and limits are in test/contracts/amg-permissions.ts.
 *
 * It changes only the assignments the configuration names (and, on update,
 * those it named before), unless `Exclusive` says the project owns the
 * workspace's access: then anything else is revoked too. Delete revokes what
 * the configuration names.
 */
import {
  GrafanaClient,
  ListPermissionsCommand,
  ResourceNotFoundException,
  UpdatePermissionsCommand,
  type UpdateInstruction,
  ListTagsForResourceCommand,
  TagResourceCommand,
} from '@aws-sdk/client-grafana';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export type Role = 'ADMIN' | 'EDITOR' | 'VIEWER';
export type UserType = 'SSO_USER' | 'SSO_GROUP';

/** One principal's role on the workspace. */
export interface Assignment {
  readonly id: string;
  readonly type: UserType;
  readonly role: Role;
}

/** The custom resource's properties (strings, as CloudFormation passes them). */
export interface AccessProperties {
  readonly WorkspaceId: string;
  /** JSON array of Assignment. */
  readonly Assignments: string;
  /** "true": revoke every assignment not listed. */
  readonly Exclusive: string;
  /** "true": the workspace outlives the stack; Delete revokes nothing, so its admins can still open it. */
  readonly RetainOnDelete?: string;
  /**
   * This resource instance (a hash of its construct's unique id) and the
   * workspace ARN: Create and Update tag the workspace `tobs-access-owner`
   * with it, taking the access over; a Delete whose instance is no longer the
   * tagged one (a renamed construct's old resource) revokes nothing.
   */
  readonly Owner?: string;
  readonly WorkspaceArn?: string;
}

const OWNER_TAG = 'tobs-access-owner';

/** Whether another instance has taken this workspace's access over since (its tag names another owner). */
async function takenOver(client: GrafanaClient, props: AccessProperties): Promise<boolean> {
  if (!props.Owner || !props.WorkspaceArn) return false;
  const tags = (await client.send(new ListTagsForResourceCommand({ resourceArn: props.WorkspaceArn }))).tags ?? {};
  return tags[OWNER_TAG] !== undefined && tags[OWNER_TAG] !== props.Owner;
}

/** updateInstructionBatch holds at most 20 instructions (contract MAX_INSTRUCTIONS_PER_CALL). */
export const MAX_INSTRUCTIONS = 20;

const key = (a: { id: string; type: string }) => `${a.type}:${a.id}`;

/** Every assignment on the workspace, following nextToken. */
export async function listAssignments(client: GrafanaClient, workspaceId: string): Promise<Assignment[]> {
  const out: Assignment[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListPermissionsCommand({ workspaceId, nextToken }));
    for (const p of page.permissions ?? []) {
      if (p.user?.id && p.user.type && p.role) out.push({ id: p.user.id, type: p.user.type, role: p.role });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/**
 * The instructions that take the workspace from `current` to `desired`:
 * revokes first (a role change is a revoke of the old role and an add of the
 * new), then adds. `previous` is what the configuration named before (an
 * update); those it no longer names are revoked if they still hold the role we
 * gave them. With `exclusive`, everything not desired is revoked.
 */
export function plan(
  current: readonly Assignment[],
  desired: readonly Assignment[],
  previous: readonly Assignment[],
  exclusive: boolean,
): UpdateInstruction[] {
  const now = new Map(current.map((a) => [key(a), a]));
  const want = new Map(desired.map((a) => [key(a), a]));
  const revokes: Assignment[] = [];
  const adds: Assignment[] = [];
  for (const d of desired) {
    const has = now.get(key(d));
    if (has?.role === d.role) continue;
    if (has) revokes.push(has);
    adds.push(d);
  }
  for (const c of current) {
    if (want.has(key(c))) continue;
    const wasOurs = previous.some((p) => key(p) === key(c) && p.role === c.role);
    if (exclusive || wasOurs) revokes.push(c);
  }
  const instruction = (action: 'ADD' | 'REVOKE') => (a: Assignment) => ({ action, role: a.role, users: [{ id: a.id, type: a.type }] });
  return [...revokes.map(instruction('REVOKE')), ...adds.map(instruction('ADD'))];
}

/** Applies instructions in batches of MAX_INSTRUCTIONS; an `errors` entry fails the whole deploy. */
export async function apply(client: GrafanaClient, workspaceId: string, instructions: readonly UpdateInstruction[]): Promise<void> {
  for (let i = 0; i < instructions.length; i += MAX_INSTRUCTIONS) {
    const batch = instructions.slice(i, i + MAX_INSTRUCTIONS);
    const res = await client.send(new UpdatePermissionsCommand({ workspaceId, updateInstructionBatch: batch }));
    // UpdatePermissions answers 200 with per-instruction errors (contract UPDATE_ERRORS_ON_200).
    const errors = res.errors ?? [];
    if (errors.length > 0) {
      const described = errors.map((e) => {
        const who = (e.causedBy?.users ?? []).map((u) => `${u.type} ${u.id}`).join(', ');
        return `${e.causedBy?.action} ${e.causedBy?.role} for ${who}: ${e.code} ${e.message}`;
      });
      throw new Error(`Grafana workspace ${workspaceId}: UpdatePermissions refused ${errors.length} change(s): ${described.join('; ')}`);
    }
  }
}

function parse(props: AccessProperties | undefined): { assignments: Assignment[]; exclusive: boolean } {
  if (!props) return { assignments: [], exclusive: false };
  return { assignments: JSON.parse(props.Assignments) as Assignment[], exclusive: props.Exclusive === 'true' };
}

const summarize = (instructions: readonly UpdateInstruction[]) =>
  instructions.map((i) => `${i.action} ${i.role} ${(i.users ?? []).map((u) => `${u.type}:${u.id}`).join(',')}`);

/** The Lambda entry point (Lambda's second argument is its context, so the client is not a parameter here). */
export async function onEvent(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  return handle(event, new GrafanaClient({}));
}

export async function handle(
  event: CloudFormationCustomResourceEvent,
  client: GrafanaClient,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const props = event.ResourceProperties as unknown as AccessProperties;
  const physicalId = `grafana-access:${props.WorkspaceId}`;
  if (event.RequestType === 'Delete' && props.RetainOnDelete === 'true') return { PhysicalResourceId: event.PhysicalResourceId };
  if (event.RequestType === 'Delete') {
    const { assignments } = parse(props);
    try {
      if (await takenOver(client, props)) {
        console.log(JSON.stringify({ workspace: props.WorkspaceId, revoked: [], reason: 'another resource has taken the access over' }));
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      const current = await listAssignments(client, props.WorkspaceId);
      const ours = current.filter((c) => assignments.some((a) => key(a) === key(c) && a.role === c.role));
      const instructions = plan(current, [], ours, false);
      await apply(client, props.WorkspaceId, instructions);
      console.log(JSON.stringify({ workspace: props.WorkspaceId, revoked: summarize(instructions) }));
    } catch (e) {
      // The workspace is already gone (stack deletion removes it first, or it was replaced): nothing to revoke.
      if (!(e instanceof ResourceNotFoundException)) throw e;
    }
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const { assignments, exclusive } = parse(props);
  // On update, what the old configuration named on this same workspace.
  const old =
    event.RequestType === 'Update' && (event.OldResourceProperties as unknown as AccessProperties).WorkspaceId === props.WorkspaceId
      ? parse(event.OldResourceProperties as unknown as AccessProperties).assignments
      : [];
  const current = await listAssignments(client, props.WorkspaceId);
  const instructions = plan(current, assignments, old, exclusive);
  await apply(client, props.WorkspaceId, instructions);
  if (props.Owner && props.WorkspaceArn)
    await client.send(new TagResourceCommand({ resourceArn: props.WorkspaceArn, tags: { [OWNER_TAG]: props.Owner } }));
  console.log(JSON.stringify({ workspace: props.WorkspaceId, changes: summarize(instructions) }));
  return { PhysicalResourceId: physicalId, Data: { Changes: String(instructions.length) } };
}
