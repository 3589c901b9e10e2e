import { RE2JS } from 're2js';

/**
 * The small grammars Prometheus and Alertmanager apply to rule files and the
 * routing tree, checked at synth so that AMP never sees what it would refuse.
 */

/**
 * Units of a Prometheus duration, biggest first, in milliseconds.
 * @see test/contracts/prometheus.ts DURATIONS
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
 * Label names as every Prometheus reads them unquoted: the legacy names, since
 * AMP's engine may be a 2.x, which cannot parse a quoted UTF-8 name.
 * @see test/contracts/prometheus.ts LABEL_NAMES
 */
export const isValidLabelName = (name: string): boolean => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);

/** Label values must be valid UTF-8 (LabelValue.IsValid); a JavaScript string is, unless it holds a lone surrogate. */
export const isValidLabelValue = (value: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);

/**
 * One Alertmanager matcher as written in `matchers:` lists, e.g.
 * `severity="critical"` or `alertname=~"Kube.*"`, accepted only when both of
 * Alertmanager's parsers (classic and UTF-8) take it with the same meaning: a
 * quoted value may escape only `\n`, `\"` and `\\`, and a regex must compile
 * as Go's RE2 does (checked with re2js). Returns undefined when refused.
 * @see test/contracts/prometheus.ts MATCHERS
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
