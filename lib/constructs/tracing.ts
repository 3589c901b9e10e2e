import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { Naming } from '../naming';
import { XRAY_ENV_ANNOTATION } from '../render/collector-config';

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
      // The collector sets the span attribute deployment_environment on every
      // span and indexes it (awsxray indexed_attributes), so every segment
      // carries annotation.deployment_environment: annotations come from span
      // attributes only (contrib@v0.156.0:exporter/awsxrayexporter/internal/translator/segment.go,
      // makeXRayAttributes). See XRAY_ENV_ANNOTATION in the collector renderer.
      filterExpression: `annotation.${XRAY_ENV_ANNOTATION} = "${props.naming.env}"`,
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
        // No `attributes` match: sampling is decided in the services' SDKs
        // when a span starts, before the collector adds deployment_environment,
        // so a rule matching it would match nothing (the SDK-side matching on
        // span attributes known at start is UNCONFIRMED here). The rule is the
        // environment's by its name and priority.
        version: 1,
      },
    });
  }
}
