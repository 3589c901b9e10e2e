import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** A Container Insights metric (ECS/ContainerInsights) of one ECS service. @default average over 1 minute */
export function containerInsightsMetric(
  clusterName: string,
  serviceName: string,
  metricName: 'RunningTaskCount' | 'DesiredTaskCount',
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'ECS/ContainerInsights',
    metricName,
    dimensionsMap: { ClusterName: clusterName, ServiceName: serviceName },
    statistic: 'Average',
    period: Duration.minutes(1),
    ...options,
  });
}
