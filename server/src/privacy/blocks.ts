import type { Store } from '../store/store.ts';
import { BoundedLru } from '../util/lru.ts';

/**
 * Who blocked whom, for the send path and every presence or typing decision, without
 * a store read per event: each user's block list (whom they blocked) and blocker list
 * (who blocked them) is read once and kept (bounded LRU).
 * A change on this node updates the cache at once; other nodes are told through
 * `announce` (a server-side event through the Redis adapter, wired in start-server.ts)
 * and drop their copy.
 * The TTL is only a backstop for a notice lost while Redis was down.
 */
export interface BlockListOptions {
  store: Pick<Store, 'blockedBy' | 'blockersOf' | 'blockUser' | 'unblockUser'>;
  /** Tell the other nodes that `userId`'s list changed. */
  announce?: (userId: string) => void;
  maxUsers?: number;
  ttlMs?: number;
}

export class BlockList {
  private lists: BoundedLru<string, Promise<ReadonlySet<string>>>;
  private blockers: BoundedLru<string, Promise<ReadonlySet<string>>>;
  private readonly sizes: { maxUsers: number; ttlMs: number };
  private readonly store: BlockListOptions['store'];
  private readonly announce: (userId: string) => void;

  constructor({ store, announce = () => {}, maxUsers = 100_000, ttlMs = 5 * 60_000 }: BlockListOptions) {
    this.store = store;
    this.announce = announce;
    this.sizes = { maxUsers, ttlMs };
    this.lists = new BoundedLru(maxUsers, ttlMs);
    this.blockers = new BoundedLru(maxUsers, ttlMs);
  }

  /** Ids `userId` has blocked. */
  blockedBy(userId: string): Promise<ReadonlySet<string>> {
    return cached(this.lists, userId, () => this.store.blockedBy(userId));
  }

  /** Ids of the users who blocked `userId`. */
  blockersOf(userId: string): Promise<ReadonlySet<string>> {
    return cached(this.blockers, userId, () => this.store.blockersOf(userId));
  }

  async eitherWay(a: string, b: string): Promise<boolean> {
    const [ofA, ofB] = await Promise.all([this.blockedBy(a), this.blockedBy(b)]);
    return ofA.has(b) || ofB.has(a);
  }

  async block(blockerId: string, blockedId: string): Promise<void> {
    await this.store.blockUser(blockerId, blockedId, new Date().toISOString());
    this.changed(blockerId, blockedId);
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.store.unblockUser(blockerId, blockedId);
    this.changed(blockerId, blockedId);
  }

  /** A block involving `userId` changed (here or on another node): drop both of their lists. */
  forget(userId: string): void {
    this.lists.delete(userId);
    this.blockers.delete(userId);
  }

  /**
   * Notices from other nodes may have been lost (a Redis outage): drop every list, so a block
   * made elsewhere meanwhile counts from the next read, not after the lists' 5-minute expiry.
   */
  forgetAll(): void {
    this.lists = new BoundedLru(this.sizes.maxUsers, this.sizes.ttlMs);
    this.blockers = new BoundedLru(this.sizes.maxUsers, this.sizes.ttlMs);
  }

  private changed(blockerId: string, blockedId: string): void {
    for (const userId of [blockerId, blockedId]) {
      this.forget(userId);
      this.announce(userId);
    }
  }
}

function cached(cache: BoundedLru<string, Promise<ReadonlySet<string>>>, userId: string, read: () => Promise<string[]>) {
  let list = cache.get(userId);
  if (!list) {
    list = read().then((ids) => new Set(ids));
    // A failed read must not stay cached; the next caller tries again.
    list.catch(() => cache.delete(userId));
    cache.set(userId, list);
  }
  return list;
}
