import type { Store } from '../store/store.ts';
import { BoundedLru } from '../util/lru.ts';

/**
 * Who blocked whom, for the send path and every presence or typing decision, without
 * a store read per event: each user's block list is read once and kept (bounded LRU).
 * A change on this node updates the cache at once; other nodes are told through
 * `announce` (a server-side event through the Redis adapter, wired in start-server.ts)
 * and drop their copy.
 * The TTL is only a backstop for a notice lost while Redis was down.
 */
export interface BlockListOptions {
  store: Pick<Store, 'blockedBy' | 'blockUser' | 'unblockUser'>;
  /** Tell the other nodes that `userId`'s list changed. */
  announce?: (userId: string) => void;
  maxUsers?: number;
  ttlMs?: number;
}

export class BlockList {
  private readonly lists: BoundedLru<string, Promise<ReadonlySet<string>>>;
  private readonly store: BlockListOptions['store'];
  private readonly announce: (userId: string) => void;

  constructor({ store, announce = () => {}, maxUsers = 100_000, ttlMs = 5 * 60_000 }: BlockListOptions) {
    this.store = store;
    this.announce = announce;
    this.lists = new BoundedLru(maxUsers, ttlMs);
  }

  /** Ids `userId` has blocked. */
  blockedBy(userId: string): Promise<ReadonlySet<string>> {
    let list = this.lists.get(userId);
    if (!list) {
      list = this.store.blockedBy(userId).then((ids) => new Set(ids));
      // A failed read must not stay cached; the next caller tries again.
      list.catch(() => this.lists.delete(userId));
      this.lists.set(userId, list);
    }
    return list;
  }

  async eitherWay(a: string, b: string): Promise<boolean> {
    const [ofA, ofB] = await Promise.all([this.blockedBy(a), this.blockedBy(b)]);
    return ofA.has(b) || ofB.has(a);
  }

  async block(blockerId: string, blockedId: string): Promise<void> {
    await this.store.blockUser(blockerId, blockedId, new Date().toISOString());
    this.changed(blockerId);
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.store.unblockUser(blockerId, blockedId);
    this.changed(blockerId);
  }

  /** Another node changed `userId`'s list. */
  forget(userId: string): void {
    this.lists.delete(userId);
  }

  private changed(userId: string): void {
    this.forget(userId);
    this.announce(userId);
  }
}
