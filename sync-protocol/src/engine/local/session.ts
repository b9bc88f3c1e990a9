/**
 * The session as the database keeps it: access and refresh token, when the access token
 * arrived, the signed-in user, the data owner. Kept locally so `resume()` works after a reload
 * without the network, and shared by every tab of the database: a tab that refreshes stores
 * the new pair here and the others take it from here (auth/session-watch.ts).
 */
import type { User } from '../../model/user.ts';
import { META, type LocalDb } from './local-db.ts';
import { dropParked, parkingTables, parkUnsent, restoreParked } from './parked.ts';
import { putUsers } from './user-copies.ts';
import { messageTables } from './message-store.ts';

export interface Session {
  userId: string;
  /** The access token: short-lived, sent with every request and handshake. */
  token: string;
  /** Exchanged for the next pair (POST /api/auth/refresh); null when the server issued none. */
  refreshToken: string | null;
  /** Device time (ms) the access token was received. */
  receivedAt: number;
}

/** Why a session ended: the user signed out, its token was refused, or the server revoked it. */
export type SignOutReason = 'user' | 'expired' | 'revoked';

/** The marker a sign-out leaves for other tabs (META.signedOut). */
export interface SignedOutMarker {
  userId: string;
  reason: SignOutReason;
}

/**
 * Whether `userId` is the signed-in user of the database right now. Called inside the write
 * transactions of server copies: a tab that has not yet noticed a sign-out or an account
 * switch in another tab must not write its user's data (or sync cursor) into the database the
 * next account now owns, nor after a sign-out that cleared it.
 */
export async function signedInAs(db: LocalDb, userId: string): Promise<boolean> {
  return (await db.getMeta<string>(META.userId)) === userId;
}

const liveTables = (db: LocalDb) => [db.meta, ...messageTables(db), db.wordPages, db.outbox, db.conversations, db.users];
/**
 * The download cache (engine/media/). Not `files`: the bytes of unsent messages are owner-scoped
 * and stay through an account switch (the parked message names them), deleted only with their
 * owner's data (clearData) or message (sent, discarded).
 */
const mediaTables = (db: LocalDb) => [db.media, db.mediaBytes];

/** The meta keys a stored session is read from. */
export const SESSION_KEYS = [META.token, META.refreshToken, META.userId, META.tokenReceivedAt] as const;

/** The stored session, or null when signed out (or the token expired). One consistent read. */
export async function loadSession(db: LocalDb): Promise<Session | null> {
  return db.transaction('r', db.meta, async () => {
    const rows = await db.meta.bulkGet([...SESSION_KEYS]);
    const [token, refreshToken, userId, receivedAt] = rows.map((r) => r?.value);
    if (typeof token !== 'string' || typeof userId !== 'string') return null;
    return {
      userId,
      token,
      refreshToken: typeof refreshToken === 'string' ? refreshToken : null,
      // A session stored before receivedAt existed: count its token's lifetime from now.
      receivedAt: typeof receivedAt === 'number' ? receivedAt : Date.now(),
    };
  });
}

/**
 * Stores a new session. When another account owned the data, its unsent messages are parked
 * (local/parked.ts) and everything else of it is cleared: its outbox must never be sent with
 * this user's token, nor its messages shown to this user. This user's own parked messages,
 * if any, come back.
 */
export async function storeSession(db: LocalDb, session: Session, user: User): Promise<Session> {
  await db.transaction('rw', [...new Set([...liveTables(db), ...parkingTables(db), ...mediaTables(db)])], async () => {
    const owner = await db.getMeta<string>(META.owner);
    if (owner && owner !== user.id) {
      await parkUnsent(db, owner);
      // The media cache is the owner's too; its budget is the device's setting and stays.
      const budget = await db.meta.get(META.mediaBudget);
      await Promise.all([...liveTables(db), ...mediaTables(db)].map((t) => t.clear()));
      if (budget) await db.meta.put(budget);
    }
    await restoreParked(db, user.id);
    await db.meta.bulkPut([
      { key: META.token, value: session.token },
      { key: META.refreshToken, value: session.refreshToken },
      { key: META.tokenReceivedAt, value: session.receivedAt },
      { key: META.userId, value: user.id },
      { key: META.owner, value: user.id },
    ]);
    await db.meta.delete(META.signedOut);
    await putUsers(db, [user]);
  });
  return session;
}

/**
 * Stores a refreshed token pair, unless another tab got there first: written only while the
 * stored refresh token is still the one that was presented (compare-and-set). Returns the
 * session now stored — ours, or the other tab's newer one — or null when the session is gone
 * (signed out meanwhile).
 */
export async function storeRefreshed(db: LocalDb, next: Session, presented: string): Promise<Session | null> {
  return db.transaction('rw', db.meta, async () => {
    const stored = await loadSession(db);
    if (!stored || stored.userId !== next.userId) return null;
    if (stored.refreshToken !== presented) return stored;
    await db.meta.bulkPut([
      { key: META.token, value: next.token },
      { key: META.refreshToken, value: next.refreshToken },
      { key: META.tokenReceivedAt, value: next.receivedAt },
    ]);
    return next;
  });
}

/**
 * Forgets the tokens (sign-out, expiry, revocation) and leaves a marker saying why, for the
 * other tabs. The data and the outbox stay unless `clearData`: queued messages are sent after
 * the same user signs in again. `clearData` deletes this account's data, parked rows included;
 * other accounts' parked rows stay (they are theirs to send).
 */
export async function forgetSession(db: LocalDb, { userId, reason, clearData = false }: { userId: string; reason: SignOutReason; clearData?: boolean }): Promise<void> {
  await db.transaction('rw', [...liveTables(db), db.parked, ...mediaTables(db), db.files, db.drafts], async () => {
    if (clearData) {
      await db.drafts.where('owner').equals(userId).delete();
      const budget = await db.meta.get(META.mediaBudget);
      await Promise.all([...liveTables(db), ...mediaTables(db)].map((t) => t.clear()));
      if (budget) await db.meta.put(budget);
      await dropParked(db, userId);
      await db.files.where('owner').equals(userId).delete();
    } else {
      await db.meta.bulkDelete([META.token, META.refreshToken, META.tokenReceivedAt, META.userId]);
    }
    await db.setMeta(META.signedOut, { userId, reason } satisfies SignedOutMarker);
  });
}
