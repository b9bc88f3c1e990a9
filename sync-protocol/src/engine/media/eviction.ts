/**
 * Which cached blobs go when the cache is over its budget: least recently used first, until the
 * rest fits. Pure, so the rule is tested without IndexedDB (media-cache.ts applies it).
 */

export interface CachedEntry {
  key: string;
  size: number;
  usedAt: number;
}

/** Keys to evict so that what stays weighs at most `budget` bytes; none when the budget is null (keep everything). */
export function evictionPlan(entries: readonly CachedEntry[], budget: number | null): string[] {
  if (budget === null) return [];
  let total = entries.reduce((sum, e) => sum + e.size, 0);
  if (total <= budget) return [];
  // Oldest use first; equal times by key, so the plan does not depend on the read order.
  const oldestFirst = [...entries].sort((a, b) => a.usedAt - b.usedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const evict: string[] = [];
  for (const e of oldestFirst) {
    if (total <= budget) break;
    evict.push(e.key);
    total -= e.size;
  }
  return evict;
}
