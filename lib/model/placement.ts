/**
 * Where resources go at scale: pure decisions on sizes and counts, made before
 * any construct exists (the stack creates the nested stacks they name).
 */

/** Rule file bytes kept in the main stack's template; more go to nested stacks. */
export const RULES_INLINE_BYTES = 400_000;

/** Services whose per-service resources share one (nested) stack. */
export const SERVICES_PER_SHARD = 40;

/** Consecutive groups of items whose sizes add up to at most `max` each (an item larger than `max` is a group alone). */
export function packBySize<T>(items: readonly T[], size: (t: T) => number, max: number): T[][] {
  const groups: T[][] = [];
  let bytes = 0;
  for (const item of items) {
    if (groups.length === 0 || bytes + size(item) > max) {
      groups.push([]);
      bytes = 0;
    }
    groups[groups.length - 1].push(item);
    bytes += size(item);
  }
  return groups;
}

/** Consecutive slices of at most `n` items. */
export function chunk<T>(items: readonly T[], n: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, (i + 1) * n));
}

/**
 * Rule files per template. Rule files count against CloudFormation's 1 MB
 * template body: up to `inlineBytes` in all they stay in one group (the main
 * stack); beyond, they are packed into groups of at most `inlineBytes` each
 * (one nested stack each).
 */
export function ruleFileShards<T extends { readonly text: string }>(files: readonly T[], inlineBytes = RULES_INLINE_BYTES): T[][] {
  const bytes = files.reduce((n, f) => n + f.text.length, 0);
  return bytes > inlineBytes ? packBySize(files, (f) => f.text.length, inlineBytes) : [[...files]];
}

/**
 * Services per template: per-service resources (log group, its SSM names,
 * error metric and alarm, saved query, OTEL_* settings: 10 each) go to nested
 * stacks of `perShard` services once one stack would pass CloudFormation's
 * 500 resources; a handful of services stay in one group.
 */
export function serviceShards(services: readonly string[], perShard = SERVICES_PER_SHARD): string[][] {
  return chunk(services, perShard);
}
