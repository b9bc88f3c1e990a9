/**
 * A bounded map that forgets its least recently used entry when full, and (when
 * `ttlMs` is given) treats entries older than that as absent. Built on Map's
 * insertion order: a hit re-inserts the key, so the first key is always the
 * least recently used and eviction is O(1).
 *
 * Used where a client can make the server remember things (unknown user ids,
 * acknowledged message ids): the bound is what keeps that memory from growing
 * with whatever the client sends.
 */
export class BoundedLru<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();

  constructor(
    private readonly maxSize: number,
    private readonly ttlMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {
    if (!(maxSize >= 1)) throw new Error('BoundedLru: maxSize must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    if (this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
