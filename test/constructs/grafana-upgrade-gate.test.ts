import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { compareVersions, GateProperties, onEvent, refusal } from '../../lib/constructs/grafana-upgrade-gate/handler';
import { UPGRADE_GATE_TYPE } from '../../lib/constructs/grafana-upgrade-gate/grafana-upgrade-gate';
import { AMG } from '../contracts/grafana';
import { simulateStackUpdate, SimulatedResource } from '../contracts/cloudformation';
import { resourcesOf, synth } from '../helpers';

const gate = (GrafanaVersion: string, Fingerprint?: string): GateProperties => ({
  GrafanaVersion,
  ...(Fingerprint !== undefined ? { Fingerprint } : {}),
  Setting: 'config/environments.yaml prod.grafana.version',
});
const update = (next: GateProperties, old: GateProperties) =>
  ({
    RequestType: 'Update',
    ResourceProperties: { ServiceToken: 'x', ...next },
    OldResourceProperties: { ServiceToken: 'x', ...old },
    PhysicalResourceId: 'grafana-upgrade-gate',
  }) as unknown as CloudFormationCustomResourceEvent;

describe('Grafana upgrade gate: a version raise is a deploy of its own', () => {
  test('versions compare by major, then minor', () => {
    expect(compareVersions('12.4', '10.4')).toBeGreaterThan(0);
    expect(compareVersions('10.4', '9.4')).toBeGreaterThan(0);
    expect(compareVersions('12.4', '12.4.1')).toBe(0);
    expect(compareVersions('9.4', '10.4')).toBeLessThan(0);
  });

  test('fails when the version rises in a deploy that changes anything else, naming the setting and both steps', async () => {
    const why = refusal(gate('12.4', 'b'), gate('10.4', 'a'));
    expect(why).toBe(
      'config/environments.yaml prod.grafana.version raises Grafana from 10.4 to 12.4 in a deploy that changes other resources too; AMG cannot downgrade, so a later failure would roll back into UPDATE_ROLLBACK_FAILED. Fix: deploy the other changes with config/environments.yaml prod.grafana.version 10.4, then deploy the version change alone',
    );
    await expect(onEvent(update(gate('12.4', 'b'), gate('10.4', 'a')))).rejects.toThrow(why);
  });

  test('fails when the stack filled no fingerprint: nothing proves the raise is alone', () => {
    expect(refusal(gate('12.4'), gate('10.4'))).toContain('raises Grafana from 10.4 to 12.4');
  });

  test('lets through a raise alone, an unchanged version, a rollback (the version falls back), a create and a delete', async () => {
    expect(refusal(gate('12.4', 'a'), gate('10.4', 'a'))).toBeUndefined();
    expect(refusal(gate('12.4', 'b'), gate('12.4', 'a'))).toBeUndefined();
    expect(refusal(gate('10.4', 'a'), gate('12.4', 'b'))).toBeUndefined();
    await expect(onEvent(update(gate('10.4', 'a'), gate('12.4', 'b')))).resolves.toEqual({ PhysicalResourceId: 'grafana-upgrade-gate' });
    for (const RequestType of ['Create', 'Delete'])
      await expect(
        onEvent({
          RequestType,
          ResourceProperties: gate('12.4', 'b'),
          PhysicalResourceId: 'p',
        } as unknown as CloudFormationCustomResourceEvent),
      ).resolves.toBeDefined();
  });
});

/** AMG's workspace as CloudFormation updates it: upgrades in place, refuses a downgrade (AMG.upgradeOnly). */
function fakeWorkspace(state: { version: string }): SimulatedResource<{ GrafanaVersion: string }>['update'] {
  expect(AMG.upgradeOnly).toBe(true);
  return async (_old, next) => {
    if (compareVersions(next.GrafanaVersion, state.version) < 0)
      throw new Error(`ValidationException: cannot downgrade Grafana ${state.version} to ${next.GrafanaVersion}`);
    state.version = next.GrafanaVersion;
  };
}

