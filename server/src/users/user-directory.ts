import type { Store } from '../store/store.ts';

/**
 * "Does this user exist?" for the send path, without a DB read per message.
 * Users are never deleted, so a positive answer can be cached forever; a
 * negative one is not cached (the user may register on another node a moment
 * later). Concurrent look-ups of one id share a single query.
 */
export class UserDirectory {
  private readonly known = new Set<string>();
  private readonly lookups = new Map<string, Promise<boolean>>();

  constructor(
    private readonly store: Pick<Store, 'getUsers'>,
    /** Bound on the cache; past it the set restarts (ids re-learn with one query each). */
    private readonly maxKnown = 1_000_000,
  ) {}

  /** Called on register and whenever a record is read anyway. */
  remember(userId: string): void {
    if (this.known.size >= this.maxKnown) this.known.clear();
    this.known.add(userId);
  }

  exists(userId: string): Promise<boolean> {
    if (this.known.has(userId)) return Promise.resolve(true);
    let lookup = this.lookups.get(userId);
    if (!lookup) {
      lookup = this.store
        .getUsers([userId])
        .then((records) => {
          const found = records.some((r) => r.id === userId);
          if (found) this.remember(userId);
          return found;
        })
        .finally(() => this.lookups.delete(userId));
      this.lookups.set(userId, lookup);
    }
    return lookup;
  }
}
