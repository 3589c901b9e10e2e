import {
  GrafanaClient,
  ListPermissionsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UpdatePermissionsCommand,
  type UpdateInstruction,
} from '@aws-sdk/client-grafana';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Assignment, handle, listAssignments, MAX_INSTRUCTIONS, onEvent, plan } from '../../lib/constructs/grafana-access/handler';
import {
  ACTIONS,
  IAM_ACTIONS,
  TAG_ACTIONS,
  listPage,
  LIST_INCLUDES_VIEWERS,
  LIST_IS_PAGINATED,
  MAX_INSTRUCTIONS_PER_CALL,
  ROLES,
  UPDATE_ERRORS_ON_200,
  USER_ID_PATTERN,
  USER_TYPES,
  WORKSPACE_ID_PATTERN,
} from '../contracts/amg-permissions';
import { environmentOf, resourcesOf, synth } from '../helpers';

const WS = 'g-0123456789';
const id = (n: number) => `9067c5b4d3-a1b2c3d4-${String(n).padStart(4, '0')}-4000-8000-${String(n).padStart(12, '0')}`;
const group = (n: number, role: Assignment['role']): Assignment => ({ id: id(n), type: 'SSO_GROUP', role });

/**
 * AMG's permissions API behind aws-sdk-client-mock, with the shapes of
 * test/contracts/amg-permissions.ts: ListPermissions pages of `pageSize` with
 * nextToken; UpdatePermissions takes at most 20 instructions, applies each,
 * and reports the ones that failed in `errors` with HTTP 200 (an unknown
 * principal is one). A principal holds one role.
 */
class FakeAmg {
  readonly mock = mockClient(GrafanaClient);
  readonly state = new Map<string, Assignment>();
  readonly unknown = new Set<string>();
  readonly batches: UpdateInstruction[][] = [];
  workspaceExists = true;
  /** The workspace's tags (TagResource, ListTagsForResource: AMG API reference). */
  readonly tags = new Map<string, string>();

  constructor(
    initial: Assignment[] = [],
    readonly pageSize = 2,
    /** Whether ListPermissions lists VIEWER assignments: LIST_INCLUDES_VIEWERS is UNCONFIRMED, so assumed unless it is false. */
    readonly listsViewers = LIST_INCLUDES_VIEWERS !== false,
  ) {
    for (const a of initial) this.state.set(`${a.type}:${a.id}`, a);
    this.mock.on(ListPermissionsCommand).callsFake((input) => {
      this.requireWorkspace(input.workspaceId);
      const all = [...this.state.values()].filter((a) => this.listsViewers || a.role !== 'VIEWER');
      const pageSize = LIST_IS_PAGINATED ? this.pageSize : all.length;
      const start = input.nextToken ? Number(input.nextToken) : 0;
      const next = start + pageSize < all.length ? String(start + pageSize) : undefined;
      return listPage(all.slice(start, start + pageSize), next);
    });
    this.mock.on(TagResourceCommand).callsFake((input) => {
      expect(input.resourceArn).toContain(`:/workspaces/${WS}`);
      for (const [k, v] of Object.entries(input.tags ?? {})) this.tags.set(k, v as string);
      return {};
    });
    this.mock.on(ListTagsForResourceCommand).callsFake(() => ({ tags: Object.fromEntries(this.tags) }));
    this.mock.on(UpdatePermissionsCommand).callsFake((input) => {
      this.requireWorkspace(input.workspaceId);
      const batch = input.updateInstructionBatch as UpdateInstruction[];
      if (batch.length > MAX_INSTRUCTIONS_PER_CALL) throw new Error(`ValidationException: ${batch.length} instructions`);
      this.batches.push(batch);
      const errors = [];
      for (const i of batch) {
        expect(ACTIONS).toContain(i.action);
        expect(ROLES).toContain(i.role);
        for (const u of i.users ?? []) {
          expect(USER_TYPES).toContain(u.type);
          expect(u.id).toMatch(USER_ID_PATTERN);
          const k = `${u.type}:${u.id}`;
          if (this.unknown.has(u.id!)) {
            errors.push({ code: 404, message: `${u.type} ${u.id} not found`, causedBy: i });
            continue;
          }
          if (i.action === 'ADD') this.state.set(k, { id: u.id!, type: u.type as Assignment['type'], role: i.role as Assignment['role'] });
          else if (this.state.get(k)?.role === i.role) this.state.delete(k);
        }
      }
      // UPDATE_ERRORS_ON_200: failed instructions come back in `errors` of a successful answer.
      if (!UPDATE_ERRORS_ON_200 && errors.length > 0) throw new Error(`ValidationException: ${errors[0].message}`);
      return { errors };
    });
  }

