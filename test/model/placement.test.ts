import { chunk, packBySize, ruleFileShards, RULES_INLINE_BYTES, serviceShards, SERVICES_PER_SHARD } from '../../lib/model/placement';

const file = (name: string, bytes: number) => ({ name, text: 'x'.repeat(bytes) });

describe('placement at scale', () => {
  test('packBySize keeps order and starts a new group when the next item would pass the limit', () => {
    expect(packBySize([3, 4, 2, 5, 1], (n) => n, 7)).toEqual([[3, 4], [2, 5], [1]]);
    // An item over the limit is a group of its own.
    expect(packBySize([9, 1], (n) => n, 7)).toEqual([[9], [1]]);
    expect(packBySize([], (n: number) => n, 7)).toEqual([]);
  });

  test('chunk slices consecutively', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  test('rule files stay in one group up to RULES_INLINE_BYTES in all, then are packed by size', () => {
    const small = [file('a', 1000), file('b', 2000)];
    expect(ruleFileShards(small).map((g) => g.map((f) => f.name))).toEqual([['a', 'b']]);
    const big = [file('a', RULES_INLINE_BYTES - 10), file('b', 20), file('c', 5)];
    expect(ruleFileShards(big).map((g) => g.map((f) => f.name))).toEqual([['a'], ['b', 'c']]);
    for (const g of ruleFileShards(big)) expect(g.reduce((n, f) => n + f.text.length, 0)).toBeLessThanOrEqual(RULES_INLINE_BYTES);
  });

  test('services share a stack SERVICES_PER_SHARD at a time', () => {
    const services = Array.from({ length: SERVICES_PER_SHARD * 2 + 1 }, (_, i) => `s${i}`);
    expect(serviceShards(services).map((s) => s.length)).toEqual([SERVICES_PER_SHARD, SERVICES_PER_SHARD, 1]);
    expect(serviceShards(['a', 'b'])).toEqual([['a', 'b']]);
  });
});
