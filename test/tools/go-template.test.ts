import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  ALERTMANAGER_TEMPLATE_FUNCS,
  checkGoTemplate,
  PROMETHEUS_TEMPLATE_FUNCS,
  PROMETHEUS_TEMPLATE_VARS,
} from '../../lib/model/go-template';
import { isValidLabelName, parseDuration, parseMatcher } from '../../lib/model/prometheus-syntax';
import { realTool } from '../../scripts/real-tools';
import { TEMPLATES } from '../contracts/prometheus';

/**
 * The synth-time checkers (lib/model/go-template.ts, prometheus-syntax.ts)
 * must agree with promtool 3.14 and amtool 0.34, the real parsers, on the same
 * inputs: valid ones and invalid ones alike. Where these versions accept more
 * than older ones (UTF-8 label names, Alertmanager's UTF-8 matcher parser,
 * template functions added since Alertmanager 0.25 and Prometheus 2.53), the
 * checkers keep the older, stricter rule, because AMP's engine version is not
 * published: they are compared with the tools' legacy behaviour, and the
 * gap itself is asserted (the tools accept, the checkers refuse).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-template-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** promtool's verdict on one alerting rule. */
function promtoolAccepts(rule: Record<string, unknown>): { ok: boolean; out: string } {
  const file = path.join(dir, 'rules.yaml');
  fs.writeFileSync(
    file,
    stringify({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'vector(1)', labels: { severity: 'info' }, ...rule }] }] }),
  );
  return run(realTool('promtool'), ['check', 'rules', file]);
}

/**
 * amtool's verdict on a configuration, and optionally one template file. By
 * default 0.34 parses matchers with its UTF-8 parser and falls back to the
 * classic one; `classic-mode` parses them and label names as Alertmanager
 * before 0.27 did, `utf8-strict-mode` with the UTF-8 parser alone.
 */
function amtoolAccepts(
  config: Record<string, unknown>,
  template?: string,
  mode?: 'classic-mode' | 'utf8-strict-mode',
): { ok: boolean; out: string } {
  const tmpl = path.join(dir, 'x.tmpl');
  if (template !== undefined) fs.writeFileSync(tmpl, template);
  const file = path.join(dir, 'am.yml');
  fs.writeFileSync(
    file,
    JSON.stringify({
      route: { receiver: 'r', ...config },
      receivers: [{ name: 'r' }],
      ...(template !== undefined && { templates: [tmpl] }),
    }),
  );
  return run(realTool('amtool'), [...(mode ? [`--enable-feature=${mode}`] : []), 'check-config', file]);
}

const RULE_TEMPLATES = [
  '{{ $labels.job }} is down',
  '{{ $labels.job is down',
  '{{ $value | printf "%.2f" }}',
  '{{ $value | humanizeDuration }}',
  '{{ $value | humanizePercentage }}',
  '{{ $value | humanise }}',
  '{{ $lables.job }}',
  '{{ $externalLabels.cluster }} {{ $externalURL }}',
  '{{ if gt $value 1.0 }}high{{ else }}low{{ end }}',
  '{{ if $value }}high',
  'down{{ end }}',
  '{{ printf "%.2f $value }}',
  '{{ }}',
  '{{ $value | }}',
  '{{ | printf "%s" $value }}',
  '{{ $value | | printf "%s" }}',
  '{{/* a comment */}}text',
  '{{- $labels.job -}}',
  '{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}',
  '{{ with $labels.instance }}{{ . }}{{ end }}',
  '{{ $x := 1 }}{{ $x }}',
  '{{ $y }}',
  '{{ else }}',
  '{{ template "x" . }}',
  '{{ reReplaceAll ":.*" "" $labels.instance }}',
  '{{ (index $labels "job") | toUpper }}',
  '{{ len $labels }} labels )',
  '{{ ( $value }}',
  '{{ $value ) }}',
  "{{ 'a' }}",
  '{{ `raw` }}',
  '{{ "a" | title }}',
  '{{ range $labels }}{{ break }}{{ end }}',
  '{{ break }}',
  'plain text with } and { braces',
  '{{ (printf "%s" (index $labels "job")) }}',
  '{{ $labels.job | reReplaceAll "-" "_" | toUpper }}',
  '{{- /* trimmed comment */ -}}x',
  '{{ /* spaced comment */ }}',
  '{{/* unclosed comment }}',
  '{{ 3 | printf "%d" }}',
  '{{ -3 }}',
  '{{ 1.5e3 }}',
  '{{ 0x1F }}',
  '{{ .Value }}',
  '{{ $value.Foo }}',
  '{{ nil }}',
  '{{ true | not }}',
  '{{ if and (gt $value 1.0) (lt $value 2.0) }}mid{{ else if gt $value 2.0 }}high{{ end }}',
  '{{ with $x := $labels.job }}{{ $x }}{{ end }}{{ $x }}',
  '{{ define "t" }}x{{ end }}{{ template "t" }}',
  '{{ $labels.job }}\n{{ $labels.instance',
  '{{ "a\\"b" }}',
  '{{ "a" "b" }}',
  '{{ $ }}',
  '{{ $labels := 1 }}{{ $labels }}',
  // Found in review: Go's lexer wants a terminator after a variable or field, and only a pipeline's first stage may be a constant.
  '{{ $value-1 }}',
  '{{ .x-1 }}',
  '{{ $value | "x" }}',
  '{{ $labels.job | 3 }}',
  '{{ $value|humanize|. }}',
  '{{ $value|humanize|printf "%s" }}',
];

