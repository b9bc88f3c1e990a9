import { directConversationId } from '@pigeon/sync-protocol';
import type { Store } from '../store/store.ts';
import { BoundedLru } from '../util/lru.ts';

/**
 * Who shares a conversation with whom (a 1:1 one, or a group both are members of now). Presence is announced to a user's contacts on
 * every connect and disconnect, so their list is cached (a connect/disconnect loop must
 * not cost a conversation-list query each time). A conversation started on this node
 * is added at once (`started`); one started on another node shows up when the cached
 * list expires, and `share` checks a single pair in the store when the list says no,
 * so typing and user-status work within `pairRecheckMs` of a first message anywhere.
 */
export interface ContactsOptions {
  store: Pick<Store, 'listConversations' | 'getHistory'>;
  maxUsers?: number;
  listTtlMs?: number;
  pairRecheckMs?: number;
}

export class Contacts {
  private readonly lists: BoundedLru<string, Promise<Set<string>>>;
  /** Pairs found to share nothing, so a flood of events to a stranger costs one read per recheck period. */
  private readonly strangers: BoundedLru<string, true>;
  private readonly store: ContactsOptions['store'];

  constructor({ store, maxUsers = 100_000, listTtlMs = 30_000, pairRecheckMs = 5_000 }: ContactsOptions) {
    this.store = store;
    this.lists = new BoundedLru(maxUsers, listTtlMs);
    this.strangers = new BoundedLru(maxUsers, pairRecheckMs);
  }

  /** Everyone `userId` shares a conversation with. */
  peersOf(userId: string): Promise<ReadonlySet<string>> {
    let list = this.lists.get(userId);
    if (!list) {
      list = this.store.listConversations(userId).then((conversations) => {
        const peers = new Set<string>();
        for (const c of conversations) {
          if (c.peerId !== null) peers.add(c.peerId);
          // A group's current members are each other's contacts; a former member shares nothing with them any more.
          else if (c.members.some((m) => m.userId === userId)) for (const m of c.members) if (m.userId !== userId) peers.add(m.userId);
        }
        return peers;
      });
      list.catch(() => this.lists.delete(userId));
      this.lists.set(userId, list);
    }
    return list;
  }

  async share(a: string, b: string): Promise<boolean> {
    if (a === b) return true;
    if ((await this.peersOf(a)).has(b)) return true;
    const pair = a < b ? `${a}\n${b}` : `${b}\n${a}`;
    if (this.strangers.has(pair)) return false;
    // One indexed read: does the direct conversation hold any message?
    const found = (await this.store.getHistory(directConversationId(a, b), null, 1)).length > 0;
    if (found) this.started(a, b);
    else this.strangers.set(pair, true);
    return found;
  }

  /** A group `userId` is in gained or lost members (groups/group-rooms.ts, on every node): read their list again. */
  forget(userId: string): void {
    this.lists.delete(userId);
  }

  /** A first message between the two was stored (or found): each is now the other's contact. */
  started(a: string, b: string): void {
    const pair = a < b ? `${a}\n${b}` : `${b}\n${a}`;
    this.strangers.delete(pair);
    for (const [user, peer] of [[a, b], [b, a]] as const) {
      const list = this.lists.get(user);
      if (list) void list.then((set) => set.add(peer), () => {});
    }
  }
}
