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

/**
 * Metric filter patterns over JSON log events, as the log alerts render them
 * (lib/model/log-alerts.ts logAlertFilterPattern): `{ $.field = "value" }`
 * selects events whose JSON field equals the string, terms combine with `&&`
 * and `||` and group in parentheses; an event that is not JSON or lacks the
 * field does not match. A pattern is at most 1024 characters (MetricFilter
 * API, filterPattern "Length Constraints: Minimum length of 0. Maximum length
 * of 1024"). The same strings are what aws-cdk-lib's FilterPattern.all/any/
 * stringValue render (test/logs/log-alerts.test.ts compares them).
 * test/logs/log-fixtures.test.ts evaluates our patterns over fixture lines
 * with these semantics; AWS's own evaluator (TestMetricFilter) is not run
 * here (no AWS account): UNCONFIRMED beyond the pages.
 */
export const FILTER_PATTERN_SYNTAX = {
  maxLength: 1024,
  source:
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html; https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricFilter.html',
} as const;
