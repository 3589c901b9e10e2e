/**
 * `npm run alerts:test -- [--env NAME] [--alertmanager URL] [--receiver NAME] [--minutes N] [--dry-run]`
 *
 * Sends one synthetic, clearly labelled test alert through each receiver of
 * the routing tree (or the one named), to local Alertmanager or to AMP's
 * alert manager (SigV4, region from the URL), and prints where each
 * receiver's notifications should arrive and what to check. The labels come
 * from the routing tree (scripts/alert-probes.ts); the alerts end by
 * themselves after --minutes.
 */
import { parseArgs } from 'node:util';
import { compile } from '../lib/compile/compile';
import { projectRoot, readProject } from '../lib/io/read-project';
import { EnvironmentConfig } from '../lib/config/environment-schema';
import { destinationsOf, Destination } from '../lib/model/alert-destinations';
import { Routing } from '../lib/model/routing';
import { TestAlert, testAlerts } from './alert-probes';
import { AlertmanagerApi, PostableAlert } from './alertmanager-api';

export const LOCAL_ALERTMANAGER = 'http://127.0.0.1:9093';
export const DEFAULT_MINUTES = 10;

/** Seconds of a duration of Alertmanager's config (e.g. 30s, 1m, 1h30m). */
export function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * units[unit];
  return total;
}

export interface PlannedTest extends TestAlert {
  readonly alert: PostableAlert;
  readonly destinations: readonly Destination[];
}

/** The test alerts to send: every receiver's, or only `receiver`'s. Throws on an unknown receiver or an endsAt that would come before the notification. */
export function planTests(
  env: EnvironmentConfig,
  routing: Routing,
  options: { receiver?: string; minutes: number; now: Date; author: string },
): PlannedTest[] {
  if (options.receiver && !routing.receivers.includes(options.receiver)) {
    throw new Error(
      `alerts:test: no receiver "${options.receiver}" in alerts/alertmanager.yaml; receivers are ${routing.receivers.join(', ')}`,
    );
  }
  const endsAt = new Date(options.now.getTime() + options.minutes * 60_000);
  return testAlerts(routing)
    .filter((t) => !options.receiver || t.receiver === options.receiver)
    .map((t) => {
      const wait = seconds(t.groupWait ?? '30s');
      if (options.minutes * 60 <= wait + 30) {
        throw new Error(
          `alerts:test: --minutes ${options.minutes} ends the "${t.receiver}" test alert before its route's group_wait (${t.groupWait}) has passed; give more minutes`,
        );
      }
      return {
        ...t,
        destinations: destinationsOf(env, t.receiver),
        alert: {
          labels: { ...t.labels },
          annotations: {
            summary: `TEST of the "${t.receiver}" alert destinations (no action needed)`,
            description: `Synthetic alert sent by ${options.author} with npm run alerts:test at ${options.now.toISOString()}; it resolves by itself at ${endsAt.toISOString()}.`,
            runbook_url: 'README.md#day-two',
          },
          startsAt: options.now.toISOString(),
          endsAt: endsAt.toISOString(),
        },
      };
    });
}

export async function sendTests(api: AlertmanagerApi, tests: readonly PlannedTest[]): Promise<void> {
  await api.postAlerts(tests.map((t) => t.alert));
}

export function describeTests(tests: readonly PlannedTest[]): string {
  return tests
    .map((t) =>
      [
        `receiver ${t.receiver}: ${Object.entries(t.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(', ')} (notified after group_wait ${t.groupWait ?? 'default'})`,
        ...(t.destinations.length
          ? t.destinations.map((d) => `  ${d.kind.padEnd(9)} ${d.target}\n            check: ${d.check}`)
          : ['  (no destinations configured: nobody is told)']),
      ].join('\n'),
    )
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: 'local' },
      alertmanager: { type: 'string' },
      receiver: { type: 'string' },
      minutes: { type: 'string', default: String(DEFAULT_MINUTES) },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const root = projectRoot();
  const model = compile(readProject(root), values.env);
  const env = model.environment;
  const url = values.alertmanager ?? (env.target === 'local' ? LOCAL_ALERTMANAGER : undefined);
  if (!url) {
    throw new Error(
      `alerts:test: --alertmanager is required for ${env.name}: the AMP workspace's alert manager, https://aps-workspaces.<region>.amazonaws.com/workspaces/<ws-id>/alertmanager`,
    );
  }
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new Error(`alerts:test: --minutes must be a positive number (got ${values.minutes})`);
  const tests = planTests(env, model.routing, {
    receiver: values.receiver,
    minutes,
    now: new Date(),
    author: process.env.USER ?? 'someone',
  });
  console.log(
    `${values['dry-run'] ? 'Would send' : 'Sending'} ${tests.length} test alert(s) to ${url}${AlertmanagerApi.isAmp(url) ? ' (SigV4)' : ''}:\n${describeTests(tests)}`,
  );
  if (!values['dry-run']) {
    await sendTests(new AlertmanagerApi(url), tests);
    console.log(`Sent. They resolve by themselves in ${minutes} minutes; a missing notification above is the finding.`);
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
