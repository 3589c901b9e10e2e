import { RE2JS } from 're2js';

/**
 * The small grammars Prometheus and Alertmanager apply to rule files and the
 * routing tree, checked at synth so that AMP never sees what it would refuse.
 */

/**
 * Units of a Prometheus duration, biggest first, in milliseconds
 * (prometheus/common@v0.54.0:model/time.go, unitMap; the version
 * prometheus/prometheus@v2.53.0 uses).
 */
const UNITS: readonly [string, number][] = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/**
 * Parses a duration as model.ParseDuration does: "0", or one or more
 * <digits><unit> with units in decreasing order and none repeated ("1h30m",
 * not "30m1h", "1.5h" or "5x"). Returns milliseconds, or undefined when invalid.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let rest = text;
  let ms = 0;
  let last = -1;
  while (rest !== '') {
    const m = /^([0-9]+)([^0-9]+)/.exec(rest);
    if (!m) return undefined;
    const pos = UNITS.findIndex(([u]) => u === m[2]);
    if (pos < 0 || pos <= last) return undefined;
    last = pos;
    ms += Number(m[1]) * UNITS[pos][1];
    rest = rest.slice(m[0].length);
  }
  // time.Duration overflows at ~292 years (model.ParseDuration: "duration out of range").
  return ms > 9_223_372_036_854 ? undefined : ms;
}

export const DURATION_HELP = 'use digits and units y, w, d, h, m, s, ms from biggest to smallest, like "5m", "1h30m" or "90s"';

/**
 * Label names (prometheus/common@v0.54.0:model/labels.go, LabelName.IsValid,
 * legacy validation). Prometheus 3 and Alertmanager 0.28+ accept any UTF-8
 * name (promtool 3.14 and amtool 0.34 do), but such a name must be quoted in
 * PromQL (`{"team.name"="x"}`), which a 2.x engine cannot parse, and AMP's
 * version is not published: the legacy names are kept.
 */
export const isValidLabelName = (name: string): boolean => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);

/** Label values must be valid UTF-8 (LabelValue.IsValid); a JavaScript string is, unless it holds a lone surrogate. */
export const isValidLabelValue = (value: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);

/**
 * One Alertmanager matcher as written in `matchers:` lists, e.g.
 * `severity="critical"` or `alertname=~"Kube.*"`, accepted only when both of
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
export function parseMatcher(text: string): { name: string; op: string; value: string } | undefined {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/.exec(text);
  if (!m) return undefined;
  let raw = m[3];
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  } else if (raw === '' || /[\s{}!=~,\\"'`]/.test(raw)) return undefined; // the UTF-8 parser's unquoted token
  const chars = [...raw];
  let value = '';
  let escaped = false;
  for (let i = 0; i < chars.length; i++) {
    const r = chars[i];
    if (escaped) {
      escaped = false;
      // Any other escape means something else to the UTF-8 parser (\t) or is refused by it (\d).
      if (r !== 'n' && r !== '"' && r !== '\\') return undefined;
      value += r === 'n' ? '\n' : r;
      continue;
    }
    if (r === '\n' && expectTrailingQuote) return undefined; // a raw line break is not in a Go string literal
    if (r === '\\') {
      if (i < chars.length - 1) escaped = true;
      else value += '\\';
    } else if (r === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) return undefined;
      expectTrailingQuote = false;
    } else value += r;
  }
  if (expectTrailingQuote) return undefined;
  if (m[2] === '=~' || m[2] === '!~') {
    try {
      RE2JS.compile(`^(?:${value})$`);
    } catch {
      return undefined;
    }
  }
  return { name: m[1], op: m[2], value };
}
