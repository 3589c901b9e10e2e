import { EnvironmentConfig } from '../config/environment-schema';
import { Naming } from '../naming';
import { WATCHDOG_RECEIVER } from './routing';

/** One place a receiver's notifications go, and what a person checks there after a test alert. */
export interface Destination {
  readonly kind: 'email' | 'sms' | 'pagerduty' | 'slack' | 'webhook' | 'alarm';
  readonly target: string;
  readonly check: string;
}

/**
 * Where each receiver's notifications go in an environment, for people: the
 * same rules as lib/constructs/alert-routing.ts (email: critical and warning;
 * SMS and PagerDuty: critical; Slack: critical, warning, info; the Watchdog's
 * topic is watched by an alarm) and lib/render/local-bundle.ts (a webhook per
 * receiver to the alert sink, Slack for critical, warning, info).
 * test/model/alert-destinations.test.ts holds this against the synthesized
 * SNS subscriptions.
 */
export function destinationsOf(env: EnvironmentConfig, receiver: string): Destination[] {
  const naming = Naming.of(env);
  const human = receiver !== WATCHDOG_RECEIVER;
  const slack = env.alerts.slack && ['critical', 'warning', 'info'].includes(receiver);
  if (env.target === 'local') {
    return [
      { kind: 'webhook', target: `alert sink /${receiver}`, check: `the alert sink prints a notification for receiver "${receiver}"` },
      ...(slack ? [{ kind: 'slack' as const, target: 'webhook in SLACK_WEBHOOK_URL_FILE', check: 'a message in the Slack channel' }] : []),
    ];
  }
  const out: Destination[] = [];
  if (human && ['critical', 'warning'].includes(receiver)) {
    for (const email of env.alerts.email)
      out.push({
        kind: 'email',
        target: email,
        check: `a mail arrives; if not, the SNS subscription of ${naming.name(`alerts-${receiver}`)} may still be PendingConfirmation`,
      });
  }
  if (receiver === 'critical') {
    for (const number of env.alerts.sms)
      out.push({ kind: 'sms', target: number, check: 'a text arrives; if not, check the SNS SMS sandbox and spend limit' });
    if (env.alerts.pagerduty)
      out.push({
        kind: 'pagerduty',
        target: `integration URL in secret ${env.alerts.pagerduty.secretName}`,
        check: "an incident opens (and resolves with the alert); if not, the secret's url or the SNS https subscription is wrong",
      });
  }
  if (slack && env.alerts.slack?.webhookSecretName)
    out.push({
      kind: 'slack',
      target: `webhook in secret ${env.alerts.slack.webhookSecretName}`,
      check: `a message in the channel; if not, see the logs of ${naming.name('slack-notifier')}`,
    });
  if (!human)
    out.push({
      kind: 'alarm',
      target: `CloudWatch alarm ${naming.name('watchdog-silent')}`,
      check: `NumberOfMessagesPublished of ${naming.name(`alerts-${receiver}`)} rises; the alarm stays OK`,
    });
  return out;
}
