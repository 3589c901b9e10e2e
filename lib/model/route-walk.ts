import { Routing } from './routing';
import { RE2JS } from 're2js';
import { parseMatcher as parseAlertmanagerMatcher } from './prometheus-syntax';

/** Anchored RE2 match, as Alertmanager's regex matchers (pkg/labels/matcher.go). */
export const fullMatch = (re: string, v: string): boolean => RE2JS.compile(`^(?:${re})$`).matches(v);

/**
 * Where a label set goes in the routing tree. The routing walk follows Alertmanager's
 * (prometheus/alertmanager dispatch/route.go `Match`): a route matches when all
 * its matchers do; children are tried in order and the first that matches
 * takes the alert unless it sets `continue`; a route with no matching child
 * delivers to its own receiver, inherited from the parent when unset.
 * tests/tools/day-two-routes.test.ts checks every label set with
 * `amtool config routes test` on the config AMP receives.
 */

export interface RouteNode {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  routes?: RouteNode[];
  group_wait?: string;
}

export interface Matcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** One routing-tree matcher, read as Alertmanager reads it (the synth-time check's port of its parser). */
export function parseMatcher(text: string): Matcher {
  const m = parseAlertmanagerMatcher(text);
  if (!m) throw new Error(`test alerts: cannot read the matcher ${JSON.stringify(text)}`);
  return { name: m.name, op: m.op as Matcher['op'], value: m.value };
}

/** Whether a label set satisfies a matcher; regexes are anchored, as in Alertmanager. */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return fullMatch(m.value, v);
    case '!~':
      return !fullMatch(m.value, v);
  }
}

/** The receivers a label set reaches, and the group_wait of the route that delivers it. */
export function route(routing: Routing, labels: Readonly<Record<string, string>>): { receiver: string; groupWait?: string }[] {
  const walk = (node: RouteNode, receiver: string, groupWait: string | undefined): { receiver: string; groupWait?: string }[] => {
    const out: { receiver: string; groupWait?: string }[] = [];
    for (const child of node.routes ?? []) {
      if (!(child.matchers ?? []).map(parseMatcher).every((m) => matches(m, labels))) continue;
      out.push(...walk(child, child.receiver ?? receiver, child.group_wait ?? groupWait));
      if (!child.continue) break;
    }
    return out.length > 0 ? out : [{ receiver, groupWait }];
  };
  const root = routing.route as RouteNode;
  return walk(root, root.receiver!, root.group_wait);
}
