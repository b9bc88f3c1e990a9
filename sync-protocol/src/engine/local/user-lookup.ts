/**
 * Profiles of the people a group names: its members, the senders of its messages and the users
 * its system messages speak of. A device only holds the profiles of people it met in a 1:1
 * conversation or a search; everyone else would show as "Unknown user". So whenever the engine
 * stores something of a group it `note`s the users named and `request`s a lookup, which asks
 * `GET /api/users?ids=` for those without a db.users row:
 *  - batched: one request per set of missing ids (at most a group's worth, LIMITS.groupMembersMax);
 *  - deduplicated while in flight: an id already asked for is not asked again by a run that
 *    overlaps (a catch-up page and a live event at once);
 *  - never blocking: message storage has committed before; a failed lookup (offline) keeps the ids
 *    noted, and the next occasion (any stored group message, a connect, a group fetch) asks again;
 *  - an id the server does not know (an account deleted) is not asked again by this engine.
 * The members of every group are noted on each run too (from db.conversations), so the noted set
 * being lost with a reload costs at most the names of former members until they show up again.
 */
import { LIMITS } from '../../limits.ts';
import type { Message } from '../../model/message.ts';
import type { User } from '../../model/user.ts';
import { conversationType, type LocalDb } from './local-db.ts';
import { signedInAs } from './session.ts';

export interface UserLookupDeps {
  db: LocalDb;
  me(): string | null;
  /** `GET /api/users?ids=` through the transport (token recovery included). */
  fetch(ids: readonly string[]): Promise<{ users: User[] }>;
}

/** The users a group message names: its sender, and a system message's actor and subjects. */
export function usersNamedIn(messages: readonly Pick<Message, 'conversationId' | 'senderId' | 'system'>[]): string[] {
  const ids = new Set<string>();
  for (const m of messages) {
    if (conversationType(m.conversationId) !== 'group') continue;
    ids.add(m.senderId);
    if (m.system) {
      ids.add(m.system.actorId);
      for (const id of m.system.userIds ?? []) ids.add(id);
    }
  }
  return [...ids];
}

export class UserLookup {
  /** Users named since their profile was last asked for successfully. */
  private readonly noted = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Asked for, and the server knows no such user. */
  private readonly absent = new Set<string>();

  constructor(private readonly deps: UserLookupDeps) {}

  note(ids: Iterable<string>): void {
    for (const id of ids) if (id && !this.absent.has(id)) this.noted.add(id);
  }

  /** Looks up every noted user and group member without a stored profile. Rejects as the request did (the ids stay noted). */
  async run(): Promise<void> {
    const { db } = this.deps;
    const me = this.deps.me();
    if (!me) return;
    for (const c of await db.conversations.toArray()) if (c.type === 'group') this.note(c.members.map((m) => m.userId));
    this.noted.delete(me);
    const candidates = [...this.noted].filter((id) => !this.inFlight.has(id));
    if (candidates.length === 0) return;
    // Claimed before the first await: a run that overlaps this one leaves them alone.
    for (const id of candidates) this.inFlight.add(id);
    try {
      const stored = await db.users.bulkGet(candidates);
      candidates.forEach((id, i) => stored[i] && this.noted.delete(id));
      const missing = candidates.filter((_, i) => !stored[i]);
      const errors: unknown[] = [];
      for (let i = 0; i < missing.length; i += LIMITS.groupMembersMax) {
        try {
          await this.ask(me, missing.slice(i, i + LIMITS.groupMembersMax));
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length > 0) throw errors[0];
    } finally {
      for (const id of candidates) this.inFlight.delete(id);
    }
  }

  private async ask(me: string, ids: string[]): Promise<void> {
    const { db } = this.deps;
    const { users } = await this.deps.fetch(ids);
    const found = new Map(users.map((u) => [u.id, u]));
    await db.transaction('rw', [db.users, db.meta], async () => {
      // An answer that outlived its session is not stored (another account's device now).
      if (!(await signedInAs(db, me))) return;
      // A profile stored meanwhile (a search, a 1:1 conversation) may carry fresher presence: keep it.
      const now = await db.users.bulkGet([...found.keys()]);
      await db.users.bulkPut([...found.values()].filter((_, i) => !now[i]));
    });
    for (const id of ids) {
      this.noted.delete(id);
      if (!found.has(id)) this.absent.add(id);
    }
  }
}
