/**
 * The Grafana upgrade gate (a CloudFormation custom resource, behind the
 * custom-resources Provider): refuses a deploy that raises the workspace's
 * Grafana version together with any other change, before the workspace is
 * touched. Amazon Managed Grafana upgrades in place and never downgrades, so
 * in a deploy that also changes other resources, any later failure rolls the
 * workspace back into a downgrade AMG refuses: UPDATE_ROLLBACK_FAILED. An
 * upgrade deployed on its own leaves nothing after it that may fail (the
 * dashboard importer does not fail the deploy that upgrades; see the
 * dashboard-import handler).
 * @see test/contracts/grafana.ts AMG.upgradeOnly
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** The gate's properties (strings, as CloudFormation passes them). */
export interface GateProperties {
  /** The Grafana version the workspace is declared with ("10.4", "12.4"). */
  readonly GrafanaVersion: string;
  /**
   * A hash of the stack's template without the Grafana version: equal when nothing else changes.
   * Absent (a stack that does not fill it): nothing is known, and every upgrade is refused.
   */
  readonly Fingerprint?: string;
  /** Where the version is set, for the message. */
  readonly Setting: string;
}

/** Major and minor of "12.4" (a patch part is ignored); NaN parts compare as 0. */
function parts(v: string): [number, number] {
  const [major, minor] = v.split('.').map((p) => Number.parseInt(p, 10));
  return [Number.isFinite(major) ? major : 0, Number.isFinite(minor) ? minor : 0];
}

/** Negative when a is older than b, 0 when the same, positive when newer. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  return x[0] - y[0] || x[1] - y[1];
}

/**
 * Why the deploy must stop, or undefined when it may go on: only an Update that
 * raises the version while the rest of the template changes too. A rollback (the
 * version falls back) always passes: the gate is never what fails a rollback.
 */
export function refusal(next: GateProperties, previous: GateProperties | undefined): string | undefined {
  if (!previous || compareVersions(next.GrafanaVersion, previous.GrafanaVersion) <= 0) return undefined;
  if (next.Fingerprint !== undefined && next.Fingerprint === previous.Fingerprint) return undefined;
  return (
    `${next.Setting} raises Grafana from ${previous.GrafanaVersion} to ${next.GrafanaVersion} in a deploy that changes other resources too; ` +
    `AMG cannot downgrade, so a later failure would roll back into UPDATE_ROLLBACK_FAILED. ` +
    `Fix: deploy the other changes with ${next.Setting} ${previous.GrafanaVersion}, then deploy the version change alone`
  );
}

export async function onEvent(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string }> {
  const physicalId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : 'grafana-upgrade-gate';
  if (event.RequestType === 'Update') {
    const why = refusal(event.ResourceProperties as unknown as GateProperties, event.OldResourceProperties as unknown as GateProperties);
    if (why) throw new Error(why);
  }
  return { PhysicalResourceId: physicalId };
}
