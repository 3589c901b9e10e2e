import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ResourceNames } from './resource-names';

export interface OtelServiceSettingsProps {
  /** Parameter names `names.path('otel', <service>, <VARIABLE>)`. @default - names chosen by CloudFormation */
  readonly names?: ResourceNames;
  /** The services that get the settings (OTEL_SERVICE_NAME is the service's name). */
  readonly services: readonly string[];
  /** `deployment.environment` of every service's resource attributes, e.g. `prod`. */
  readonly deploymentEnvironment: string;
  /** `service.namespace` of every service's resource attributes. @default - none */
  readonly serviceNamespace?: string;
  /** The collector's OTLP/HTTP endpoint, e.g. http://otel-collector.ns:4318 */
  readonly otlpEndpoint: string;
}

/**
 * "No code changes, just configuration" (seed 8.3): the OTEL_* values each
 * service sets, as SSM parameters (`names.path('otel', <service>, <VARIABLE>)`)
 * for the services' task definitions.
 */
export class OtelServiceSettings extends Construct {
  /** Variable name -> value, per service. */
  readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>;

  constructor(scope: Construct, id: string, props: OtelServiceSettingsProps) {
    super(scope, id);
    const values: Record<string, Record<string, string>> = {};
    for (const service of props.services) {
      values[service] = {
        OTEL_SERVICE_NAME: service,
        OTEL_RESOURCE_ATTRIBUTES: [
          `deployment.environment=${props.deploymentEnvironment}`,
          ...(props.serviceNamespace === undefined ? [] : [`service.namespace=${props.serviceNamespace}`]),
        ].join(','),
        OTEL_EXPORTER_OTLP_ENDPOINT: props.otlpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      };
      for (const [name, value] of Object.entries(values[service])) {
        new ssm.StringParameter(this, `${service}-${name}`, {
          parameterName: props.names?.path('otel', service, name),
          stringValue: value,
          description: `${name} for ${service}`,
        });
      }
    }
    this.values = values;
  }
}
