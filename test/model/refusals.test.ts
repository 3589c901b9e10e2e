import { parse, stringify } from 'yaml';
import { compile } from '../../lib/compile/compile';
import { MAX_REPEAT_INTERVAL_SECONDS } from '../contracts/amp';
import { baseFiles, inputErrorOf, modelOf } from '../helpers';

/**
 * The battery of malformed inputs: each is what AMP's ruler or alert manager
 * would refuse at deploy time (or silently change), and each must stop the
 * model loading that `cdk synth` runs, with one line naming the file and the
 * fault. (test/cli.test.ts shows a few of them through the real entry point:
 * no template is written.)
 */
type Doc = Record<string, any>;
/** The project's files as a case has changed them (in memory), the repository's again after each case. */
let files: Record<string, string> = { ...baseFiles };
afterEach(() => {
  files = { ...baseFiles };
});

const editYaml = (file: string, fn: (doc: Doc) => void) => {
  const doc = parse(files[file]);
  fn(doc);
  files[file] = stringify(doc, { lineWidth: 0 });
};
const serviceDown = (fn: (rule: Doc) => void) => editYaml('alerts/platform-health.yaml', (d) => fn(d.groups[0].rules[0]));
const recording = (fn: (rule: Doc) => void) => editYaml('alerts/recording-rules.yaml', (d) => fn(d.groups[0].rules[0]));
const routing = (fn: (doc: Doc) => void) => editYaml('alerts/alertmanager.yaml', fn);
const template = (fn: (text: string) => string, name = 'notification.tmpl') => {
  const file = `alerts/templates/${name}`;
  files[file] = fn(files[file] ?? '');
};

/** Loads what synth loads; returns the one-line refusal. */
function refusal(): string {
  const msg = inputErrorOf(() => compile(files, 'prod'));
  expect(msg).not.toContain('\n');
  expect(msg).not.toMatch(/\bat .*\.ts:\d+/);
  expect(msg).toMatch(/\. Fix: .+/);
  return msg;
}

const RULES = 'alerts/platform-health.yaml: group "platform_health", alert "ServiceDown"';
const RECORD = 'alerts/recording-rules.yaml: group "trading_platform_recording", record "job:pipeline_executions:rate5m"';
const AM = 'alerts/alertmanager.yaml';
const TMPL = 'alerts/templates/notification.tmpl';
const latencySlo = (fn: (slo: Doc) => void) =>
  editYaml('alerts/slos.yaml', (d) => fn(d.slos.find((x: Doc) => x.name === 'backend-latency')));
const histogram = (name: string, fn: (m: Doc) => void) =>
  editYaml('catalog/metrics.yaml', (d) => fn(d.metrics.find((m: Doc) => m.name === name)));
const dashboardQuery = (from: string, to: string) => {
  const file = 'dashboards/trading-platform-overview.json';
  expect(files[file]).toContain(from);
  files[file] = files[file].replace(from, to);
};

