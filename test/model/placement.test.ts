import { ruleFileShards, RULES_INLINE_BYTES, serviceShards, SERVICES_PER_SHARD } from '../../lib/model/placement';

const file = (name: string, bytes: number) => ({ name, text: 'x'.repeat(bytes) });
const services = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Where each item went: name -> shard index. */
function placement<T>(shards: readonly { index: number; items: readonly T[] }[], name: (t: T) => string): Record<string, number> {
  return Object.fromEntries(shards.flatMap((s) => s.items.map((t) => [name(t), s.index])));
}

describe('placement at scale', () => {
  test('rule files stay in the main stack up to RULES_INLINE_BYTES in all, then leave it for nested stacks', () => {
    const small = [file('a', 1000), file('b', 2000)];
    expect(ruleFileShards(small)).toEqual({ nested: false, shards: [{ index: 0, items: small }] });
    const big = [file('a', RULES_INLINE_BYTES - 10), file('b', 20), file('c', 5)];
    const placed = ruleFileShards(big);
    expect(placed.nested).toBe(true);
    expect(Object.keys(placement(placed.shards, (f) => f.name)).sort()).toEqual(['a', 'b', 'c']);
  });

  test('services share the main stack up to SERVICES_PER_SHARD, then leave it for nested stacks of at most that many', () => {
    expect(serviceShards(['a', 'b'])).toEqual({ nested: false, shards: [{ index: 0, items: ['a', 'b'] }] });
    const placed = serviceShards(services(SERVICES_PER_SHARD * 2 + 1));
    expect(placed.nested).toBe(true);
    for (const s of placed.shards) expect(s.items.length).toBeLessThanOrEqual(SERVICES_PER_SHARD);
    expect(Object.keys(placement(placed.shards, (s) => s))).toHaveLength(SERVICES_PER_SHARD * 2 + 1);
  });

  // A fixed-name resource (a log group, a rule groups namespace) that changes stack is created in the new one
  // before it is deleted from the old: "already exists". Placement is by name, so no insertion or removal moves another.
  test('inserting a service at the front, or removing one, moves no other service', () => {
    const before = services(120);
    const was = placement(serviceShards(before).shards, (s) => s);
    const inserted = placement(serviceShards(['aaa-new', ...before]).shards, (s) => s);
    const removed = placement(serviceShards(before.slice(1)).shards, (s) => s);
    for (const name of before) expect([name, inserted[name]]).toEqual([name, was[name]]);
    for (const name of before.slice(1)) expect([name, removed[name]]).toEqual([name, was[name]]);
  });

  test('inserting a rule file at the front, or removing one, moves no other rule file', () => {
    const before = Array.from({ length: 30 }, (_, i) => file(`f${i}`, 30_000));
    const was = placement(ruleFileShards(before).shards, (f) => f.name);
    const inserted = placement(ruleFileShards([file('aaa-new', 30_000), ...before]).shards, (f) => f.name);
    const removed = placement(ruleFileShards(before.slice(1)).shards, (f) => f.name);
    for (const f of before) expect([f.name, inserted[f.name]]).toEqual([f.name, was[f.name]]);
    for (const f of before.slice(1)) expect([f.name, removed[f.name]]).toEqual([f.name, was[f.name]]);
  });
});
