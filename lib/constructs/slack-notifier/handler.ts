/**
 * Posts alert notifications from the SNS alert topics to a Slack incoming
 * webhook. The webhook URL is read from Secrets Manager at run time (never
 * from the template or the environment), and cached for the container's life.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { HttpRequestError, HttpResponse, sendHttp } from '../../http/http-client';

export interface ParsedAlert {
  readonly alert: string;
  readonly status: string;
  readonly severity: string;
  readonly service: string;
  readonly summary: string;
  readonly description: string;
  readonly runbook: string;
  readonly dashboard: string;
}

const FIELDS: Record<string, keyof ParsedAlert> = {
  Alert: 'alert',
  Status: 'status',
  Severity: 'severity',
  Service: 'service',
  Summary: 'summary',
  Description: 'description',
  Runbook: 'runbook',
  Dashboard: 'dashboard',
};

/**
 * Reads the body rendered by the "trading.message" template
 * (alerts/templates/notification.tmpl): one block of "Key: value" lines per
 * alert, blocks separated by a blank line.
 */
export function parseNotification(message: string): ParsedAlert[] {
  return message
    .split(/\n\s*\n/)
    .map((block) => {
      const fields: Partial<Record<keyof ParsedAlert, string>> = {};
      for (const line of block.split('\n')) {
        const m = /^([A-Za-z]+): ?(.*)$/.exec(line.trim());
        const key = m ? FIELDS[m[1]] : undefined;
        if (m && key) fields[key] = m[2];
      }
      return fields;
    })
    .filter((f) => f.alert)
    .map((f) => ({
      alert: f.alert ?? '',
      status: f.status ?? 'firing',
      severity: f.severity ?? '',
      service: f.service ?? '',
      summary: f.summary ?? '',
      description: f.description ?? '',
      runbook: f.runbook ?? '',
      dashboard: f.dashboard ?? '',
    }));
}

const ICON: Record<string, string> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

/** A Slack message that reads well in the channel: name, severity, state, summary, service, links. */
export function toSlackMessage(subject: string | undefined, alerts: readonly ParsedAlert[]): { text: string; blocks: unknown[] } {
  const blocks = alerts.flatMap((a) => {
    const state = a.status === 'resolved' ? ':white_check_mark: RESOLVED' : `${ICON[a.severity] ?? ':bell:'} FIRING`;
    const links = [a.runbook && `<${a.runbook}|Runbook>`, a.dashboard && `<${a.dashboard}|Dashboard>`].filter(Boolean).join(' | ');
    return [
      { type: 'header', text: { type: 'plain_text', text: `${a.alert} (${a.severity})` } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*${state}* · service \`${a.service}\`\n*${a.summary}*\n${a.description}` },
      },
      ...(links ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: links }] }] : []),
      { type: 'divider' },
    ];
  });
  const text = subject ?? alerts.map((a) => `${a.status.toUpperCase()} ${a.alert} (${a.severity}, ${a.service}): ${a.summary}`).join('\n');
  return { text, blocks };
}

const secrets = new SecretsManagerClient({});
let webhookUrl: Promise<string> | undefined;

async function readWebhookUrl(secretId: string): Promise<string> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const raw = out.SecretString ?? '';
  const url = raw.trim().startsWith('{') ? (JSON.parse(raw) as { url?: string }).url : raw.trim();
  if (!url || !/^https:\/\//.test(url))
    throw new Error(`secret ${secretId} holds no https webhook URL (expected {"url": "https://hooks.slack.com/..."})`);
  return url;
}

/** Test hook: forget the cached webhook URL. */
export function resetCache(): void {
  webhookUrl = undefined;
}

export async function handler(event: SNSEvent): Promise<{ posted: number }> {
  const secretId = process.env.WEBHOOK_SECRET_ID;
  if (!secretId) throw new Error('WEBHOOK_SECRET_ID is not set');
  webhookUrl ??= readWebhookUrl(secretId).catch((e: unknown) => {
    webhookUrl = undefined;
    throw e;
  });
  const url = await webhookUrl;
  let posted = 0;
  for (const record of event.Records) {
    const alerts = parseNotification(record.Sns.Message);
    const body = alerts.length > 0 ? toSlackMessage(record.Sns.Subject ?? undefined, alerts) : { text: record.Sns.Message, blocks: [] };
    // A POST is sent once (SNS retries the invocation); the timeout keeps a hung webhook from using the function's whole budget.
    let res: HttpResponse;
    try {
      res = await sendHttp({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        timeoutMs: 10_000,
      });
    } catch (e) {
      // Never log the URL (it is the credential): not the request error, whose message and fields carry its path.
      // eslint-disable-next-line preserve-caught-error -- the cause would carry the webhook URL, the credential
      if (e instanceof HttpRequestError) throw new Error('Slack did not answer (no connection, or no answer within 10 s)');
      throw e;
    }
    if (!res.ok) {
      // Never log the URL: it is the credential.
      throw new Error(`Slack answered ${res.status}: ${res.text.slice(0, 200)}`);
    }
    posted++;
  }
  return { posted };
}
