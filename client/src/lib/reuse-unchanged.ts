/**
 * Structural sharing for a live query's rows: a new result in which every row equal to the previous
 * result's row of the same key *is* that previous object, and the previous array itself when no row
 * changed. Why: a Dexie live query re-runs after any write to the tables it read and returns new
 * objects each time, so every drawn bubble got a new `message` prop and re-rendered, though at most
 * one had changed (a receipt, a reaction); after a catch-up that was a whole window of bubbles
 * re-rendered in one task (issue #20, the open chat's traces). Vue skips a child whose props are the
 * same objects, and a shallowRef set to the same array triggers nothing.
 */
export function reuseUnchanged<T>(prev: readonly T[], next: readonly T[], key: (row: T) => string): readonly T[] {
  if (prev.length === 0) return next;
  const before = new Map<string, T>();
  for (const row of prev) before.set(key(row), row);
  let same = prev.length === next.length;
  const out = next.map((row, i) => {
    const old = before.get(key(row));
    const kept = old !== undefined && samePlain(old, row) ? old : row;
    if (kept !== prev[i]) same = false;
    return kept;
  });
  return same ? prev : out;
}

/** Deep equality of plain data (what IndexedDB stores: objects, arrays, strings, numbers, booleans, null, Blobs by identity). */
export function samePlain(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePlain(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!samePlain((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
