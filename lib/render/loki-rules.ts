import { stringify } from 'yaml';
import { LogAlert, logAlertLogql } from '../model/log-alerts';
import { LOKI_SERVICE_LABEL } from '../model/log-queries';
import { LOG_QUERIES_DASHBOARD_UID } from './log-dashboards';

/** The local stack's Loki ruler folder for the single tenant ("fake" while auth is off). @see docs/logs.md#loki-locally */
export const LOKI_RULES_FILE = 'monitoring/loki/rules/fake/logs.yaml';

/**
 * The log alerts as a Loki ruler rule file (Prometheus rule-file format, LogQL
 * expressions), sent by Loki to the same Alertmanager and routing tree as
 * the metric alerts: the same name, severity, service and annotations as
 * the CloudWatch alarm each becomes on AWS.
 */
export function renderLokiRules(alerts: readonly LogAlert[]): string {
  return stringify(
    {
      groups: [
        {
          name: 'log_alerts',
          interval: '1m',
          rules: alerts.map((a) => ({
            alert: a.name,
            expr: logAlertLogql(a),
            labels: { severity: a.severity, service: `{{ $labels.${LOKI_SERVICE_LABEL} }}`, source: 'logs' },
            annotations: {
              summary: a.summary,
              description: a.description,
              runbook_url: a.runbookUrl,
              dashboard_url: `/d/${LOG_QUERIES_DASHBOARD_UID}`,
            },
          })),
        },
      ],
    },
    { lineWidth: 0 },
  );
}