const cases: [string, () => void, string, RegExp][] = [
  // Durations (prometheus/common model.ParseDuration).
  ['an alert waits "for: 5x"', () => serviceDown((r) => (r.for = '5x')), RULES, /for: is not a Prometheus duration \(got "5x"\)/],
  ['an alert waits "for: 1.5h"', () => serviceDown((r) => (r.for = '1.5h')), RULES, /for: is not a Prometheus duration \(got "1\.5h"\)/],
  [
    'a duration puts its units out of order ("30m1h")',
    () => serviceDown((r) => (r.for = '30m1h')),
    RULES,
    /for: is not a Prometheus duration/,
  ],
  ['a duration has a space ("5 m")', () => serviceDown((r) => (r.for = '5 m')), RULES, /for: is not a Prometheus duration/],
  [
    'a duration is a bare number (for: 5)',
    () => serviceDown((r) => (r.for = 5)),
    'alerts/platform-health.yaml: groups[0].rules[0].for',
    /expected string/,
  ],
  [
    'keep_firing_for is "10minutes"',
    () => serviceDown((r) => (r.keep_firing_for = '10minutes')),
    RULES,
    /keep_firing_for: is not a Prometheus duration/,
  ],
  [
    'a group interval is "30 seconds"',
    () => editYaml('alerts/platform-health.yaml', (d) => (d.groups[0].interval = '30 seconds')),
    'alerts/platform-health.yaml: group "platform_health", interval',
    /is not a Prometheus duration/,
  ],
  // Label and annotation names (model.LabelName.IsValid).
  [
    'a label is named "bad-label"',
    () => serviceDown((r) => (r.labels['bad-label'] = 'x')),
    RULES,
    /labels: has an invalid label name \(got "bad-label"\)/,
  ],
  [
    'a label name starts with a digit',
    () => serviceDown((r) => (r.labels['0day'] = 'x')),
    RULES,
    /labels: has an invalid label name \(got "0day"\)/,
  ],
  ['a label is named __name__', () => serviceDown((r) => (r.labels.__name__ = 'x')), RULES, /has an invalid label name \(got "__name__"\)/],
  ['a label name has a dot', () => serviceDown((r) => (r.labels['team.name'] = 'x')), RULES, /has an invalid label name/],
  [
    'an annotation is named "runbook-url"',
    () => serviceDown((r) => (r.annotations['runbook-url'] = 'x')),
    RULES,
    /annotations: has an invalid annotation name \(got "runbook-url"\)/,
  ],
  // Templates in labels and annotations (Go text/template as Prometheus parses them).
  [
    'an annotation template is not closed ("{{ $labels.job is down")',
    () => serviceDown((r) => (r.annotations.summary = '{{ $labels.job is down')),
    RULES,
    /annotations\.summary: is not a valid template \(line 1: unclosed action\)/,
  ],
  [
    'a label template is not closed',
    () => serviceDown((r) => (r.labels.service = '{{ $labels.job')),
    RULES,
    /labels\.service: is not a valid template \(line 1: unclosed action\)/,
  ],
  [
    'a template calls an unknown function',
    () => serviceDown((r) => (r.annotations.description = '{{ $value | humanise }}')),
    RULES,
    /annotations\.description: is not a valid template \(line 1: function "humanise" not defined\)/,
  ],
  [
    'a template misspells $labels',
    () => serviceDown((r) => (r.annotations.summary = '{{ $lables.job }} down')),
    RULES,
    /is not a valid template \(line 1: undefined variable "\$lables"\)/,
  ],
  [
    'a template opens {{ if }} without {{ end }}',
    () => serviceDown((r) => (r.annotations.summary = '{{ if $value }}high')),
    RULES,
    /is not a valid template \(line 1: unexpected EOF/,
  ],
  [
    'a template has an {{ end }} of nothing',
    () => serviceDown((r) => (r.annotations.summary = 'down{{ end }}')),
    RULES,
    /is not a valid template \(line 1: unexpected \{\{end\}\}\)/,
  ],
  [
    'a template leaves a string unterminated',
    () => serviceDown((r) => (r.annotations.description = '{{ $value | printf "%.2f }}')),
    RULES,
    /is not a valid template \(line 1: unterminated quoted string\)/,
  ],
  [
    'a template has an empty action',
    () => serviceDown((r) => (r.annotations.summary = 'down {{ }}')),
    RULES,
    /is not a valid template \(line 1: missing value for command\)/,
  ],
  [
    'a template starts with a pipe',
    () => serviceDown((r) => (r.annotations.summary = '{{ | printf "%s" $value }}')),
    RULES,
    /is not a valid template \(line 1: unexpected "\|" in command\)/,
  ],
  // Fields recording rules may not have (rulefmt RuleNode.Validate).
  ['a recording rule has "for"', () => recording((r) => (r.for = '5m')), RECORD, /, for: is not allowed in a recording rule/],
  [
    'a recording rule has annotations',
    () => recording((r) => (r.annotations = { summary: 'x' })),
    RECORD,
    /, annotations: is not allowed in a recording rule/,
  ],
  // AMP quotas (config/limits.yaml).
  [
    'a group name makes namespace and group name longer than 721 bytes',
    () => editYaml('alerts/platform-health.yaml', (d) => (d.groups[0].name = 'g'.repeat(720))),
    'alerts/platform-health.yaml: group "gggg',
    /over AMP's 721 \(config\/limits\.yaml\)/,
  ],
  [
    'a rule file is over the 1 MB namespace definition limit',
    () => serviceDown((r) => (r.annotations.description = 'x'.repeat(1_100_000))),
    'alerts/platform-health.yaml: rule groups namespace "platform-health"',
    /over AMP's rule groups namespace definition limit of 1048576/,
  ],
  // The routing tree (Alertmanager config.Route, AMP's five-day repeat_interval).
  [
    'repeat_interval is 6d (AMP treats it as 5d)',
    () => routing((d) => (d.route.routes[1].repeat_interval = '6d')),
    `${AM}: route.routes[1].repeat_interval`,
    /is over AMP's maximum of 5 days .*\(got "6d"\)\. Fix: use at most "5d"/,
  ],
  [
    'the root repeat_interval is 1w',
    () => routing((d) => (d.route.repeat_interval = '1w')),
    `${AM}: route.repeat_interval`,
    /is over AMP's maximum of 5 days/,
  ],
  [
    'group_wait is "30 secs"',
    () => routing((d) => (d.route.group_wait = '30 secs')),
    `${AM}: route.group_wait`,
    /is not a duration \(got "30 secs"\)/,
  ],
  [
    'group_interval is zero',
    () => routing((d) => (d.route.routes[2].group_interval = '0s')),
    `${AM}: route.routes[2].group_interval`,
    /cannot be zero/,
  ],
  [
    'a route matcher has no operator',
    () => routing((d) => (d.route.routes[1].matchers = ['severity critical'])),
    `${AM}: route.routes[1].matchers[0]`,
    /is not a valid matcher \(got "severity critical"\)/,
  ],
  [
    // Alertmanager 0.34 takes it only through its classic fallback (with a warning); its UTF-8 parser refuses \d.
    'a route matcher escapes a character other than n, " and \\',
    () => routing((d) => (d.route.routes[1].matchers = ['instance=~"host\\d+"'])),
    `${AM}: route.routes[1].matchers[0]`,
    /is not a valid matcher \(got "instance=~\\"host\\\\d\+\\""\).*escape only/s,
  ],
  [
    'a route matcher names an invalid label',
    () => routing((d) => (d.route.routes[1].matchers = ['sev-erity="critical"'])),
    `${AM}: route.routes[1].matchers[0]`,
    /is not a valid matcher/,
  ],
  [
    'group_by names an invalid label',
    () => routing((d) => (d.route.group_by = ['alert-name'])),
    `${AM}: route.group_by`,
    /names an invalid label \(got "alert-name"\)/,
  ],
  [
    'group_by mixes "..." with labels',
    () => routing((d) => (d.route.group_by = ['...', 'service'])),
    `${AM}: route.group_by`,
    /mixes "\.\.\." with labels/,
  ],
  [
    'an inhibit rule has a regular expression that does not compile',
    () => routing((d) => (d.inhibit_rules[0].target_matchers = ['alertname=~"(("'])),
    `${AM}: inhibit_rules[0].target_matchers[0]`,
    /is not a valid matcher/,
  ],
  [
    'an inhibit rule is equal on an invalid label',
    () => routing((d) => (d.inhibit_rules[1].equal = ['service name'])),
    `${AM}: inhibit_rules[1].equal`,
    /names an invalid label/,
  ],
  // Notification templates (every alerts/templates/*.tmpl, as Alertmanager parses them).
  [
    'the notification template has an unclosed action',
    () => template((t) => t.replace('{{ .Labels.severity }}', '{{ .Labels.severity ')),
    `${TMPL}: line `,
    /is not a valid template \(/,
  ],
  [
    'the notification template calls an unknown function',
    () => template((t) => t.replace('toUpper', 'upper')),
    `${TMPL}: line 4`,
    /is not a valid template \(function "upper" not defined\)/,
  ],
  [
    'the notification template defines a block without end',
    () => template((t) => t.replace(/\{\{ end \}\}\{\{ end \}\}\s*$/, '{{ end }}\n')),
    `${TMPL}: line `,
    /is not a valid template \(unexpected EOF/,
  ],
  [
    'a new template file, referenced nowhere, has an unclosed action',
    () => template(() => '{{ define "x" }}{{ .Status ', 'extra.tmpl'),
    'alerts/templates/extra.tmpl: line 1',
    /is not a valid template \(unclosed action\)/,
  ],
  [
    'a template file has {{ else }} outside if/range/with',
    () => template(() => '{{ define "x" }}a{{ else }}b{{ end }}', 'extra.tmpl'),
    'alerts/templates/extra.tmpl: line 1',
    /unexpected \{\{else\}\}/,
  ],
  [
    'the alert manager definition is over 1 MB',
    () => template((t) => `{{/* ${'x'.repeat(1_100_000)} */}}\n${t}`),
    `${AM}: templates`,
    /over AMP's alert manager definition limit of 1048576/,
  ],
  // Histogram boundaries (catalog buckets): an le that is not a boundary selects nothing.
  [
    'an SLO latency threshold is not a bucket boundary of its histogram',
    () => latencySlo((slo) => (slo.sli.thresholdSeconds = 0.3)),
    'alerts/slos.yaml: slo "backend-latency", sli.thresholdSeconds',
    /is not a bucket boundary of http_server_request_duration_seconds, so its SLI would select no series \(got 0\.3\)\. Fix: use one of 0\.005, .*0\.25, 0\.5, /,
  ],
  [
    'an SLO latency SLI names a metric that is not a histogram',
    () => latencySlo((slo) => (slo.sli.histogram = 'http_server_requests_total')),
    'alerts/slos.yaml: slo "backend-latency", sli.histogram',
    /is not a histogram of the catalog/,
  ],
  [
    'a recording rule matches an le that is not a boundary',
    () => recording((r) => (r.expr = 'sum by (job) (rate(http_server_request_duration_seconds_bucket{le="0.3"}[5m]))')),
    `${RECORD}, expr`,
    /matches le="0\.3", which is not a bucket boundary of http_server_request_duration_seconds/,
  ],
  [
    'an alert matches le="0.50" (the label holds "0.5")',
    () => serviceDown((r) => (r.expr = 'sum(rate(http_server_request_duration_seconds_bucket{le="0.50"}[5m])) == 0')),
    `${RULES}, expr`,
    /matches le="0\.50", which is not a bucket boundary/,
  ],
  [
    'a dashboard panel matches an le that is not a boundary',
    () =>
      dashboardQuery(
        '"platform:kafka_publish_duration_seconds:p95_rate5m"',
        '"histogram_quantile(0.95, sum by (le) (rate(kafka_publish_duration_seconds_bucket{le=\\"0.3\\"}[$__rate_interval])))"',
      ),
    'dashboards/trading-platform-overview.json: panel "',
    /matches le="0\.3", which is not a bucket boundary of kafka_publish_duration_seconds/,
  ],
  [
    'a histogram in the catalog declares no buckets',
    () => histogram('kafka_publish_duration_seconds', (m) => delete m.buckets),
    'catalog/metrics.yaml: metric kafka_publish_duration_seconds',
    /is a histogram without `buckets` and `bucketsSource`/,
  ],
  [
    'a histogram declares boundaries out of order',
    () => histogram('kafka_publish_duration_seconds', (m) => (m.buckets = [0.1, 0.5, 0.25])),
    'catalog/metrics.yaml: metric kafka_publish_duration_seconds, buckets[2]',
    /is not a finite boundary greater than the one before \(got 0\.25\)/,
  ],
];

describe('synth refuses what AMP would refuse or silently change', () => {
  test('the unbroken project compiles (the battery starts from valid files)', () => {
    expect(() => compile(files, 'prod')).not.toThrow();
  });

  test("config/limits.yaml's repeat_interval limit is AMP's five days (test/contracts/amp.ts)", () => {
    expect(modelOf().ampLimits.repeatIntervalMaxSeconds).toBe(MAX_REPEAT_INTERVAL_SECONDS);
  });

  test.each(cases)('fails when %s', (_name, edit, prefix, fault) => {
    edit();
    const msg = refusal();
    expect({ msg, start: msg.slice(0, prefix.length) }).toEqual({ msg, start: prefix });
    expect(msg).toMatch(fault);
  });
});
