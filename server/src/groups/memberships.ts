import type { GroupRecord, MemberPeriod, Store } from '../store/store.ts';
import { BoundedLru } from '../util/lru.ts';

/** A group's conversation id: `g:` + a UUIDv7 (docs/architecture.md, "Groups"); user ids never hold a colon. */
export const isGroupId = (conversationId: string): boolean => conversationId.startsWith('g:');

/** Whether a membership period holds `seq` (both ends included; open periods have no end). */
export const periodHolds = (p: MemberPeriod, seq: number): boolean => seq >= p.fromSeq && (p.toSeq === null || seq <= p.toSeq);

/**
 * This node's copy of who is in which group, so a typing event's first check, `message-read` and a
 * socket's rooms cost no store read per event (the typing fan-out reads the group itself:
 * realtime/typing-fanout.ts). Every membership change is applied on every node
 * (group-rooms.ts: here at once, elsewhere through a server-side event) and drops what it
 * touches; the TTL is only a backstop for a notice lost while Redis was away.
 *
 * `version(userId)` grows with every change that names the user, so a reader whose store read
 * raced a change (a socket joining its rooms on connect) can tell and read again.
 */
export interface MembershipsOptions {
  store: Pick<Store, 'getGroup' | 'contactsOf' | 'memberPeriods'>;
  maxEntries?: number;
  ttlMs?: number;
}

export class Memberships {
  private groups!: BoundedLru<string, Promise<GroupRecord | null>>;
  private groupsOfUser!: BoundedLru<string, Promise<string[]>>;
  private readonly versions = new Map<string, number>();
  private readonly store: MembershipsOptions['store'];
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  constructor({ store, maxEntries = 100_000, ttlMs = 5 * 60_000 }: MembershipsOptions) {
    this.store = store;
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.forgetAll();
  }

  /** The group with its current members, or null (unknown id, or not a group). */
  group(conversationId: string): Promise<GroupRecord | null> {
    if (!isGroupId(conversationId)) return Promise.resolve(null);
    return cached(this.groups, conversationId, () => this.store.getGroup(conversationId));
  }

  async isMember(conversationId: string, userId: string): Promise<boolean> {
    const group = await this.group(conversationId);
    return group !== null && group.members.some((m) => m.userId === userId);
  }

  /**
   * A current member (cached), or a former one (asked of the store: rare): either may move
   * their receipts, a former member up to their removal (docs/architecture.md, "Groups").
   */
  async isOrWasMember(conversationId: string, userId: string): Promise<boolean> {
    if (await this.isMember(conversationId, userId)) return true;
    return isGroupId(conversationId) && (await this.store.memberPeriods(conversationId, userId)).length > 0;
  }

  /** Ids of the groups the user is a current member of. */
  groupsOf(userId: string): Promise<string[]> {
    return cached(this.groupsOfUser, userId, async () => (await this.store.contactsOf(userId)).groups.map((g) => g.id));
  }

  version(userId: string): number {
    return this.versions.get(userId) ?? 0;
  }

  /** The group's members changed (here or on another node): forget the group and the lists of everyone named. */
  changed(conversationId: string, userIds: Iterable<string>): void {
    this.groups.delete(conversationId);
    for (const userId of userIds) {
      this.groupsOfUser.delete(userId);
      // Bounded like the caches: past the bound, restart the counters (a reader then re-reads once more).
      if (this.versions.size >= 1_000_000) this.versions.clear();
      this.versions.set(userId, this.version(userId) + 1);
    }
  }

  /** Everything may be stale (the Redis links were down): read again from the store. */
  forgetAll(): void {
    this.groups = new BoundedLru(this.maxEntries, this.ttlMs);
    this.groupsOfUser = new BoundedLru(this.maxEntries, this.ttlMs);
  }
}

function cached<V>(cache: BoundedLru<string, Promise<V>>, key: string, read: () => Promise<V>): Promise<V> {
  let value = cache.get(key);
  if (!value) {
    value = read();
    // A failed read must not stay cached; the next caller tries again.
    value.catch(() => cache.delete(key));
    cache.set(key, value);
  }
  return value;
}