describe('a Grafana upgrade through a simulated CloudFormation update (test/contracts/cloudformation.ts)', () => {
  // The resources a version raise touches, in the stack's dependency order; "Alarms" stands for any resource
  // updated after the workspace that fails (here: always).
  const deploy = (state: { version: string }, withGate: boolean, fingerprints: [string, string]) =>
    simulateStackUpdate([
      {
        name: 'UpgradeGate',
        old: gate('10.4', fingerprints[0]),
        next: gate('12.4', fingerprints[1]),
        update: async (old: GateProperties, next: GateProperties) => {
          if (!withGate) return;
          await onEvent(update(next, old));
        },
      },
      { name: 'Workspace', old: { GrafanaVersion: '10.4' }, next: { GrafanaVersion: '12.4' }, update: fakeWorkspace(state) },
      {
        name: 'Alarms',
        old: { Threshold: fingerprints[0] },
        next: { Threshold: fingerprints[1] },
        update: async (old: { Threshold: string }, next: { Threshold: string }) => {
          // Fails going forward; its own rollback succeeds.
          if (next.Threshold === fingerprints[1] && old.Threshold !== next.Threshold) throw new Error('InvalidParameter');
        },
      },
    ]);

  test('without the gate, a raise deployed with a change that fails later ends UPDATE_ROLLBACK_FAILED (the downgrade AMG refuses)', async () => {
    const state = { version: '10.4' };
    const { outcome, log } = await deploy(state, false, ['a', 'b']);
    expect(outcome).toBe('UPDATE_ROLLBACK_FAILED');
    expect(log).toContain('Workspace UPDATE_FAILED (rollback): ValidationException: cannot downgrade Grafana 12.4 to 10.4');
  });

  test('with the gate, the same deploy stops before the workspace changes and rolls back cleanly', async () => {
    const state = { version: '10.4' };
    const { outcome, log } = await deploy(state, true, ['a', 'b']);
    expect(outcome).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(state.version).toBe('10.4');
    expect(log[0]).toMatch(/^UpgradeGate UPDATE_FAILED: .* raises Grafana from 10\.4 to 12\.4/);
    expect(log).not.toContain('Workspace UPDATE_COMPLETE');
  });

  test('with the gate, the raise deployed alone upgrades the workspace and completes', async () => {
    const state = { version: '10.4' };
    // Alone: the rest of the template is unchanged (same fingerprint), so "Alarms" does not change either.
    const { outcome } = await deploy(state, true, ['a', 'a']);
    expect(outcome).toBe('UPDATE_COMPLETE');
    expect(state.version).toBe('12.4');
  });
});

describe('the stack: the gate guards the workspace and fingerprints everything but the version', () => {
  /** The gate's properties. */
  const gateOf = (json: Record<string, any>) => resourcesOf(json, UPGRADE_GATE_TYPE)[0][1];

  test('the workspace depends on the gate, whose fingerprint is filled from the template', () => {
    const { json } = synth('dev');
    const [[gateId]] = resourcesOf(json, UPGRADE_GATE_TYPE);
    const [[workspaceId, workspace]] = resourcesOf(json, 'AWS::Grafana::Workspace');
    expect(json.Resources[workspaceId].DependsOn).toContain(gateId);
    expect(gateOf(json)).toMatchObject({
      GrafanaVersion: workspace.GrafanaVersion,
      Fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      Setting: 'config/environments.yaml dev.grafana.version',
    });
  });

  test('a version change alone keeps the fingerprint, and changes only the version properties', () => {
    const a = synth('dev', (e) => ({ ...e, grafana: { ...e.grafana, version: '10.4' } })).json;
    const b = synth('dev', (e) => ({ ...e, grafana: { ...e.grafana, version: '12.4' } })).json;
    expect(gateOf(a).Fingerprint).toBe(gateOf(b).Fingerprint);
    const differing = Object.keys(b.Resources).filter((id) => JSON.stringify(a.Resources[id]) !== JSON.stringify(b.Resources[id]));
    expect(differing.map((id) => b.Resources[id].Type).sort()).toEqual(
      ['AWS::Grafana::Workspace', 'Custom::GrafanaDashboards', UPGRADE_GATE_TYPE].sort(),
    );
  });

  test('any other change changes the fingerprint', () => {
    const a = synth('dev').json;
    const b = synth('dev', (e) => ({ ...e, logRetentionDays: e.logRetentionDays === 30 ? 60 : 30 })).json;
    expect(gateOf(a).Fingerprint).not.toBe(gateOf(b).Fingerprint);
  });
});
