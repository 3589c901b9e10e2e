/**
 * Silences for planned maintenance, on local Alertmanager or AMP's alert
 * manager (SigV4, region from the URL), with the Alertmanager v2 API:
 *
 *   npm run alerts:silence -- create (--service NAME | --all) --duration 2h --comment TEXT --author NAME [--env NAME] [--alertmanager URL]
 *   npm run alerts:silence -- list [--env NAME] [--alertmanager URL]
 *   npm run alerts:silence -- expire ID [--env NAME] [--alertmanager URL]
 *
 * A silence never mutes the Watchdog: every silence carries
 * alertname!="Watchdog" (a negative matcher, `isEqual: false`).
 */
import { parseArgs } from 'node:util';
import { EnvironmentConfig } from '../lib/config/environment-schema';
import { projectRoot, readEnvironment } from '../lib/io/read-project';
import { AlertmanagerApi, ApiMatcher, GettableSilence, PostableSilence } from './alertmanager-api';
import { LOCAL_ALERTMANAGER } from './alerts-test';

/** The dead man's switch (alerts/platform-health.yaml, routed to the watchdog receiver). */
export const WATCHDOG_ALERTNAME = 'Watchdog';
/** At most a week: a longer silence is a disabled alert, which belongs in the rule files. */
export const MAX_SILENCE_HOURS = 7 * 24;

const NOT_WATCHDOG: ApiMatcher = { name: 'alertname', value: WATCHDOG_ALERTNAME, isRegex: false, isEqual: false };

/** Hours of "90m", "2h", "1d" (m, h, d). */
export function parseDuration(text: string): number {
  const m = /^(\d+)(m|h|d)$/.exec(text);
  if (!m || Number(m[1]) === 0) throw new Error(`alerts:silence: --duration must be like 30m, 2h or 1d (got ${JSON.stringify(text)})`);
  const hours = Number(m[1]) / ({ m: 60, h: 1, d: 1 / 24 } as const)[m[2] as 'm' | 'h' | 'd'];
  if (hours > MAX_SILENCE_HOURS)
    throw new Error(`alerts:silence: --duration ${text} is longer than ${MAX_SILENCE_HOURS / 24} days; change the rule instead`);
  return hours;
}

export interface SilenceRequest {
  /** One service (the `service` label), or undefined for everything but the Watchdog. */
  readonly service?: string;
  readonly hours: number;
  readonly comment: string;
  readonly author: string;
  readonly now: Date;
}

/** The silence to post; throws on an unknown service, an empty comment or author. */
export function buildSilence(env: EnvironmentConfig, r: SilenceRequest): PostableSilence {
  if (!r.comment.trim()) throw new Error('alerts:silence: --comment is required: say why (e.g. "deploy of backend 1.4.2, CHG-1234")');
  if (!r.author.trim()) throw new Error('alerts:silence: --author is required: who to ask about this silence');
  const services = env.services.map((s) => s.name);
  if (r.service !== undefined && !services.includes(r.service)) {
    throw new Error(
      `alerts:silence: --service ${JSON.stringify(r.service)} is not a service of ${env.name}; use one of ${services.join(', ')}, or --all`,
    );
  }
  const matchers: ApiMatcher[] =
    r.service !== undefined
      ? [{ name: 'service', value: r.service, isRegex: false, isEqual: true }, NOT_WATCHDOG]
      : // Alertmanager refuses a silence whose matchers all match the empty label value (alertname!="Watchdog" alone would);
        // alertname=~".+" matches every alert and not the empty string.
        [{ name: 'alertname', value: '.+', isRegex: true, isEqual: true }, NOT_WATCHDOG];
  return {
    matchers,
    startsAt: r.now.toISOString(),
    endsAt: new Date(r.now.getTime() + r.hours * 3_600_000).toISOString(),
    createdBy: r.author,
    comment: r.comment,
  };
}

/** Whether a silence could mute the Watchdog (it lacks the alertname!="Watchdog" guard). */
export function mutesWatchdog(s: Pick<PostableSilence, 'matchers'>): boolean {
  return !s.matchers.some((m) => m.name === 'alertname' && m.value === WATCHDOG_ALERTNAME && !m.isRegex && m.isEqual === false);
}

export function describeSilence(s: GettableSilence): string {
  const matchers = s.matchers.map((m) => `${m.name}${m.isEqual === false ? '!' : ''}${m.isRegex ? '~' : '='}"${m.value}"`).join(', ');
  return `${s.id}  ${s.status.state.padEnd(7)}  until ${s.endsAt}  {${matchers}}  by ${s.createdBy}: ${s.comment}${mutesWatchdog(s) ? '  (WARNING: can mute the Watchdog)' : ''}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      env: { type: 'string', default: 'local' },
      alertmanager: { type: 'string' },
      service: { type: 'string' },
      all: { type: 'boolean', default: false },
      duration: { type: 'string' },
      comment: { type: 'string', default: '' },
      author: { type: 'string', default: '' },
    },
  });
  const [command, id] = positionals;
  const root = projectRoot();
  const env = readEnvironment(values.env, root);
  const url = values.alertmanager ?? (env.target === 'local' ? LOCAL_ALERTMANAGER : undefined);
  if (!url)
    throw new Error(
      `alerts:silence: --alertmanager is required for ${env.name}: https://aps-workspaces.<region>.amazonaws.com/workspaces/<ws-id>/alertmanager`,
    );
  const api = new AlertmanagerApi(url);
  switch (command) {
    case 'create': {
      if (values.all === (values.service !== undefined))
        throw new Error('alerts:silence: create needs exactly one of --service NAME or --all');
      if (!values.duration) throw new Error('alerts:silence: --duration is required, e.g. --duration 2h');
      const silence = buildSilence(env, {
        service: values.service,
        hours: parseDuration(values.duration),
        comment: values.comment,
        author: values.author,
        now: new Date(),
      });
      const silenceId = await api.createSilence(silence);
      console.log(
        `silence ${silenceId} until ${silence.endsAt} (${values.service ? `service ${values.service}` : 'everything'}, never the Watchdog)`,
      );
      console.log(
        `expire it early with: npm run alerts:silence -- expire ${silenceId} --env ${env.name}${values.alertmanager ? ` --alertmanager ${url}` : ''}`,
      );
      return;
    }
    case 'list': {
      const silences = (await api.listSilences()).filter((s) => s.status.state !== 'expired');
      console.log(silences.length ? silences.map(describeSilence).join('\n') : 'no active or pending silences');
      return;
    }
    case 'expire': {
      if (!id) throw new Error('alerts:silence: expire needs the silence id (see list)');
      await api.expireSilence(id);
      console.log(`silence ${id} expired`);
      return;
    }
    default:
      throw new Error(
        'usage: npm run alerts:silence -- create (--service NAME | --all) --duration 2h --comment TEXT --author NAME | list | expire ID  [--env NAME] [--alertmanager URL]',
      );
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
