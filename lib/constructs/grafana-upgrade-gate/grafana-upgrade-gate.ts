import { createHash } from 'crypto';
import * as path from 'path';
import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { inlineNodeCode } from '../bundled-node-code';
import { acknowledgeRoleDependsOn } from '../cfn-lint';
import { acknowledgeProviderFramework } from '../provider-framework';
import { ResourceNames } from '../resource-names';
import type { GateProperties } from './handler';

export const UPGRADE_GATE_TYPE = 'Custom::GrafanaUpgradeGate';
/** The properties that carry the Grafana version, left out of the fingerprint. */
export const VERSION_PROPERTY = 'GrafanaVersion';

export interface GrafanaUpgradeGateProps {
  /** The version the workspace is declared with. */
  readonly grafanaVersion: string;
  /** Where the user sets it, named in the refusal. @default "grafana.version" */
  readonly setting?: string;
  /** Physical names (function, log groups). @default - names chosen by CloudFormation */
  readonly names?: ResourceNames;
  /** @default - no customer managed key */
  readonly logsKey?: kms.IKey;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Makes a Grafana version upgrade a deploy of its own (see ./handler): the
 * workspace depends on the gate, so a refused deploy stops before the
 * workspace changes. The gate's fingerprint is a hash of its stack's template
 * without the version properties; `GrafanaUpgradeGate.fingerprint` fills it
 * from the stack's `_toCloudFormation` (the template exists only then).
 */
export class GrafanaUpgradeGate extends Construct {
  /** Fills every gate's Fingerprint in a stack's template (call from the stack's `_toCloudFormation`). */
  static fingerprint(template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> }): void {
    const resources = template.Resources ?? {};
    const gates = Object.values(resources).filter((r) => r.Type === UPGRADE_GATE_TYPE);
    if (gates.length === 0) return;
    const rest = Object.fromEntries(
      Object.entries(resources)
        .filter(([, r]) => r.Type !== UPGRADE_GATE_TYPE)
        .map(([id, r]) => {
          if (!r.Properties || !(VERSION_PROPERTY in r.Properties)) return [id, r];
          const { [VERSION_PROPERTY]: _version, ...properties } = r.Properties;
          return [id, { ...r, Properties: properties }];
        }),
    );
    const hash = createHash('sha256')
      .update(JSON.stringify({ ...template, Resources: rest }))
      .digest('hex')
      .slice(0, 16);
    for (const gate of gates) gate.Properties = { ...gate.Properties, Fingerprint: hash };
  }

  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: GrafanaUpgradeGateProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.names?.path('grafana-upgrade-gate'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Grafana upgrade gate: compares two sets of properties, writes its logs (calls no AWS API)',
    });
    logGroup.grantWrite(role);
    const handler = new lambda.Function(this, 'Handler', {
      functionName: props.names?.name('grafana-upgrade-gate'),
      code: inlineNodeCode(path.join(__dirname, 'handler', 'index.ts')),
      handler: 'index.onEvent',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      description: 'Refuses a Grafana version upgrade deployed together with other changes',
    });
    acknowledgeRoleDependsOn(handler);
    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      logGroupName: props.names?.path('grafana-upgrade-gate-provider'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: handler, logGroup: providerLogs });
    // Fingerprint is added by GrafanaUpgradeGate.fingerprint; without it the gate refuses every upgrade.
    const properties: Omit<GateProperties, 'Fingerprint'> = {
      GrafanaVersion: props.grafanaVersion,
      Setting: props.setting ?? 'grafana.version',
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: UPGRADE_GATE_TYPE,
      properties,
    });
    acknowledgeProviderFramework(provider, handler, 'the upgrade gate function');
  }

  /** Makes `resource` wait for the gate: it is changed only after the gate has let the deploy go on. */
  guard(resource: IConstruct): void {
    resource.node.addDependency(this.resource);
  }
}
