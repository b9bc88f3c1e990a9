import { newSessionRecord } from '../new-session.ts';
import type { NewSession, RotateOutcome, RotateRequest, SessionRecord } from '../store.ts';
import type { MongoContext } from './context.ts';
import type { SessionDoc } from './documents.ts';

const toSession = ({ _id, currentUsedAt, ...rest }: SessionDoc): SessionRecord => ({ id: _id, ...rest, currentUsedAt: currentUsedAt ?? null });

/** Runs a compare-and-set alone where the server's conditional updates are not atomic (FerretDB). */
const cas = <T>(ctx: MongoContext, task: () => Promise<T>): Promise<T> => (ctx.casLane ? ctx.casLane.run(task) : task());

export async function createSession(ctx: MongoContext, s: NewSession): Promise<SessionRecord> {
  const { id, ...fields } = newSessionRecord(s);
  const doc: SessionDoc = { _id: id, ...fields };
  await ctx.sessions.insertOne(doc);
  return toSession(doc);
}

export async function getSession(ctx: MongoContext, sessionId: string): Promise<SessionRecord | null> {
  const doc = await ctx.sessions.findOne({ _id: sessionId });
  return doc ? toSession(doc) : null;
}

/**
 * The hash in the filter makes it a compare-and-set: of two rotations presenting the same
 * hash, only the first matches; the second finds the document already moved on.
 */
export function rotateSession(ctx: MongoContext, r: RotateRequest): Promise<RotateOutcome> {
  return cas(ctx, async () => {
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
    if (rotated) return { kind: 'rotated', session: toSession(rotated) };
    const doc = await ctx.sessions.findOne({ _id: r.sessionId });
    if (!doc || doc.revokedAt !== null || doc.expiresAt <= r.at) return { kind: 'mismatch' };
    if (doc.previousRefreshHash === r.presentedHash) return { kind: 'stale', session: toSession(doc) };
    return { kind: 'mismatch' };
  });
}

/** `currentUsedAt: null` also matches documents without the field (written before it existed). */
export function markSessionUsed(ctx: MongoContext, sessionId: string, refreshHash: string, at: string): Promise<void> {
  return cas(ctx, async () => {
    await ctx.sessions.updateOne({ _id: sessionId, refreshHash, currentUsedAt: null }, { $set: { currentUsedAt: at } });
  });
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
  return docs.map(toSession);
}

/**
 * One deleteMany; each half of the `$or` has its own index on MongoDB (expiresAt, revokedAt),
 * so the server unions two index ranges. `$lt` with a string never matches null, so a live
 * session's `revokedAt: null` is outside the second range. On FerretDB 1.x no filter but
 * `_id` reaches an index: the collection is scanned, once an hour. No CAS lane: only sessions
 * that ended long ago match, and nothing updates those (rotation and revocation require a
 * live session), so there is no read-modify-write to race with.
 */
export async function purgeSessions(ctx: MongoContext, endedBefore: string): Promise<number> {
  const res = await ctx.sessions.deleteMany({
    $or: [{ expiresAt: { $lt: endedBefore } }, { revokedAt: { $lt: endedBefore } }],
  });
  return res.deletedCount;
}
