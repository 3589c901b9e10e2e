/**
 * Where resources go at scale: pure decisions on sizes and counts, made before
 * any construct exists (the stack creates the nested stacks they name).
 *
 * Placement is by name, never by position: a resource with a fixed name (a log
 * group, a rule groups namespace) that changes stack is created in the new
 * stack before it is deleted from the old, and fails with "already exists".
 * So an item's shard is a hash of its name into a fixed number of shards, and
 * inserting or removing one item moves no other. Crossing the threshold that
 * first moves items out of the main stack still moves them all, once.
 */
import { createHash } from 'crypto';

/** Rule file bytes kept in the main stack's template; more go to nested stacks. */
export const RULES_INLINE_BYTES = 400_000;

/** Rule file bytes one nested stack may hold (CloudFormation's template body is at most 1 MB). */
const RULES_NESTED_MAX_BYTES = 800_000;

/** Services whose per-service resources may share one (nested) stack. */
export const SERVICES_PER_SHARD = 40;

/** Nested stacks items are hashed into, once they leave the main stack. Changing it moves everything. */
const SHARDS = 16;

/** Items by shard: `nested: false` is the main stack alone (index 0); otherwise one nested stack per index present. */
export interface Placement<T> {
  readonly nested: boolean;
  readonly shards: readonly { readonly index: number; readonly items: T[] }[];
}

function shardOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % SHARDS;
}

function byName<T>(items: readonly T[], name: (t: T) => string): Placement<T> {
  const shards = new Map<number, T[]>();
  for (const item of items) {
    const index = shardOf(name(item));
    shards.set(index, [...(shards.get(index) ?? []), item]);
  }
  return { nested: true, shards: [...shards.entries()].sort(([a], [b]) => a - b).map(([index, its]) => ({ index, items: its })) };
}

/**
 * Rule files per template. Rule files count against CloudFormation's 1 MB
 * template body: up to `inlineBytes` in all they stay in the main stack;
 * beyond, each goes to the nested stack its name hashes to.
 */
export function ruleFileShards<T extends { readonly name: string; readonly text: string }>(
  files: readonly T[],
  inlineBytes = RULES_INLINE_BYTES,
): Placement<T> {
  const bytes = files.reduce((n, f) => n + f.text.length, 0);
  if (bytes <= inlineBytes) return { nested: false, shards: [{ index: 0, items: [...files] }] };
  const placed = byName(files, (f) => f.name);
  for (const s of placed.shards) {
    const size = s.items.reduce((n, f) => n + f.text.length, 0);
    if (size > RULES_NESTED_MAX_BYTES) {
      throw new Error(
        `rule files ${s.items.map((f) => f.name).join(', ')} hash to one nested stack and hold ${size} bytes, over ${RULES_NESTED_MAX_BYTES}: merge or shrink rule files`,
      );
    }
  }
  return placed;
}

/**
 * Services per template: per-service resources (log group, its SSM names,
 * error metric and alarm, saved query, OTEL_* settings: 10 each) stay in the
 * main stack up to `perShard` services; beyond (one stack would near
 * CloudFormation's 500 resources), each service goes to the nested stack its
 * name hashes to, which holds at most `perShard`.
 */
export function serviceShards(services: readonly string[], perShard = SERVICES_PER_SHARD): Placement<string> {
  if (services.length <= perShard) return { nested: false, shards: [{ index: 0, items: [...services] }] };
  const placed = byName(services, (s) => s);
  for (const s of placed.shards) {
    if (s.items.length > perShard) {
      throw new Error(
        `${s.items.length} services hash to nested stack Services${s.index}, over ${perShard}: raise SHARDS in lib/model/placement.ts (it moves every service once)`,
      );
    }
  }
  return placed;
}