const AM_TEMPLATES = [
  '{{ define "x" }}{{ .Status | toUpper }}{{ end }}',
  '{{ define "x" }}{{ .Status | upper }}{{ end }}',
  '{{ define "x" }}{{ .Status ',
  '{{ define "x" }}{{ range .Alerts }}{{ .Labels.alertname }}{{ end }}',
  '{{ define "x" }}{{ range .Alerts.Firing }}{{ .Annotations.summary }}{{ end }}{{ end }}',
  '{{ define "x" }}{{ .CommonLabels.SortedPairs.Values | join ", " }}{{ end }}',
  '{{ define "x" }}a{{ else }}b{{ end }}',
  '{{ define "x" }}{{ if eq .Status "firing" }}!{{ end }}{{ end }}',
  '{{ end }}',
  '{{/* comment */}}{{ define "y" }}{{ template "x" . }}{{ end }}',
  '{{ define "x" }}{{ $a := .Status }}{{ $b }}{{ end }}',
];

describe('the Go template checker agrees with promtool (alert labels and annotations)', () => {
  test.each(RULE_TEMPLATES)('%p', (text) => {
    const ours = checkGoTemplate(text, { functions: PROMETHEUS_TEMPLATE_FUNCS, variables: PROMETHEUS_TEMPLATE_VARS });
    const theirs = promtoolAccepts({ annotations: { summary: text } });
    expect({ text, accepted: ours === undefined }).toEqual({ text, accepted: theirs.ok });
  });
});

describe('the Go template checker agrees with amtool (notification template files)', () => {
  test.each(AM_TEMPLATES)('%p', (text) => {
    const ours = checkGoTemplate(text, { functions: ALERTMANAGER_TEMPLATE_FUNCS });
    const theirs = amtoolAccepts({}, text);
    expect({ text, accepted: ours === undefined }).toEqual({ text, accepted: theirs.ok });
  });
});

/** Functions the tools have that the checkers refuse (added after Prometheus 2.53 and Alertmanager 0.25; AMP's versions are not published). */
const NEWER_PROMETHEUS_FUNCS = TEMPLATES.prometheus.newerFunctions;
const NEWER_ALERTMANAGER_FUNCS = TEMPLATES.alertmanager.newerFunctions;

describe('template functions newer than AMP may have: promtool 3.14 and amtool 0.34 accept them, the checker refuses them', () => {
  test.each(NEWER_PROMETHEUS_FUNCS)('Prometheus: %s', (fn) => {
    const text = `{{ ${fn} }}`;
    expect({ fn, promtool: promtoolAccepts({ annotations: { summary: text } }).ok }).toEqual({ fn, promtool: true });
    expect(checkGoTemplate(text, { functions: PROMETHEUS_TEMPLATE_FUNCS, variables: PROMETHEUS_TEMPLATE_VARS })).toBe(
      `line 1: function "${fn}" not defined`,
    );
  });
  test.each(NEWER_ALERTMANAGER_FUNCS)('Alertmanager: %s', (fn) => {
    const text = `{{ define "x" }}{{ ${fn} }}{{ end }}`;
    expect({ fn, amtool: amtoolAccepts({}, text).ok }).toEqual({ fn, amtool: true });
    expect(checkGoTemplate(text, { functions: ALERTMANAGER_TEMPLATE_FUNCS })).toBe(`line 1: function "${fn}" not defined`);
  });
});

