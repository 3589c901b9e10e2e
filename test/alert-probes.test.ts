import { destinationsOf } from '../lib/model/alert-destinations';
import { Routing } from '../lib/model/routing';
import { matches, parseMatcher, route, TEST_ALERTNAME, testAlerts } from '../scripts/alert-probes';
import { environmentOf, modelOf, resourcesOf, synth } from './helpers';

const routing = modelOf().routing;

describe('test alerts from the routing tree', () => {
  test('one per receiver, each routed to its receiver only, with the test marker and a service of its own', () => {
    const alerts = testAlerts(routing);
    expect(alerts.map((a) => a.receiver)).toEqual(routing.receivers);
    for (const a of alerts) {
      expect(route(routing, a.labels).map((r) => r.receiver)).toEqual([a.receiver]);
      expect(a.labels.test).toBe('alert-destinations');
      expect(a.labels.service).toBe(`alerts-test-${a.receiver}`);
    }
    expect(Object.fromEntries(alerts.map((a) => [a.receiver, [a.labels.alertname, a.labels.severity]]))).toEqual({
      critical: [TEST_ALERTNAME, 'critical'],
      warning: [TEST_ALERTNAME, 'warning'],
      info: [TEST_ALERTNAME, 'info'],
      watchdog: ['Watchdog', undefined],
    });
    expect(alerts.find((a) => a.receiver === 'info')?.groupWait).toBe('1m');
  });

  test('the walk is first-match like Alertmanager: a critical Watchdog goes to the watchdog route, listed first', () => {
    expect(route(routing, { alertname: 'Watchdog', severity: 'critical' })).toEqual([{ receiver: 'watchdog', groupWait: '0s' }]);
    expect(route(routing, { alertname: 'X' })).toEqual([{ receiver: 'warning', groupWait: '30s' }]);
  });

  test('continue sends an alert on to later routes too', () => {
    const tree: Routing = {
      ...routing,
      route: {
        receiver: 'warning',
        routes: [
          { receiver: 'info', matchers: ['team="a"'], continue: true },
          { receiver: 'critical', matchers: ['severity=~"crit.*"'] },
        ],
      },
    };
    expect(route(tree, { team: 'a', severity: 'critical' }).map((r) => r.receiver)).toEqual(['info', 'critical']);
  });

  test('matchers: the four operators, quoted and bare, regexes anchored', () => {
    expect(parseMatcher('alertname!="Watchdog"')).toEqual({ name: 'alertname', op: '!=', value: 'Watchdog' });
    expect(parseMatcher('severity=~crit.*')).toEqual({ name: 'severity', op: '=~', value: 'crit.*' });
    expect(matches(parseMatcher('severity=~"crit"'), { severity: 'critical' })).toBe(false);
    expect(matches(parseMatcher('severity!~"info|warning"'), { severity: 'critical' })).toBe(true);
  });

  test('fails when no label set reaches a receiver (it is shadowed by an earlier route)', () => {
    const tree: Routing = {
      ...routing,
      route: {
        receiver: 'warning',
        routes: [
          { receiver: 'critical', matchers: ['severity="critical"'] },
          { receiver: 'info', matchers: ['severity="critical"'] },
        ],
      },
      receivers: ['warning', 'critical', 'info'],
    };
    expect(() => testAlerts(tree)).toThrow('test alerts: no label set built from alerts/alertmanager.yaml reaches the receiver "info"');
  });
});

describe('destinations per receiver', () => {
  test('prod: the subscriptions of the synthesized template, receiver by receiver', () => {
    const env = environmentOf('prod');
    const { json } = synth('prod');
    const topicOf = (ref: string) => /^AlertRoutingTopic([a-z]+)/.exec(ref)?.[1];
    const subscribed: Record<string, string[]> = {};
    for (const [, p] of resourcesOf(json, 'AWS::SNS::Subscription')) {
      const kind = { email: 'email', sms: 'sms', https: 'pagerduty', lambda: 'slack' }[p.Protocol as string]!;
      (subscribed[topicOf(p.TopicArn.Ref)!] ??= []).push(kind);
    }
    for (const receiver of routing.receivers) {
      const told = destinationsOf(env, receiver)
        .map((d) => d.kind)
        .filter((k) => k !== 'alarm');
      expect([receiver, told.sort()]).toEqual([receiver, (subscribed[receiver] ?? []).sort()]);
    }
    expect(destinationsOf(env, 'watchdog')).toEqual([
      expect.objectContaining({ kind: 'alarm', target: 'CloudWatch alarm trading-observability-prod-watchdog-silent' }),
    ]);
  });

  test('local: the alert sink per receiver', () => {
    expect(destinationsOf(environmentOf('local'), 'critical')).toEqual([
      expect.objectContaining({ kind: 'webhook', target: 'alert sink /critical' }),
    ]);
  });
});
