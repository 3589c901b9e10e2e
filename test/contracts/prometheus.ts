/**
 * What synth's checks of rule files and of the routing tree rely on about
 * Prometheus and Alertmanager (lib/model/prometheus-syntax.ts, go-template.ts,
 * rule-files.ts, routing.ts, lib/render/target-rules.ts), each with the source
 * it was read in as `repo@tag:path`. AMP publishes neither engine's version, so
 * where a newer release accepts more, the checks follow the older one (the
 * release named in `source`); the tools built here, promtool 3.14 and amtool
 * 0.34 (`npm run test:tools`), show what the newer ones accept. A fact we could
 * not read is marked UNCONFIRMED.
 */

const PROMETHEUS = 'prometheus/prometheus@v2.53.0';
const COMMON = 'prometheus/common@v0.54.0';

/** Prometheus durations (model.ParseDuration), as rule files and the routing tree write them. */
export const DURATIONS = {
  source: `${COMMON}:model/time.go (unitMap; the version ${PROMETHEUS} uses)`,
  /** The units, biggest first, in milliseconds; a duration lists them in decreasing order, none repeated. */
  unitsMs: { y: 365 * 24 * 3600_000, w: 7 * 24 * 3600_000, d: 24 * 3600_000, h: 3600_000, m: 60_000, s: 1000, ms: 1 },
  /** time.Duration overflows at ~292 years: model.ParseDuration says "duration out of range". */
  maxMs: 9_223_372_036_854,
} as const;

/**
 * Label names (and annotation names). Prometheus 3 and Alertmanager 0.28+
 * accept any UTF-8 name (promtool 3.14 and amtool 0.34 do), but such a name
 * must be quoted in PromQL (`{"team.name"="x"}`), which a 2.x engine cannot
 * parse, and AMP's version is not published: the legacy names are kept.
 */
export const LABEL_NAMES = {
  source: `${COMMON}:model/labels.go (LabelName.IsValid, legacy validation); LabelValue.IsValid: valid UTF-8`,
  legacyPattern: /^[a-zA-Z_][a-zA-Z0-9_]*$/,
} as const;

/**
 * One Alertmanager matcher as written in `matchers:` lists, e.g.
 * `severity="critical"` or `alertname=~"Kube.*"`, is accepted only when both of
 * Alertmanager's parsers take it with the same meaning, because AMP's version
 * is not published:
 * - the classic parser, the only one before 0.27 (ParseMatcher,
 *   prometheus/alertmanager@v0.34.0:pkg/labels/parse.go; `--enable-feature=classic-mode`):
 *   names as [a-zA-Z_:][a-zA-Z0-9_:]*; a quoted value unescapes only `\n`,
 *   `\"` and `\\` and keeps any other backslash literally; an unescaped `"`
 *   inside the value is refused;
 * - the UTF-8 parser that 0.34 tries first, falling back to the classic one
 *   with a warning (matcher/parse; alone with `--enable-feature=utf8-strict-mode`):
 *   a quoted value is a Go string literal (strconv.Unquote), so `\d` is refused
 *   and `\t` would mean a tab; an unquoted value holds no space nor any of
 *   {}!=~,\"'` and is not empty.
 * So a quoted value may escape only `\n`, `\"` and `\\` (write `\\d` for a
 * regex's `\d`) and holds no raw line break. A regex must compile as Go's RE2
 * does (NewMatcher, pkg/labels/matcher.go: `regexp.Compile("^(?:" + v + ")$")`),
 * checked with re2js, a port of RE2: `(?i)` is accepted, lookarounds and
 * backreferences are not.
 */
