/**
 * The session as the database keeps it: token, signed-in user, data owner. Kept
 * locally so `resume()` works after a reload without the network.
 */
import type { User } from '../../model/user.ts';
import { META, type LocalDb } from './local-db.ts';

export interface Session {
  token: string;
  userId: string;
}

const allTables = (db: LocalDb) => [db.meta, db.messages, db.outbox, db.conversations, db.users];

/** The stored session, or null when signed out (or the token expired). */
export async function loadSession(db: LocalDb): Promise<Session | null> {
  const [token, userId] = await Promise.all([db.getMeta<string>(META.token), db.getMeta<string>(META.userId)]);
  return token && userId ? { token, userId } : null;
}

/**
 * Stores a new session. Another user's data is wiped first: their outbox must never be
 * sent with this user's token, nor their messages shown to this user.
 */
export async function storeSession(db: LocalDb, token: string, user: User): Promise<Session> {
  await db.transaction('rw', allTables(db), async () => {
    const owner = await db.getMeta<string>(META.owner);
    if (owner && owner !== user.id) await Promise.all(allTables(db).map((t) => t.clear()));
    await db.meta.bulkPut([
      { key: META.token, value: token },
      { key: META.userId, value: user.id },
      { key: META.owner, value: user.id },
    ]);
    await db.users.put(user);
  });
  return { token, userId: user.id };
}

/**
 * Forgets the token (sign-out, expiry). The data and the outbox stay unless `clearData`:
 * an expired session's queued messages are sent after the same user signs in again.
 */
export async function forgetSession(db: LocalDb, { clearData = false } = {}): Promise<void> {
  await db.transaction('rw', allTables(db), async () => {
    if (clearData) await Promise.all(allTables(db).map((t) => t.clear()));
    else await db.meta.bulkDelete([META.token, META.userId]);
  });
}
