import { parse } from 'yaml';
import { toYaml } from '../lib/yaml-text';

describe('toYaml', () => {
  test('writes no folded lines and no aliases', () => {
    const shared = { expr: `sum(rate(${'x'.repeat(120)}[5m]))` };
    const text = toYaml({ a: shared, b: shared });
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.split('\n').some((l) => l.length > 120)).toBe(true);
    expect(parse(text)).toEqual({ a: shared, b: shared });
  });

  test('writes -0, NaN and Infinity as YAML does (a rule value must survive the round trip)', () => {
    expect(toYaml({ a: -0, b: Number.NaN, c: Number.POSITIVE_INFINITY })).toBe('a: -0\nb: .nan\nc: .inf\n');
    expect(parse(toYaml({ v: -0 }))).toEqual({ v: -0 });
  });
});
