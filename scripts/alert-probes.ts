import { Routing } from '../lib/model/routing';
import { RE2JS } from 're2js';
import { parseMatcher as parseAlertmanagerMatcher } from '../lib/model/prometheus-syntax';

/** Anchored RE2 match, as Alertmanager's regex matchers (pkg/labels/matcher.go). */
const fullMatch = (re: string, v: string): boolean => RE2JS.compile(`^(?:${re})$`).matches(v);

/**
 * Synthetic test alerts, one per receiver, whose labels the routing tree
 * itself sends to that receiver. The routing walk follows Alertmanager's
 * (prometheus/alertmanager dispatch/route.go `Match`): a route matches when all
 * its matchers do; children are tried in order and the first that matches
 * takes the alert unless it sets `continue`; a route with no matching child
 * delivers to its own receiver, inherited from the parent when unset.
 * tests/tools/day-two-routes.test.ts checks every label set with
 * `amtool config routes test` on the config AMP receives.
 */

interface RouteNode {
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

/** The label every test alert carries, so that it can be told, filtered and silenced apart. */
export const TEST_LABEL = { name: 'test', value: 'alert-destinations' } as const;
export const TEST_ALERTNAME = 'AlertDestinationTest';

export interface TestAlert {
  readonly receiver: string;
  readonly labels: Readonly<Record<string, string>>;
  /** group_wait of the route that delivers it: the notification goes out after this. */
  readonly groupWait?: string;
}

/**
 * One test alert per receiver: its labels are the equality matchers on a path
 * of the tree to a route of that receiver, on top of a clearly labelled base
 * (alertname AlertDestinationTest, test="alert-destinations", and a service
 * of its own so that no inhibit rule with `equal: [service]` joins two of
 * them). Each label set is checked by routing it; a receiver no label set
 * reaches is an error.
 */
export function testAlerts(routing: Routing): TestAlert[] {
  const candidates = new Map<string, Record<string, string>[]>();
  const visit = (node: RouteNode, receiver: string, labels: Record<string, string>) => {
    const here = { ...labels };
    for (const m of (node.matchers ?? []).map(parseMatcher)) {
      if (m.op === '=') here[m.name] = m.value;
      else if (m.op === '=~' && fullMatch(m.value, m.value)) here[m.name] = m.value;
    }
    // Children first: an explicit route of a receiver is preferred to a parent it is merely the default of.
    for (const child of node.routes ?? []) visit(child, child.receiver ?? receiver, here);
    (candidates.get(receiver) ?? candidates.set(receiver, []).get(receiver)!).push(here);
  };
  const root = routing.route as RouteNode;
  visit(root, root.receiver!, {});
  return routing.receivers.map((receiver) => {
    const base = { alertname: TEST_ALERTNAME, [TEST_LABEL.name]: TEST_LABEL.value, service: `alerts-test-${receiver}` };
    for (const path of candidates.get(receiver) ?? []) {
      const labels = { ...base, ...path };
      const reached = route(routing, labels);
      if (reached.length === 1 && reached[0].receiver === receiver) return { receiver, labels, groupWait: reached[0].groupWait };
    }
    throw new Error(`test alerts: no label set built from alerts/alertmanager.yaml reaches the receiver "${receiver}"`);
  });
}
