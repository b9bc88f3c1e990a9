import { PigeonError, searchTokens } from '@pigeon/sync-protocol';
import type { ProfileChange, UserRecord } from '../store.ts';
import { casRounds, LOST_ROUND } from './cas-rounds.ts';
import type { MongoContext } from './context.ts';
import { toUser, type UserDoc } from './documents.ts';
import { isDuplicateKey } from './errors.ts';

/**
 * Store.updateProfile on MongoDB (#19 item 12). A new photo is first *claimed* in
 * `attachment_claims` (attachment-docs.ts) with `avatarOf`: the one insert of that `_id` decides
 * between the photo, a send of the same upload and the sweep, on every node and on FerretDB (a
 * send or the sweep that claimed first wins: the photo is refused). A repeated PATCH of the same
 * photo finds its own claim. Then the record gets `avatarOf` (so the sweep's listing skips it)
 * and the user document the photo; the record of the photo it replaces loses `avatarOf` and is
 * an orphan again: the sweep's removal checks the user document, so a photo no longer in use is
 * removed even where that last write was lost (its node died), and one in use never is.
 *
 * The fields that differ and the next `profileVersion` are written by a compare-and-set on the
 * version read (another node's change in between: read again), so each version is one state of
 * the profile (`casRounds`). Atomic on MongoDB; on FerretDB, whose conditional updates are
 * read-modify-write, the change runs alone (the sessions' shared lock).
 */
export async function updateProfile(ctx: MongoContext, userId: string, change: ProfileChange): Promise<UserRecord | null> {
  return casRounds(ctx, 'the profile', async () => {
    const before = await ctx.users.findOne({ _id: userId });
    if (!before) return null;
    const set = await changedFields(ctx, before, change);
    // A change that changes nothing (a PATCH sent again) keeps the version: the same user.
    if (Object.keys(set).length === 0) return toUser(before);
    const version = before.profileVersion ?? 0;
    const read = before.profileVersion === undefined ? { $exists: false } : before.profileVersion;
    const written = await ctx.users.updateOne({ _id: userId, profileVersion: read }, { $set: { ...set, profileVersion: version + 1 } });
    if (written.matchedCount === 0) return LOST_ROUND;
    const previous = before.avatar ?? null;
    if (set.avatar !== undefined && previous !== null) {
      await ctx.attachments.updateOne({ _id: previous.id }, { $set: { avatarOf: null } });
    }
    return toUser({ ...before, ...set, profileVersion: version + 1 });
  });
}

/** What the change sets that the document does not hold already (a new photo claimed). */
async function changedFields(ctx: MongoContext, before: UserDoc, change: ProfileChange): Promise<Partial<UserDoc>> {
  const set: Partial<UserDoc> = {};
  if (change.displayName !== undefined && change.displayName !== before.displayName) {
    set.displayName = change.displayName;
    set.displayNameLower = change.displayName.toLowerCase();
    set.nameTokens = searchTokens(change.displayName);
  }
  if (change.about !== undefined && change.about !== (before.about ?? '')) set.about = change.about;
  const previous = before.avatar ?? null;
  if (change.avatarId === null && previous !== null) set.avatar = null;
  else if (change.avatarId && change.avatarId !== previous?.id) set.avatar = await claimPhoto(ctx, before._id, change.avatarId);
  return set;
}

async function claimPhoto(ctx: MongoContext, userId: string, id: string): Promise<NonNullable<UserDoc['avatar']>> {
  const record = await ctx.attachments.findOne({ _id: id });
  // One answer for unknown and someone else's: an id does not tell whether it exists.
  if (!record || record.uploaderId !== userId) throw new PigeonError('NOT_FOUND', 'avatarId: no such upload of yours');
  const sent = new PigeonError('VALIDATION', 'avatarId: an upload sent in a message cannot be a photo');
  if (record.holder !== null || record.deletedAt !== null) throw sent;
  try {
    await ctx.claims.insertOne({ _id: id, messageId: null, avatarOf: userId, at: new Date().toISOString() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const claim = await ctx.claims.findOne({ _id: id });
    if (claim?.avatarOf !== userId) {
      // A message carries it, or the sweep is removing it.
      if (claim?.messageId) throw sent;
      throw new PigeonError('NOT_FOUND', 'avatarId: no such upload of yours');
    }
  }
  await ctx.attachments.updateOne({ _id: id }, { $set: { avatarOf: userId } });
  return { id, preview: record.preview ?? null };
}
