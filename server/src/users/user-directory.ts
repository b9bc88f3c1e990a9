import type { Store } from '../store/store.ts';
import { BoundedLru } from '../util/lru.ts';

/** Unknown ids remembered at once; past it the least recently asked is forgotten. */
const MAX_UNKNOWN = 10_000;
/**
 * How long "no such user" is believed. Ids are random and a client learns one only
 * after its user exists, so a negative answer is almost never overtaken; but MongoDB
 * ids (ObjectIds) are partly predictable, and a user registered on another node does
 * not clear this node's entry, so a wrong "unknown" must expire by itself.
 */
const UNKNOWN_TTL_MS = 60_000;
/** Ids asked about in one event-loop turn are looked up with one query, up to this many. */
const MAX_BATCH = 500;

interface Waiter {
  resolve(found: boolean): void;
  reject(err: unknown): void;
}

/**
 * "Does this user exist?" for the send path, typing and user-status, without a
 * DB read per event. Users are never deleted, so a positive answer is cached
 * forever (bounded); a negative one for a minute, in a bounded LRU, so a client
 * repeating an unknown id costs one store read, not one per event. Concurrent
 * look-ups of one id share a single query, and the ids asked about in one turn
 * of the event loop share one `getUsers`: a burst of events naming random ids
 * (1,000 `typing` events delayed others' sends by 14.5 s on MongoDB, issue #13,
 * one query each, each a collection scan on FerretDB) costs a query per burst.
 */
export class UserDirectory {
  private readonly known = new Set<string>();
  private readonly unknown: BoundedLru<string, true>;
  private readonly lookups = new Map<string, Promise<boolean>>();
  private batch = new Map<string, Waiter>();
  private flushScheduled = false;

  constructor(
    private readonly store: Pick<Store, 'getUsers'>,
    /** Bound on the cache; past it the set restarts (ids re-learn with one query each). */
    private readonly maxKnown = 1_000_000,
    now: () => number = Date.now,
  ) {
    this.unknown = new BoundedLru(MAX_UNKNOWN, UNKNOWN_TTL_MS, now);
  }

  /** Called on register and whenever a record is read anyway. */
  remember(userId: string): void {
    this.unknown.delete(userId);
    if (this.known.size >= this.maxKnown) this.known.clear();
    this.known.add(userId);
  }

  exists(userId: string): Promise<boolean> {
    if (this.known.has(userId)) return Promise.resolve(true);
    if (this.unknown.has(userId)) return Promise.resolve(false);
    let lookup = this.lookups.get(userId);
    if (!lookup) {
      lookup = new Promise<boolean>((resolve, reject) => this.enqueue(userId, { resolve, reject }));
      this.lookups.set(userId, lookup);
    }
    return lookup;
  }

  private enqueue(userId: string, waiter: Waiter): void {
    this.batch.set(userId, waiter);
    if (this.batch.size >= MAX_BATCH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the I/O of this turn: every packet already read asks before the query goes out.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    if (batch.size === 0) return;
    this.batch = new Map();
    this.store.getUsers([...batch.keys()]).then(
      (records) => {
        const found = new Set(records.map((r) => r.id));
        for (const [id, waiter] of batch) {
          this.lookups.delete(id);
          if (found.has(id)) this.remember(id);
          // A registration that landed while the query ran wins over its stale "no".
          else if (!this.known.has(id)) this.unknown.set(id, true);
          waiter.resolve(found.has(id) || this.known.has(id));
        }
      },
      (err: unknown) => {
        for (const [id, waiter] of batch) {
          this.lookups.delete(id);
          waiter.reject(err);
        }
      },
    );
  }
}
