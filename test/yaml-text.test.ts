import { parse, stringify } from 'yaml';
import { toYaml } from '../lib/yaml-text';

const write = (v: unknown) => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });

describe('toYaml', () => {
  test('writes no folded lines and no aliases', () => {
    const shared = { expr: `sum(rate(${'x'.repeat(120)}[5m]))` };
    const text = toYaml({ a: shared, b: shared });
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.split('\n').some((l) => l.length > 120)).toBe(true);
    expect(parse(text)).toEqual({ a: shared, b: shared });
  });

  test('a value written again gives the same text; a value JSON cannot name exactly is written anew, each as YAML writes it', () => {
    const rules = { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', for: '1m' }] }] };
    expect(toYaml(rules)).toBe(toYaml(JSON.parse(JSON.stringify(rules))));
    // JSON writes -0, NaN and Infinity as 0 or null: remembering them by JSON would return another value's text.
    for (const [first, second] of [
      [{ v: 0 }, { v: -0 }],
      [{ v: null }, { v: Number.NaN }],
      [{ v: null }, { v: Number.POSITIVE_INFINITY }],
    ]) {
      expect([toYaml(first), toYaml(second)]).toEqual([write(first), write(second)]);
      expect(toYaml(first)).not.toBe(toYaml(second));
    }
    // undefined reads the same in both: a key left out, an array element null.
    expect(toYaml({ a: undefined, b: [undefined, 1] })).toBe(write({ b: [null, 1] }));
    // Not a plain object: YAML may write it otherwise than its JSON (a Map; an object with toJSON, which JSON calls
    // with its key and YAML without).
    const map = new Map([['k', 'v']]);
    expect(toYaml({ m: map })).toBe(write({ m: map }));
    const keyed = { a: { toJSON: (key?: string) => `k=${key}` } };
    expect(toYaml({ a: 'k=a' })).toBe('a: k=a\n');
    expect(toYaml(keyed)).toBe(write(keyed));
    expect(toYaml(keyed)).not.toBe('a: k=a\n');
  });
});
