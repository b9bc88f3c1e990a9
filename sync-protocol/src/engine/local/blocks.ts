/**
 * The users the signed-in user has blocked, as this device last heard. The server is the truth
 * (GET /api/users/blocked); the copy in `meta` lets the chat replace its composer offline, after
 * a reload and in every tab (a liveQuery over `queries.blocked()`). It is rewritten on every
 * connect and changed at once by blockUser / unblockUser on this device. It belongs to the data
 * owner like the rest of `meta`: another account signing in clears it.
 */
import { META, type LocalDb } from './local-db.ts';
import { signedInAs } from './session.ts';

export async function readBlocked(db: LocalDb): Promise<string[]> {
  return (await db.getMeta<string[]>(META.blocked)) ?? [];
}

/**
 * Replaces the list with the server's answer; skipped when `me` is no longer the signed-in
 * user (an answer that outlived its session must not land in the next account's data).
 */
export async function storeBlocked(db: LocalDb, me: string, ids: readonly string[]): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    if (await signedInAs(db, me)) await db.setMeta(META.blocked, [...new Set(ids)].sort());
  });
}

/** Adds or removes one user after the server confirmed the change. */
export async function markBlocked(db: LocalDb, me: string, userId: string, blocked: boolean): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    if (!(await signedInAs(db, me))) return;
    const others = (await readBlocked(db)).filter((id) => id !== userId);
    await db.setMeta(META.blocked, blocked ? [...others, userId].sort() : others);
  });
}
