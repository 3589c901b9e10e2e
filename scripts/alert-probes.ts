import { Routing } from '../lib/model/routing';
import { fullMatch, parseMatcher, route, type RouteNode } from '../lib/model/route-walk';

export { matches, parseMatcher, route, type Matcher } from '../lib/model/route-walk';

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