  private requireWorkspace(workspaceId: string | undefined) {
    expect(workspaceId).toMatch(WORKSPACE_ID_PATTERN);
    if (!this.workspaceExists)
      throw new ResourceNotFoundException({ message: 'workspace not found', $metadata: {}, resourceId: WS, resourceType: 'WORKSPACE' });
  }

  get client() {
    return new GrafanaClient({ region: 'eu-west-1' });
  }
  sorted() {
    return [...this.state.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}

const props = (assignments: Assignment[], exclusive = false) => ({
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
  WorkspaceId: WS,
  Assignments: JSON.stringify(assignments),
  Exclusive: String(exclusive),
});
const base = {
  ServiceToken: 'x',
  ResponseURL: 'https://x',
  StackId: 's',
  RequestId: 'r',
  LogicalResourceId: 'GrafanaAccess',
  ResourceType: 'Custom::GrafanaAccess',
};
const create = (a: Assignment[], exclusive = false) =>
  ({ ...base, RequestType: 'Create', ResourceProperties: props(a, exclusive) }) as CloudFormationCustomResourceEvent;
const update = (a: Assignment[], old: Assignment[], exclusive = false) =>
  ({
    ...base,
    RequestType: 'Update',
    PhysicalResourceId: `grafana-access:${WS}`,
    ResourceProperties: props(a, exclusive),
    OldResourceProperties: props(old),
  }) as CloudFormationCustomResourceEvent;
const del = (a: Assignment[]) =>
  ({
    ...base,
    RequestType: 'Delete',
    PhysicalResourceId: `grafana-access:${WS}`,
    ResourceProperties: props(a),
  }) as CloudFormationCustomResourceEvent;

describe('Grafana access custom resource against the permissions API', () => {
  let amg: FakeAmg;
  beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
  afterEach(() => {
    amg.mock.restore();
    jest.restoreAllMocks();
  });

  test('create assigns every configured group its role, and leaves hand-made assignments alone', async () => {
    const byHand = group(9, 'EDITOR');
    amg = new FakeAmg([byHand]);
    const wanted = [group(1, 'ADMIN'), group(2, 'EDITOR'), group(3, 'VIEWER')];
    const r = await handle(create(wanted), amg.client);
    expect(r.PhysicalResourceId).toBe(`grafana-access:${WS}`);
    expect(amg.sorted()).toEqual([...wanted, byHand]);
    expect(amg.batches[0].map((i) => i.action)).toEqual(['ADD', 'ADD', 'ADD']);
  });

  test('a second create with nothing changed calls UpdatePermissions not at all (idempotent)', async () => {
    const wanted = [group(1, 'ADMIN'), group(2, 'EDITOR'), group(3, 'VIEWER')];
    amg = new FakeAmg(wanted);
    await handle(create(wanted), amg.client);
    expect(amg.mock.commandCalls(UpdatePermissionsCommand)).toHaveLength(0);
    // Three entries in pages of two: the second page was asked for with the first page's nextToken.
    expect(amg.mock.commandCalls(ListPermissionsCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, '2']);
  });

  test('update changes a role (revoke, then add) and revokes only what the old configuration named', async () => {
    const byHand = group(9, 'VIEWER');
    amg = new FakeAmg([group(1, 'ADMIN'), group(2, 'EDITOR'), byHand]);
    await handle(update([group(1, 'ADMIN'), group(2, 'ADMIN')], [group(1, 'ADMIN'), group(2, 'EDITOR'), group(3, 'VIEWER')]), amg.client);
    expect(amg.sorted()).toEqual([group(1, 'ADMIN'), group(2, 'ADMIN'), byHand]);
    expect(amg.batches.flat().map((i) => `${i.action} ${i.role}`)).toEqual(['REVOKE EDITOR', 'ADD ADMIN']);
  });

  test('update no longer naming a group revokes it, unless someone changed its role by hand since', async () => {
    amg = new FakeAmg([group(1, 'ADMIN'), group(2, 'EDITOR'), group(3, 'ADMIN')]);
    // 2 was ours as EDITOR and still is: revoked. 3 was ours as VIEWER but is ADMIN now (by hand): kept.
    await handle(update([group(1, 'ADMIN')], [group(1, 'ADMIN'), group(2, 'EDITOR'), group(3, 'VIEWER')]), amg.client);
    expect(amg.sorted()).toEqual([group(1, 'ADMIN'), group(3, 'ADMIN')]);
  });

  test('UNCONFIRMED (LIST_INCLUDES_VIEWERS): were viewers not listed, a viewer dropped from the configuration would keep access', async () => {
    // The handler learns what to revoke from ListPermissions only. This is the risk the contract names,
    // pinned down so that a change in either the handler or the contract shows up here.
    expect(LIST_INCLUDES_VIEWERS).toBe('unconfirmed');
    amg = new FakeAmg([group(1, 'ADMIN'), group(3, 'VIEWER')], 2, false);
    await handle(update([group(1, 'ADMIN')], [group(1, 'ADMIN'), group(3, 'VIEWER')]), amg.client);
    expect(amg.sorted()).toEqual([group(1, 'ADMIN'), group(3, 'VIEWER')]);
    // Where viewers are listed (the fake's default), the same update revokes it.
    amg = new FakeAmg([group(1, 'ADMIN'), group(3, 'VIEWER')]);
    await handle(update([group(1, 'ADMIN')], [group(1, 'ADMIN'), group(3, 'VIEWER')]), amg.client);
    expect(amg.sorted()).toEqual([group(1, 'ADMIN')]);
  });

  test('exclusive: assignments made by hand are revoked', async () => {
    amg = new FakeAmg([group(9, 'ADMIN'), group(8, 'VIEWER')]);
    await handle(create([group(1, 'ADMIN')], true), amg.client);
    expect(amg.sorted()).toEqual([group(1, 'ADMIN')]);
  });

  test('delete revokes what the configuration named and nothing else', async () => {
    const byHand = group(9, 'EDITOR');
    amg = new FakeAmg([group(1, 'ADMIN'), group(2, 'VIEWER'), byHand]);
    await handle(del([group(1, 'ADMIN'), group(2, 'VIEWER')]), amg.client);
    expect(amg.sorted()).toEqual([byHand]);
  });

  test('delete of the access of a retained workspace (prod) revokes nothing: the workspace stays usable by its admins', async () => {
    const kept = [group(1, 'ADMIN'), group(2, 'VIEWER')];
    amg = new FakeAmg(kept);
    const event = del(kept);
    await handle({ ...event, ResourceProperties: { ...event.ResourceProperties, RetainOnDelete: 'true' } }, amg.client);
    expect(amg.sorted()).toEqual(kept);
    expect(amg.mock.commandCalls(UpdatePermissionsCommand)).toHaveLength(0);
  });

  test("create-new-then-delete-old (a renamed construct): the old resource's delete revokes nothing the new one took over", async () => {
    const wanted = [group(1, 'ADMIN'), group(2, 'VIEWER')];
    amg = new FakeAmg();
    const withOwner = <E extends CloudFormationCustomResourceEvent>(e: E, owner: string): E => ({
      ...e,
      ResourceProperties: {
        ...e.ResourceProperties,
        Owner: owner,
        WorkspaceArn: `arn:aws:grafana:eu-west-1:123456789012:/workspaces/${WS}`,
      },
    });
    await handle(withOwner(create(wanted), 'aaaa1111'), amg.client);
    await handle(withOwner(create(wanted), 'bbbb2222'), amg.client); // CloudFormation creates the new resource first...
    await handle(withOwner(del(wanted), 'aaaa1111'), amg.client); // ...then deletes the old one.
    expect(amg.sorted()).toEqual(wanted);
    // The new one's delete revokes them.
    await handle(withOwner(del(wanted), 'bbbb2222'), amg.client);
    expect(amg.sorted()).toEqual([]);
  });

  test('delete succeeds when the workspace is already gone', async () => {
    amg = new FakeAmg();
    amg.workspaceExists = false;
    await expect(handle(del([group(1, 'ADMIN')]), amg.client)).resolves.toEqual({ PhysicalResourceId: `grafana-access:${WS}` });
  });

  test('fails when UpdatePermissions answers 200 with errors (an unknown group), naming it', async () => {
    amg = new FakeAmg();
    amg.unknown.add(id(5));
    await expect(handle(create([group(1, 'ADMIN'), group(5, 'VIEWER')]), amg.client)).rejects.toThrow(
      `Grafana workspace ${WS}: UpdatePermissions refused 1 change(s): ADD VIEWER for SSO_GROUP ${id(5)}: 404 SSO_GROUP ${id(5)} not found`,
    );
  });

  test('more than 20 changes go in batches of at most 20', async () => {
    amg = new FakeAmg([], 100);
    const many = Array.from({ length: 45 }, (_, i) => group(i + 1, 'VIEWER'));
    await handle(create(many), amg.client);
    expect(MAX_INSTRUCTIONS).toBe(MAX_INSTRUCTIONS_PER_CALL);
    expect(amg.batches.map((b) => b.length)).toEqual([20, 20, 5]);
    expect(amg.state.size).toBe(45);
  });

  test('the Lambda entry point uses its own client, whatever Lambda passes second (its context)', async () => {
    amg = new FakeAmg();
    const context = { functionName: 'x', getRemainingTimeInMillis: () => 1000 };
    await (onEvent as (e: CloudFormationCustomResourceEvent, c: unknown) => Promise<unknown>)(create([group(1, 'ADMIN')]), context);
    expect(amg.sorted()).toEqual([group(1, 'ADMIN')]);
  });

  test('listAssignments follows nextToken to the last page', async () => {
    amg = new FakeAmg(
      Array.from({ length: 5 }, (_, i) => group(i, 'VIEWER')),
      2,
    );
    expect(await listAssignments(amg.client, WS)).toHaveLength(5);
  });

  test('plan: users and groups with the same id are different principals', () => {
    const user: Assignment = { id: id(1), type: 'SSO_USER', role: 'VIEWER' };
    expect(plan([user], [group(1, 'ADMIN')], [], false)).toEqual([
      { action: 'ADD', role: 'ADMIN', users: [{ id: id(1), type: 'SSO_GROUP' }] },
    ]);
  });
});

describe('Grafana access in the prod template', () => {
  const { json } = synth('prod');
  const environment = environmentOf('prod');

  test('one Custom::GrafanaAccess with the configured groups of environments.yaml, for the workspace', () => {
    const [[, cr]] = resourcesOf(json, 'Custom::GrafanaAccess');
    const access = environment.grafana.authentication === 'AWS_SSO' ? environment.grafana.access : undefined;
    expect(access).toBeDefined();
    expect(JSON.parse(cr.Assignments)).toEqual([
      ...access!.admin.groups.map((g) => ({ id: g, type: 'SSO_GROUP', role: 'ADMIN' })),
      ...access!.editor.groups.map((g) => ({ id: g, type: 'SSO_GROUP', role: 'EDITOR' })),
      ...access!.viewer.groups.map((g) => ({ id: g, type: 'SSO_GROUP', role: 'VIEWER' })),
    ]);
    expect(cr.Exclusive).toBe('false');
    const [[wsId]] = resourcesOf(json, 'AWS::Grafana::Workspace');
    expect(cr.WorkspaceId).toEqual({ 'Fn::GetAtt': [wsId, 'Id'] });
  });

  test("the function's permissions API actions name only this workspace's ARN", () => {
    const statements = resourcesOf(json, 'AWS::IAM::Policy').flatMap(([, p]) => p.PolicyDocument.Statement as any[]);
    const amg = statements.filter((s) => [s.Action].flat().some((a: string) => IAM_ACTIONS.workspace.includes(a as never)));
    expect(amg).toHaveLength(1);
    expect([amg[0].Action].flat().sort()).toEqual([...IAM_ACTIONS.workspace].sort());
    const [[wsId]] = resourcesOf(json, 'AWS::Grafana::Workspace');
    expect(JSON.stringify(amg[0].Resource)).toContain(`"Fn::GetAtt":["${wsId}","Id"]`);
    expect(JSON.stringify(amg[0].Resource)).toContain(':/workspaces/');
  });

  test('the function may read and set tags of this workspace only (which resource instance owns the access)', () => {
    const statements = resourcesOf(json, 'AWS::IAM::Policy').flatMap(([, p]) => p.PolicyDocument.Statement as any[]);
    const tagging = statements.filter((s) => [s.Action].flat().some((a: string) => (TAG_ACTIONS.actions as readonly string[]).includes(a)));
    expect(tagging).toHaveLength(1);
    expect([tagging[0].Action].flat().sort()).toEqual([...TAG_ACTIONS.actions]);
    expect(JSON.stringify(tagging[0].Resource)).toContain(':/workspaces/');
  });

  test('dev names no access, so it has no access resource', () => {
    expect(resourcesOf(synth('dev').json, 'Custom::GrafanaAccess')).toHaveLength(0);
  });
});
