import { stringify as stringifyYaml } from 'yaml';
import { isPlainObject } from './data-file';

/**
 * YAML as the generated rule files, promtool tests and collector configuration
 * are written: no line folding (a folded PromQL expression is harder to read
 * and diff) and no anchors/aliases (Prometheus and the collector read them, but
 * a reviewer should see every value where it applies).
 *
 * Texts already written in this process are remembered by the value's JSON
 * (yaml@2.9's stringify is slow, about 2 ms for a rule file; a process that
 * renders the model more than once, such as a test synthesizing environment
 * variants, writes the same rule files and collector components each time).
 * Only where JSON names the YAML exactly: plain objects and arrays, strings,
 * booleans, null, finite numbers but -0 (JSON would write -0, NaN and Infinity
 * as 0 or null, YAML as -0, .nan and .inf), and no object with its own toJSON. `undefined` is the same in both:
 * a key without a value is left out, an array element is null.
 */
export function toYaml(value: unknown): string {
  const key = exactJson(value);
  const known = key === undefined ? undefined : written.get(key);
  if (known !== undefined) return known;
  const text = stringifyYaml(value, { lineWidth: 0, aliasDuplicateObjects: false });
  if (key !== undefined) remember(key, text);
  return text;
}

/** At most this many characters of keys and texts are remembered, the oldest forgotten first. */
const MEMO_CHARS = 8_000_000;
const written = new Map<string, string>();
let writtenChars = 0;

function remember(key: string, text: string): void {
  const size = key.length + text.length;
  if (size > MEMO_CHARS) return;
  while (writtenChars + size > MEMO_CHARS) {
    const [oldKey, oldText] = written.entries().next().value!;
    written.delete(oldKey);
    writtenChars -= oldKey.length + oldText.length;
  }
  written.set(key, text);
  writtenChars += size;
}

/** The JSON of `value` when it determines the YAML text exactly (see toYaml), else undefined. */
function exactJson(value: unknown): string | undefined {
  let exact = true;
  let json: string | undefined;
  try {
    // `this[key]` is the value before JSON applies toJSON (a Date, a Buffer, a class's own): such a value is not
    // plain, and JSON calls toJSON with the key where YAML calls it without.
    json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const original = this[key];
      if (typeof original === 'number') {
        if (!Number.isFinite(original) || Object.is(original, -0)) exact = false;
      } else if (typeof original === 'bigint' || typeof original === 'function' || typeof original === 'symbol') {
        exact = false;
        return null;
      } else if (original !== null && typeof original === 'object' && !Array.isArray(original)) {
        if (!isPlainObject(original) || typeof original.toJSON === 'function') exact = false;
      }
      return v;
    });
  } catch {
    return undefined; // a cycle: YAML says what is wrong
  }
  return exact ? json : undefined;
}
