import { directConversationId } from '@pigeon/sync-protocol';
import type { Store } from '../store/store.ts';
import { BoundedLru } from '../util/lru.ts';

/**
 * Who shares a conversation with whom (a 1:1 one, or a group both are members of now). Presence is announced to a user's contacts on
 * every connect and disconnect, so their list is cached (a connect/disconnect loop must
 * not cost a store read each time). A conversation started on this node
 * is added at once (`started`) and announced to the other nodes, which add it too
 * (`learned`): a list cached before a conversation started elsewhere would otherwise
 * leave the new contact out of every presence announcement until it expired, and a
 * user whose node died was announced offline to no one (issue #14, finding C8). When
 * notices may have been lost (Redis was away) every list is dropped (`forgetAll`).
 * `share` checks a single pair in the store when the list says no, so typing and
 * user-status work within `pairRecheckMs` of a first message anywhere.
 */
export interface ContactsOptions {
  store: Pick<Store, 'contactsOf' | 'getHistory'>;
  /** Tell the other nodes that the two now share a conversation (a server-side event, wired in start-server.ts). */
  announce?: (a: string, b: string) => void;
  maxUsers?: number;
  listTtlMs?: number;
  pairRecheckMs?: number;
}

export class Contacts {
  private lists: BoundedLru<string, Promise<Set<string>>>;
  /** Pairs found to share nothing, so a flood of events to a stranger costs one read per recheck period. */
  private strangers: BoundedLru<string, true>;
  private readonly store: ContactsOptions['store'];
  private readonly announce: (a: string, b: string) => void;
  private readonly sizes: { maxUsers: number; listTtlMs: number; pairRecheckMs: number };

  constructor({ store, announce = () => {}, maxUsers = 100_000, listTtlMs = 30_000, pairRecheckMs = 5_000 }: ContactsOptions) {
    this.store = store;
    this.announce = announce;
    this.sizes = { maxUsers, listTtlMs, pairRecheckMs };
    this.lists = new BoundedLru(maxUsers, listTtlMs);
    this.strangers = new BoundedLru(maxUsers, pairRecheckMs);
  }

  /** Everyone `userId` shares a conversation with. */
  peersOf(userId: string): Promise<ReadonlySet<string>> {
    let list = this.lists.get(userId);
    if (!list) {
      list = this.store.contactsOf(userId).then(({ peerIds, groups }) => {
        const peers = new Set(peerIds);
        // A group's current members are each other's contacts; a former member shares nothing with them any more.
        for (const g of groups) for (const m of g.memberIds) if (m !== userId) peers.add(m);
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
    // Found, not started: the node that stored the first message announced it.
    if (found) this.learned(a, b);
    else this.strangers.set(pair, true);
    return found;
  }

  /** A group `userId` is in gained or lost members (groups/group-rooms.ts, on every node): read their list again. */
  forget(userId: string): void {
    this.lists.delete(userId);
  }

  /** Every cached list and stranger pair: notices from other nodes may have been lost (their Redis links were down). */
  forgetAll(): void {
    const { maxUsers, listTtlMs, pairRecheckMs } = this.sizes;
    this.lists = new BoundedLru(maxUsers, listTtlMs);
    this.strangers = new BoundedLru(maxUsers, pairRecheckMs);
  }

  /** A first message between the two was stored on this node: each is now the other's contact, here and on every node. */
  started(a: string, b: string): void {
    this.learned(a, b);
    this.announce(a, b);
  }

  /** The two share a conversation (started on another node, or found in the store): cached lists gain it. */
  learned(a: string, b: string): void {
    const pair = a < b ? `${a}\n${b}` : `${b}\n${a}`;
    this.strangers.delete(pair);
    for (const [user, peer] of [[a, b], [b, a]] as const) {
      const list = this.lists.get(user);
      if (list) void list.then((set) => set.add(peer), () => {});
    }
  }
}