const DURATIONS = [
  '5m',
  '0',
  '0s',
  '1h30m',
  '90s',
  '1d',
  '2w',
  '1y',
  '100ms',
  '5x',
  '1.5h',
  '30m1h',
  '5 m',
  '',
  '1h1h',
  '-5m',
  '5M',
  '1m30',
];

describe('the duration parser agrees with promtool and amtool', () => {
  test.each(DURATIONS)('%p', (d) => {
    const ours = parseDuration(d) !== undefined;
    expect({ d, accepted: ours }).toEqual({ d, accepted: promtoolAccepts({ for: d }).ok });
    // Alertmanager's group_interval refuses zero besides what the grammar refuses.
    expect({ d, accepted: ours && parseDuration(d) !== 0 }).toEqual({ d, accepted: amtoolAccepts({ group_interval: d }).ok });
  });
});

const LABEL_NAMES = ['job', '_x', 'team_name', 'bad-label', '0day', 'team.name', 'Ünicode', 'A1'];

describe('the label name check keeps the legacy names (promtool 3.14 and amtool 0.34 accept any UTF-8 name)', () => {
  test.each(LABEL_NAMES)('%p', (name) => {
    const ours = isValidLabelName(name);
    // The legacy rule as the tools still apply it: a label name PromQL takes unquoted in a
    // selector (a UTF-8 name must be quoted, {"team.name"="v"}, which a 2.x engine cannot parse),
    // and Alertmanager's classic mode.
    expect({ name, accepted: ours }).toEqual({ name, accepted: promtoolAccepts({ expr: `vector(1) unless on () up{${name}="v"}` }).ok });
    expect({ name, accepted: ours }).toEqual({ name, accepted: amtoolAccepts({ group_by: [name] }, undefined, 'classic-mode').ok });
    // As the tools are deployed locally, any UTF-8 name is accepted: the check is stricter on purpose.
    expect({ name, promtool: promtoolAccepts({ labels: { severity: 'info', [name]: 'v' } }).ok }).toEqual({ name, promtool: true });
    expect({ name, amtool: amtoolAccepts({ group_by: [name] }).ok }).toEqual({ name, amtool: true });
  });
});

const MATCHERS = [
  'severity="critical"',
  'alertname=~"Kube.*"',
  'service!="x"',
  'severity critical',
  'sev-erity="x"',
  'alertname=~"(("',
  'a=b',
  // Found in review: Alertmanager keeps unknown escapes literally, compiles regexes with RE2 and allows colons in names.
  'instance=~"host\\d+"',
  'a=~"(?!x).*"',
  'a=~"(?i)critical"',
  'team:x="a"',
  'a="x"y"',
  'a=~"x**"',
  // Alertmanager 0.34's UTF-8 parser: a Go string literal when quoted, no reserved character when not.
  'instance=~"host\\\\d+"',
  'a="x\\ty"',
  'a="x\\ny"',
  'a=b c',
  'a=',
  'a=""',
  'a=~crit.*',
];

/** Taken by both parsers with different values: classic keeps `\t` as backslash and t, the UTF-8 parser reads a tab. */
const TWO_MEANINGS = ['a="x\\ty"'];

describe("the matcher check accepts what both of amtool's parsers accept alike (classic, and 0.34's UTF-8 parser alone)", () => {
  test.each(MATCHERS)('%p', (m) => {
    const ours = parseMatcher(m) !== undefined;
    const config = { routes: [{ receiver: 'r', matchers: [m] }] };
    const classic = amtoolAccepts(config, undefined, 'classic-mode').ok;
    const utf8 = amtoolAccepts(config, undefined, 'utf8-strict-mode').ok;
    expect({ m, accepted: ours }).toEqual({ m, accepted: classic && utf8 && !TWO_MEANINGS.includes(m) });
    // 0.34's default (UTF-8 first, classic as fallback) accepts both parsers' inputs.
    expect({ m, default: amtoolAccepts(config).ok }).toEqual({ m, default: classic || utf8 });
  });
});
