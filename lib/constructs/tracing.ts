import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { Naming } from '../naming';

export interface TracingProps {
  readonly naming: Naming;
  /** Share of requests sampled beyond the reservoir (0-1). */
  readonly sampleRate: number;
  /** Requests per second always sampled, per service. @default 1 */
  readonly reservoirSize?: number;
}

/** The platform's X-Ray group (with insights) and sampling rule. */
export class Tracing extends Construct {
  readonly group: xray.CfnGroup;
  readonly samplingRule: xray.CfnSamplingRule;

  constructor(scope: Construct, id: string, props: TracingProps) {
    super(scope, id);
    if (props.sampleRate < 0 || props.sampleRate > 1) throw new Error(`Tracing: sampleRate must be 0-1, got ${props.sampleRate}`);
    this.group = new xray.CfnGroup(this, 'Group', {
      groupName: props.naming.prefix,
      // The collector indexes deployment.environment as an annotation on every
      // segment: one short filter, whatever the number of services.
      filterExpression: `annotation.deployment_environment = "${props.naming.env}"`,
      insightsConfiguration: { insightsEnabled: true, notificationsEnabled: false },
    });
    // X-Ray limits rule names to 32 characters.
    const ruleName = props.naming.prefix.slice(0, 32);
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
        // The collector sets deployment.environment on every span (see the collector renderer).
        attributes: { 'deployment.environment': props.naming.env },
        version: 1,
      },
    });
  }
}
