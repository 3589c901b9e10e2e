/**
 * Facts about CloudWatch Logs IAM authorization that the Grafana workspace
 * role relies on. Read 2026-12-07.
 */

/**
 * Actions that authorize on the log group they read, so a policy can scope
 * them to `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`
 * (the log-group resource type of the Service Authorization Reference,
 * "Actions, resources, and condition keys for Amazon CloudWatch Logs"; its ARN
 * format as an AWS re:Post answer quotes it). The per-action rows (each of
 * these three listing log-group*) are UNCONFIRMED here: our stored copies of
 * that page were not found; re-read it when the Grafana Logs data source is
 * refused. StopQuery, GetQueryResults and DescribeLogGroups take no log group
 * ARN and stay on '*'.
 */
export const LOG_GROUP_READS = {
  actions: ['logs:GetLogEvents', 'logs:GetLogGroupFields', 'logs:StartQuery'],
  source:
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html; https://repost.aws/questions/QULInT7WNvRYafkTh1hi8SdQ/limit-access-to-cloudwatch-logs-insights-query-results',
} as const;
