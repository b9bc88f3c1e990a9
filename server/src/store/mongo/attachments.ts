import type { AttachmentRecord, NewAttachment } from '../store.ts';
import { attachmentKey, toAttachmentDoc, toRecord, type AttachmentDoc } from './attachment-docs.ts';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import { isDuplicateKey } from './errors.ts';
import { holdAttachments } from './attachment-sends.ts';
import { isMessageDoc } from './action-docs.ts';

/**
 * AttachmentStore on MongoDB (collections: attachment-docs.ts). createAttachment inserts the
 * record, whose unique (uploaderId, clientId) index decides between racing creates, then its
 * key document; a refused insert finds the first record by its key (or, when the key is not
 * written yet, by the unique index: a scan on FerretDB, only on that race or after a node died).
 */
export async function createAttachment(ctx: MongoContext, attachment: NewAttachment): Promise<{ attachment: AttachmentRecord; created: boolean }> {
  const record: AttachmentRecord = { ...attachment, holder: null, deletedAt: null };
  const key = attachmentKey(attachment.uploaderId, attachment.clientId);
  try {
    await ctx.attachments.insertOne(toAttachmentDoc(record));
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const first = await findAttachment(ctx, attachment.uploaderId, attachment.clientId);
    if (first) return { attachment: first, created: false };
    const doc = await ctx.attachments.findOne({ uploaderId: attachment.uploaderId, clientId: attachment.clientId });
    // Refused by `_id` (a record of this id exists under another key): not ours to return.
    if (!doc) throw err;
    await writeKey(ctx, key, doc._id);
    return { attachment: toRecord(doc), created: false };
  }
  await writeKey(ctx, key, attachment.id);
  return { attachment: record, created: true };
}

/** Points the key at `attachmentId`: inserted, or replaced when it names a record the sweep removed. */
async function writeKey(ctx: MongoContext, key: string, attachmentId: string): Promise<void> {
  try {
    await ctx.attachmentKeys.insertOne({ _id: key, attachmentId });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await ctx.attachmentKeys.updateOne({ _id: key }, { $set: { attachmentId } });
  }
}

export async function getAttachment(ctx: MongoContext, id: string): Promise<AttachmentRecord | null> {
  const doc = await ctx.attachments.findOne({ _id: id });
  return doc ? toRecord(doc) : null;
}

export async function findAttachment(ctx: MongoContext, uploaderId: string, clientId: string): Promise<AttachmentRecord | null> {
  const key = await ctx.attachmentKeys.findOne({ _id: attachmentKey(uploaderId, clientId) });
  if (!key) return null;
  const record = await getAttachment(ctx, key.attachmentId);
  // A key left by a removal that died half-way, or pointing at a record since removed.
  return record && record.uploaderId === uploaderId && record.clientId === clientId ? record : null;
}

/** Deleted ones, and orphans (no holder, nobody's photo) created before the cutoff; oldest first. */
export async function attachmentsToSweep(ctx: MongoContext, orphanedBefore: string, limit: number): Promise<AttachmentRecord[]> {
  const docs = await ctx.attachments
    .find({ $or: [{ deletedAt: { $ne: null } }, { holder: null, avatarOf: null, createdAt: { $lt: orphanedBefore } }] })
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit)
    .toArray();
  return docs.map(toRecord);
}

/**
 * Removes the records still due. A deleted one is removed as it is. An orphan is first claimed
 * by the sweep (attachment-docs.ts): if that insert succeeds no send can ever carry it, so it is
 * removed; if a message claimed it first, it stays, and its holder is written if the send's node
 * died before writing it. A claim whose message was never stored (its node died, or it was
 * refused after claiming) and is older than the cutoff does not keep an orphan either.
 */
export async function removeAttachments(ctx: MongoContext, ids: readonly string[], orphanedBefore: string): Promise<string[]> {
  const docs = await findByIds(ctx, ctx.attachments, ids);
  const removable = await Promise.all(docs.map((d) => isRemovable(ctx, d, orphanedBefore)));
  const gone = docs.filter((_, i) => removable[i]);
  // The key first: findAttachment must not find a record half-removed.
  await Promise.all(gone.map(async (d) => {
    await ctx.attachmentKeys.deleteOne({ _id: attachmentKey(d.uploaderId, d.clientId), attachmentId: d._id });
    await ctx.attachments.deleteOne({ _id: d._id });
  }));
  const goneIds = new Set(gone.map((d) => d._id));
  return ids.filter((id, i) => goneIds.has(id) && ids.indexOf(id) === i);
}

async function isRemovable(ctx: MongoContext, d: AttachmentDoc, orphanedBefore: string): Promise<boolean> {
  if (d.deletedAt !== null) return true;
  if (d.holder !== null || d.createdAt >= orphanedBefore) return false;
  const at = new Date().toISOString();
  try {
    await ctx.claims.insertOne({ _id: d._id, messageId: null, at });
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const claim = await ctx.claims.findOne({ _id: d._id });
  // Claims are never removed, so a refused claim is found; anything else is left for a later sweep.
  if (!claim) return false;
  // A profile photo (profiles.ts): kept while it is its user's photo, an orphan once replaced.
  if (claim.avatarOf !== undefined) return (await ctx.users.findOne({ _id: claim.avatarOf }))?.avatar?.id !== d._id;
  if (claim.messageId === null) return true;
  const [message] = (await findByIds(ctx, ctx.messages, [claim.messageId])).filter(isMessageDoc);
  if (message) {
    await holdAttachments(ctx, [message]);
    return false;
  }
  return claim.at < orphanedBefore;
}
