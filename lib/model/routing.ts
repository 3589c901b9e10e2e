import * as path from 'path';
import { z } from 'zod';
import { parseYamlFile } from '../data-file';
import { UserInputError } from '../errors';
import { AmpLimits } from './amp-limits';
import { filesIn, ProjectFiles, requiredText } from './project-files';
import { ALERTMANAGER_TEMPLATE_FUNCS, checkGoTemplate } from './go-template';
import { DURATION_HELP, isValidLabelName, parseDuration, parseMatcher } from './prometheus-syntax';
import { SEVERITIES } from './rule-files';

/** Folder of notification templates; every *.tmpl in it is checked, referenced or not. */
const TEMPLATES_DIR = 'alerts/templates';

export const ROUTING_FILE = 'alerts/alertmanager.yaml';
export const WATCHDOG_RECEIVER = 'watchdog';

interface RouteShape {
  receiver?: string;
  matchers?: string[];
  routes?: RouteShape[];
  [key: string]: unknown;
}
const routeSchema: z.ZodType<RouteShape> = z.lazy(() =>
  z
    .object({
      receiver: z.string().optional(),
      group_by: z.array(z.string()).optional(),
      group_wait: z.string().optional(),
      group_interval: z.string().optional(),
      repeat_interval: z.string().optional(),
      matchers: z.array(z.string()).optional(),
      continue: z.boolean().optional(),
      routes: z.array(routeSchema).optional(),
    })
    .strict(),
);
const routingSchema = z.strictObject({
  route: routeSchema,
  inhibit_rules: z.array(z.record(z.string(), z.unknown())).default([]),
  receivers: z.array(z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9-]*$/) })).min(1),
  templates: z.array(z.string()).default([]),
});

/**
 * The routing tree, without destinations: receivers are names only. Renderers
 * attach SNS topics (AMP) or local webhooks to each name.
 */
export interface Routing {
  readonly route: RouteShape;
  readonly inhibitRules: readonly Record<string, unknown>[];
  readonly receivers: readonly string[];
  /** Template file name (e.g. notification.tmpl) -> its text. */
  readonly templates: Readonly<Record<string, string>>;
}

/**
 * alerts/alertmanager.yaml and the notification templates it names (every
 * alerts/templates/*.tmpl is checked, named or not), within AMP's limits.
 */
export function parseRouting(files: ProjectFiles, limits: AmpLimits): Routing {
  const file = ROUTING_FILE;
  const text = requiredText(files, file, 'restore alerts/alertmanager.yaml from the repository: it is the routing tree of every alert');
  const { route, inhibit_rules, receivers, templates } = parseYamlFile(
    file,
    text,
    routingSchema,
    'the Alertmanager configuration format (route, inhibit_rules, receivers with names only)',
  );
  const names = receivers.map((r) => r.name);
  const walk = (r: RouteShape, where: string): void => {
    checkRoute(file, r, where, limits.repeatIntervalMaxSeconds);
    if (r.receiver !== undefined && !names.includes(r.receiver)) {
      throw UserInputError.of({
        file,
        where: `${where}.receiver`,
        problem: 'names no receiver',
        value: r.receiver,
        fix: `use one of ${names.join(', ')} or add it under receivers`,
      });
    }
    r.routes?.forEach((child, i) => walk(child, `${where}.routes[${i}]`));
  };
  walk(route, 'route');
  if (!route.receiver)
    throw UserInputError.of({ file, where: 'route.receiver', problem: 'is missing', fix: 'give the root route a default receiver' });
  for (const severity of SEVERITIES) {
    if (!route.routes?.some((r) => r.matchers?.includes(`severity="${severity}"`))) {
      throw UserInputError.of({
        file,
        where: 'route.routes',
        problem: `has no route for severity "${severity}"`,
        fix: `add a route with matchers: ['severity="${severity}"']`,
      });
    }
  }
  if (!names.includes(WATCHDOG_RECEIVER)) {
    throw UserInputError.of({
      file,
      where: 'receivers',
      problem: `has no "${WATCHDOG_RECEIVER}" receiver`,
      fix: 'add it, and route alertname="Watchdog" to it',
    });
  }
  inhibit_rules.forEach((rule, i) => checkInhibitRule(file, rule, `inhibit_rules[${i}]`));
  checkTemplateFiles(files);
  const texts: Record<string, string> = {};
  for (const t of templates) {
    const template = files[path.posix.normalize(`${path.posix.dirname(file)}/${t}`)];
    if (template === undefined)
      throw UserInputError.of({
        file,
        where: 'templates',
        problem: 'names a file that does not exist',
        value: t,
        fix: 'give a path relative to alerts/',
      });
    texts[path.posix.basename(t)] = template;
  }
  const bytes = Buffer.byteLength(text) + Object.values(texts).reduce((n, t) => n + Buffer.byteLength(t), 0);
  if (bytes > limits.alertManagerDefinitionBytes) {
    throw UserInputError.of({
      file,
      where: 'templates',
      problem: `with its templates makes ${bytes} bytes, over AMP's alert manager definition limit of ${limits.alertManagerDefinitionBytes} (config/limits.yaml)`,
      fix: 'shorten the templates or the routing tree',
    });
  }
  return { route, inhibitRules: inhibit_rules, receivers: names, templates: texts };
}