export const MATCHERS = {
  source: [
    'prometheus/alertmanager@v0.34.0:pkg/labels/parse.go (ParseMatcher, the classic parser)',
    'prometheus/alertmanager@v0.34.0:matcher/parse (the UTF-8 parser)',
    'prometheus/alertmanager@v0.34.0:pkg/labels/matcher.go (NewMatcher)',
  ],
  /** Both parsers take these with the same meaning. */
  accepted: ['severity="critical"', 'alertname=~"Kube.*"', 'team=payments', 'x=~"(?i)abc"', 'x=~"\\\\d+"'],
  /** One of the parsers refuses these, or reads them differently. */
  refused: ['x="\\d"', 'x="a\\tb"', 'x=a b', 'x=', 'x="a"b"', 'x=~"(?=a)"', '1x="a"', 'x="a\nb"'],
} as const;

/**
 * The template functions and variables of Prometheus alert labels and
 * annotations, and of Alertmanager notification templates. Go's builtins
 * (text/template funcs.go) come with both.
 */
export const TEMPLATES = {
  goBuiltins: [
    'and',
    'call',
    'html',
    'index',
    'slice',
    'js',
    'len',
    'not',
    'or',
    'print',
    'printf',
    'println',
    'urlquery',
    'eq',
    'ge',
    'gt',
    'le',
    'lt',
    'ne',
  ],
  prometheus: {
    source: `${PROMETHEUS}:template/template.go (NewTemplateExpander's funcMap)`,
    /** The variables Prometheus defines before parsing a label or annotation. */
    variables: ['labels', 'externalLabels', 'externalURL', 'value'],
    variablesSource: `${PROMETHEUS}:model/rulefmt/rulefmt.go (testTemplateParsing)`,
    /**
     * 3.14.0, the promtool that checks them here, adds these; AMP's engine
     * version is not published, so they are refused (test/tools/go-template.test.ts
     * shows promtool accepting them).
     */
    newerFunctions: ['toDuration', 'now', 'urlQueryEscape'],
  },
  alertmanager: {
    source: 'prometheus/alertmanager@v0.25.0:template/template.go (DefaultFuncs)',
    /**
     * 0.34.0, the amtool that checks them here, adds these; AMP's version is
     * UNCONFIRMED, so only the 0.25 set is accepted (test/tools/go-template.test.ts
     * shows amtool accepting the others).
     */
    newerFunctions: [
      'trimSpace',
      'safeUrl',
      'urlUnescape',
      'routeLabels',
      'date',
      'tz',
      'now',
      'since',
      'humanizeDuration',
      'toDate',
      'mustToDate',
      'toJson',
    ],
    ampVersion: 'UNCONFIRMED',
  },
} as const;

/**
 * What Prometheus' rule loader (and so AMP's ruler) refuses in a rule's fields:
 * durations, label names and values, annotation names, fields recording rules
 * may not have (for, keep_firing_for, annotations), and templates that do not parse.
 */
export const RULE_FIELDS = {
  source: `${PROMETHEUS}:model/rulefmt/rulefmt.go (RuleNode.Validate and testTemplateParsing)`,
  notInRecordingRules: ['for', 'keep_firing_for', 'annotations'],
} as const;

/**
 * What Alertmanager refuses in a route (its durations), and what AMP silently
 * changes: a repeat_interval over five days is treated as five days
 * (MAX_REPEAT_INTERVAL_SECONDS of amp.ts, AMP user guide "Create an alert
 * manager configuration"), so synth refuses it.
 */
export const ROUTES = {
  source: 'prometheus/alertmanager@v0.25.0:config/config.go (Route.UnmarshalYAML)',
  durations: ['group_wait', 'group_interval', 'repeat_interval'],
} as const;

/**
 * How a stopped writer shows in `up`: no staleness marker is written when the
 * writer itself dies, so its newest sample stays visible for the lookback delta
 * after the last write, and `time() - timestamp(up)` (the sample's own
 * timestamp) sees the stop long before `absent(up)` can.
 */
export const STALENESS = {
  source: [
    "prometheus/prometheus@v3.14.0:promql/functions.go (funcTimestamp: the sample's own timestamp)",
    'prometheus/prometheus@v3.14.0:promql/engine.go (the lookback delta)',
  ],
  lookbackDeltaSeconds: 300,
} as const;
