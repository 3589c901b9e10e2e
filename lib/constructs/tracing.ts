import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { XRAY_ENV_ANNOTATION } from '../render/collector-config';
import { requiredName, ResourceNames } from './resource-names';

export interface TracingProps {
  /** Physical names: the group and the sampling rule are named `names.prefix`. @default - a name unique in the stack */
  readonly names?: ResourceNames;
  /**
   * Only traces whose spans carry this deployment environment belong to the group
   * (`annotation.deployment_environment = "<value>"`, set by the collector).
   * @default - the group holds every trace
   */
  readonly deploymentEnvironment?: string;
  /** Share of requests sampled beyond the reservoir (0-1). */
  readonly sampleRate: number;
  /** Requests per second always sampled, per service. @default 1 */
  readonly reservoirSize?: number;
}

/** An X-Ray group (with insights) and sampling rule. */
export class Tracing extends Construct {
  readonly group: xray.CfnGroup;
  readonly samplingRule: xray.CfnSamplingRule;

  constructor(scope: Construct, id: string, props: TracingProps) {
    super(scope, id);
    if (props.sampleRate < 0 || props.sampleRate > 1) throw new Error(`Tracing: sampleRate must be 0-1, got ${props.sampleRate}`);
    // X-Ray limits group and rule names to 32 characters.
    const name = requiredName(this, props.names, 32);
    this.group = new xray.CfnGroup(this, 'Group', {
      groupName: name,
      // The collector sets the span attribute deployment_environment (XRAY_ENV_ANNOTATION)
      // on every span and awsxray indexes it, so every segment carries the annotation.
      // @see docs/collector.md#x-ray
      filterExpression:
        props.deploymentEnvironment === undefined ? undefined : `annotation.${XRAY_ENV_ANNOTATION} = "${props.deploymentEnvironment}"`,
      insightsConfiguration: { insightsEnabled: true, notificationsEnabled: false },
    });
    const ruleName = name.slice(0, 32);
    this.samplingRule = new xray.CfnSamplingRule(this, 'SamplingRule', {
      samplingRule: {
        ruleName,
        priority: 100,
        fixedRate: props.sampleRate,
        reservoirSize: props.reservoirSize ?? 1,
        serviceName: '*',
        serviceType: '*',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        // No `attributes` match: the services' SDKs sample when a span starts,
        // before the collector adds deployment_environment. The rule is the
        // environment's by its name and priority.
        // @see docs/collector.md#x-ray
        version: 1,
      },
    });
  }
}