/**
 * What Alertmanager refuses in a route, and what AMP silently changes: a
 * repeat_interval over five days is treated as five days, so synth refuses it.
 * @see test/contracts/prometheus.ts ROUTES
 */
function checkRoute(file: string, r: RouteShape, where: string, maxRepeatSeconds: number): void {
  for (const key of ['group_wait', 'group_interval', 'repeat_interval'] as const) {
    const value = r[key];
    if (value === undefined) continue;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined)
      throw UserInputError.of({ file, where: `${where}.${key}`, problem: 'is not a duration', value, fix: DURATION_HELP });
    if (ms === 0 && key !== 'group_wait') {
      throw UserInputError.of({
        file,
        where: `${where}.${key}`,
        problem: 'cannot be zero',
        value,
        fix: 'use a positive duration like "5m"',
      });
    }
    if (key === 'repeat_interval' && ms > maxRepeatSeconds * 1000) {
      throw UserInputError.of({
        file,
        where: `${where}.${key}`,
        problem: `is over AMP's maximum of ${maxRepeatSeconds / 86400} days (AMP treats it as ${maxRepeatSeconds / 86400} days)`,
        value,
        fix: `use at most "${maxRepeatSeconds / 86400}d"`,
      });
    }
  }
  const groupBy = (r.group_by as string[] | undefined) ?? [];
  for (const l of groupBy) {
    if (l !== '...' && !isValidLabelName(l)) {
      throw UserInputError.of({
        file,
        where: `${where}.group_by`,
        problem: 'names an invalid label',
        value: l,
        fix: 'use label names like "alertname", or "..." alone',
      });
    }
  }
  if (groupBy.includes('...') && groupBy.length > 1) {
    throw UserInputError.of({
      file,
      where: `${where}.group_by`,
      problem: 'mixes "..." with labels',
      value: groupBy,
      fix: 'use "..." alone or list labels',
    });
  }
  if (new Set(groupBy).size !== groupBy.length) {
    throw UserInputError.of({ file, where: `${where}.group_by`, problem: 'repeats a label', value: groupBy, fix: 'list each label once' });
  }
  (r.matchers ?? []).forEach((m, i) => checkMatcher(file, `${where}.matchers[${i}]`, m));
}

function checkMatcher(file: string, where: string, m: unknown): void {
  if (typeof m !== 'string' || !parseMatcher(m)) {
    throw UserInputError.of({
      file,
      where,
      problem: 'is not a valid matcher',
      value: m,
      fix: 'write label, operator (=, !=, =~, !~) and a quoted value, like \'severity="critical"\'; inside the quotes escape only \\n, \\" and \\\\ (a regex\'s \\d is written \\\\d)',
    });
  }
}

function checkInhibitRule(file: string, rule: Record<string, unknown>, where: string): void {
  for (const key of ['source_matchers', 'target_matchers'] as const) {
    const list = rule[key];
    if (list === undefined) continue;
    if (!Array.isArray(list))
      throw UserInputError.of({ file, where: `${where}.${key}`, problem: 'is not a list', value: list, fix: 'give a list of matchers' });
    list.forEach((m, i) => checkMatcher(file, `${where}.${key}[${i}]`, m));
  }
  for (const l of (rule.equal as unknown[] | undefined) ?? []) {
    if (typeof l !== 'string' || !isValidLabelName(l)) {
      throw UserInputError.of({
        file,
        where: `${where}.equal`,
        problem: 'names an invalid label',
        value: l,
        fix: 'use label names like "service"',
      });
    }
  }
}

/** Every alerts/templates/*.tmpl must parse as Alertmanager parses it (Go text/template, Alertmanager's functions). */
function checkTemplateFiles(files: ProjectFiles): void {
  for (const file of filesIn(files, TEMPLATES_DIR, /\.tmpl$/)) {
    const error = checkGoTemplate(files[file], { functions: ALERTMANAGER_TEMPLATE_FUNCS });
    if (error) {
      throw UserInputError.of({
        file,
        where: error.replace(/:.*/, ''),
        problem: `is not a valid template (${error.replace(/^line \d+: /, '')})`,
        fix: 'correct the {{ ... }} syntax; `amtool check-config` shows the same error',
      });
    }
  }
}
