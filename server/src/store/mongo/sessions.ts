import { newSessionRecord } from '../new-session.ts';
import type { NewSession, RotateOutcome, RotateRequest, SessionRecord } from '../store.ts';
import { compareAndSet as cas, type MongoContext } from './context.ts';
import type { SessionDoc } from './documents.ts';
import { isDuplicateKey } from './errors.ts';

const useId = (sessionId: string, refreshHash: string) => `${sessionId}:${refreshHash}`;

/** `usedAt`: the first use of its current generation (session_uses), if any. */
const toSession = ({ _id, currentUsedAt, ...rest }: SessionDoc, usedAt: string | null): SessionRecord => ({
  id: _id,
  ...rest,
  currentUsedAt: usedAt ?? currentUsedAt ?? null,
});

async function usedAtOf(ctx: MongoContext, doc: SessionDoc): Promise<string | null> {
  return (await ctx.sessionUses.findOne({ _id: useId(doc._id, doc.refreshHash) }))?.at ?? null;
}

async function withUse(ctx: MongoContext, doc: SessionDoc): Promise<SessionRecord> {
  return toSession(doc, await usedAtOf(ctx, doc));
}

export async function createSession(ctx: MongoContext, s: NewSession): Promise<SessionRecord> {
  const { id, ...fields } = newSessionRecord(s);
  const doc: SessionDoc = { _id: id, ...fields };
  await ctx.sessions.insertOne(doc);
  return toSession(doc, null);
}

export async function getSession(ctx: MongoContext, sessionId: string): Promise<SessionRecord | null> {
  const doc = await ctx.sessions.findOne({ _id: sessionId });
  return doc ? withUse(ctx, doc) : null;
}

/**
 * The hash in the filter makes it a compare-and-set: of two rotations presenting the same
 * hash, only the first matches; the second finds the document already moved on.
 */
export async function rotateSession(ctx: MongoContext, r: RotateRequest): Promise<RotateOutcome> {
  const outcome = await cas(ctx, async (): Promise<RotateOutcome> => {
    const rotated = await ctx.sessions.findOneAndUpdate(
      { _id: r.sessionId, refreshHash: r.presentedHash, revokedAt: null, expiresAt: { $gt: r.at } },
      {
        $set: {
          previousRefreshHash: r.presentedHash,
          refreshHash: r.nextHash,
          rotatedAt: r.at,
          lastSeenAt: r.at,
          expiresAt: r.expiresAt,
          currentUsedAt: null,
        },
      },
      { returnDocument: 'after' },
    );
    // The new generation was issued by this very rotation: nobody can have used it yet.
    if (rotated) return { kind: 'rotated', session: toSession(rotated, null) };
    const doc = await ctx.sessions.findOne({ _id: r.sessionId });
    if (!doc || doc.revokedAt !== null || doc.expiresAt <= r.at) return { kind: 'mismatch' };
    if (doc.previousRefreshHash === r.presentedHash) return { kind: 'stale', session: await withUse(ctx, doc) };
    return { kind: 'mismatch' };
  });
  // The replaced generation's use is never asked for again (a stale presentation asks about its
  // successor's): drop it, so session_uses holds about one document per session.
  if (outcome.kind === 'rotated') await ctx.sessionUses.deleteOne({ _id: useId(r.sessionId, r.presentedHash) }).catch(() => {});
  return outcome;
}

/**
 * One insert, no lock: the first use of a generation is kept by the unique `_id`, later ones
 * are refused by it. Every node's session gate awaits this once per generation, including the
 * handshake of each device failing over from a dead node; through the CAS lock on FerretDB it
 * waited up to the lock's lease whenever a node died holding it. A use recorded for a
 * generation that is no longer current is never read (reads ask for the current one).
 */
export async function markSessionUsed(ctx: MongoContext, sessionId: string, refreshHash: string, at: string): Promise<void> {
  try {
    await ctx.sessionUses.insertOne({ _id: useId(sessionId, refreshHash), sessionId, at });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

export function revokeSession(ctx: MongoContext, userId: string, sessionId: string, at: string): Promise<boolean> {
  return cas(ctx, async () => {
    const res = await ctx.sessions.updateOne(
      { _id: sessionId, userId, revokedAt: null, expiresAt: { $gt: at } },
      { $set: { revokedAt: at } },
    );
    return res.modifiedCount === 1;
  });
}

export async function listSessions(ctx: MongoContext, userId: string, now: string): Promise<SessionRecord[]> {
  const docs = await ctx.sessions
    .find({ userId, revokedAt: null, expiresAt: { $gt: now } })
    .sort({ lastSeenAt: -1, createdAt: -1 })
    .toArray();
  const uses = await ctx.sessionUses.find({ _id: { $in: docs.map((d) => useId(d._id, d.refreshHash)) } }).toArray();
  const usedAt = new Map(uses.map((u) => [u._id, u.at]));
  return docs.map((d) => toSession(d, usedAt.get(useId(d._id, d.refreshHash)) ?? null));
}

/**
 * One find of the ended sessions' ids, then their uses and the sessions deleted by id; each half of
 * the `$or` has its own index on MongoDB (expiresAt, revokedAt), so the server unions two index ranges. `$lt` with a string never matches null, so a live
 * session's `revokedAt: null` is outside the second range. On FerretDB 1.x no filter but
 * `_id` reaches an index: the collection is scanned, once an hour. No CAS lane: only sessions
 * that ended long ago match, and nothing updates those (rotation and revocation require a
 * live session), so there is no read-modify-write to race with.
 */
export async function purgeSessions(ctx: MongoContext, endedBefore: string): Promise<number> {
  const ended = { $or: [{ expiresAt: { $lt: endedBefore } }, { revokedAt: { $lt: endedBefore } }] };
  const ids = (await ctx.sessions.find(ended, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
  if (ids.length === 0) return 0;
  // Uses first: a use left behind by a purge that died halfway would outlive its session for good.
  await ctx.sessionUses.deleteMany({ sessionId: { $in: ids } });
  const res = await ctx.sessions.deleteMany({ _id: { $in: ids } });
  return res.deletedCount;
}
