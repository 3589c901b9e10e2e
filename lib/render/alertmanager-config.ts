import { stringify as stringifyYaml } from 'yaml';
import { Routing } from '../model/routing';

/** The notification templates every receiver uses (alerts/templates/notification.tmpl). */
export const SUBJECT_TEMPLATE = '{{ template "trading.subject" . }}';
export const MESSAGE_TEMPLATE = '{{ template "trading.message" . }}';

/**
 * The Alertmanager configuration for a routing tree: the same route and
 * inhibit rules everywhere; only each receiver's destinations and the template
 * paths differ. AMP and local Alertmanager both render through here.
 */
export function renderAlertmanagerConfig(
  routing: Routing,
  destinations: (receiver: string) => Record<string, unknown>,
  templatePaths: readonly string[],
): Record<string, unknown> {
  return {
    route: routing.route,
    inhibit_rules: routing.inhibitRules,
    receivers: routing.receivers.map((name) => ({ name, ...destinations(name) })),
    templates: templatePaths,
  };
}

/**
 * AMP's alert manager definition: the Alertmanager configuration with one SNS
 * topic per receiver (SigV4 in the workspace's region), wrapped with
 * `template_files` and `alertmanager_config` as AMP expects.
 */
export function renderAmpAlertManagerDefinition(routing: Routing, topicArns: Readonly<Record<string, string>>, region: string): string {
  const config = renderAlertmanagerConfig(
    routing,
    (receiver) => {
      const topicArn = topicArns[receiver];
      if (!topicArn) throw new Error(`renderAmpAlertManagerDefinition: no SNS topic for receiver "${receiver}"`);
      return {
        sns_configs: [
          {
            topic_arn: topicArn,
            sigv4: { region },
            subject: SUBJECT_TEMPLATE,
            message: MESSAGE_TEMPLATE,
            attributes: { receiver },
          },
        ],
      };
    },
    Object.keys(routing.templates),
  );
  return stringifyYaml(
    {
      template_files: routing.templates,
      alertmanager_config: stringifyYaml(config, { lineWidth: 0 }),
    },
    { lineWidth: 0, blockQuote: 'literal' },
  );
}
