import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { readYamlFile } from '../data-file';
import { UserInputError } from '../errors';
import { SEVERITIES } from './rule-files';

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

export function loadRouting(root: string): Routing {
  const file = ROUTING_FILE;
  const { route, inhibit_rules, receivers, templates } = readYamlFile(
    root,
    file,
    routingSchema,
    'the Alertmanager configuration format (route, inhibit_rules, receivers with names only)',
  );
  const names = receivers.map((r) => r.name);
  const walk = (r: RouteShape, where: string): void => {
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
  const texts: Record<string, string> = {};
  for (const t of templates) {
    const full = path.join(root, path.dirname(file), t);
    if (!fs.existsSync(full))
      throw UserInputError.of({
        file,
        where: 'templates',
        problem: 'names a file that does not exist',
        value: t,
        fix: 'give a path relative to alerts/',
      });
    texts[path.basename(t)] = fs.readFileSync(full, 'utf8');
  }
  return { route, inhibitRules: inhibit_rules, receivers: names, templates: texts };
}
