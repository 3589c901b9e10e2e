import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AlertRouting } from '../constructs/alert-routing';
import { CollectorService } from '../constructs/collector-service';
import { IGrafanaWorkspace } from '../constructs/grafana-workspace';
import { PrometheusWorkspace } from '../constructs/prometheus-workspace';
import { ServiceLogGroups } from '../constructs/service-log-groups';
import { Naming } from '../naming';

/*
 * What ObservabilityStack publishes for the platform and for people: stack
 * outputs and SSM parameters. The constructs publish nothing themselves (a
 * second construct of a kind would collide on fixed ids); these keep the ids
 * they had when the constructs made them, so the templates did not change:
 * outputs on the stack, SSM parameters as children of the construct they
 * describe.
 */

/** The AMP workspace's endpoints: outputs, and SSM parameters `/<app>/<env>/amp/<name>`. */
export function exportWorkspace(stack: Stack, workspace: PrometheusWorkspace, naming: Naming): void {
  const params = { 'remote-write-url': workspace.remoteWriteUrl, 'query-url': workspace.queryUrl, 'workspace-arn': workspace.workspaceArn };
  for (const [name, value] of Object.entries(params)) {
    new ssm.StringParameter(workspace, `Param-${name}`, {
      parameterName: naming.path('amp', name),
      stringValue: value,
      description: `AMP ${name} of ${naming.prefix}`,
    });
  }
  new CfnOutput(stack, 'AmpRemoteWriteUrl', { value: workspace.remoteWriteUrl, description: 'AMP remote-write URL' });
  new CfnOutput(stack, 'AmpQueryUrl', { value: workspace.queryUrl, description: 'AMP query URL' });
  new CfnOutput(stack, 'AmpWorkspaceArn', { value: workspace.workspaceArn, description: 'AMP workspace ARN' });
  if (workspace.remoteWriteRole) {
    new CfnOutput(stack, 'AmpRemoteWriteRoleArn', {
      value: workspace.remoteWriteRole.roleArn,
      description: 'Role an existing Prometheus assumes to remote-write',
    });
  }
}

/** One output per alert topic, `AlertTopic<Receiver>Arn`. */
export function exportAlertTopics(stack: Stack, routing: AlertRouting): void {
  for (const [receiver, topic] of Object.entries(routing.topics)) {
    new CfnOutput(stack, `AlertTopic${receiver.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}Arn`, {
      value: topic.topicArn,
      description: `SNS topic of the "${receiver}" alert receiver`,
    });
  }
}

/**
 * Each service's log group name and ARN as SSM parameters
 * (`/<app>/<env>/logs/<service>/name|arn`), for the services' task
 * definitions; in the (nested) stack of the log groups.
 */
export function exportLogGroups(groups: ServiceLogGroups, naming: Naming): void {
  for (const [service, group] of Object.entries(groups.logGroups)) {
    new ssm.StringParameter(groups, `Name-${service}`, {
      parameterName: naming.path('logs', service, 'name'),
      stringValue: group.logGroupName,
      description: `Log group of ${service} (awslogs-group)`,
    });
    new ssm.StringParameter(groups, `Arn-${service}`, {
      parameterName: naming.path('logs', service, 'arn'),
      stringValue: group.logGroupArn,
      description: `Log group ARN of ${service}`,
    });
  }
}

/** The collector's OTLP endpoint and security group. */
export function exportCollector(stack: Stack, collector: CollectorService): void {
  new CfnOutput(stack, 'CollectorOtlpEndpoint', { value: collector.otlpHttpEndpoint, description: 'OTLP/HTTP endpoint of the collector' });
  new CfnOutput(stack, 'CollectorSecurityGroupId', {
    value: collector.securityGroup.securityGroupId,
    description: "Allow this group to reach the services' metrics port (8001)",
  });
}

/** The Grafana workspace's URL. */
export function exportGrafana(stack: Stack, grafana: IGrafanaWorkspace): void {
  new CfnOutput(stack, 'GrafanaUrl', { value: grafana.url, description: 'Amazon Managed Grafana workspace URL' });
}
