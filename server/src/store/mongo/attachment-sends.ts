import { PigeonError, type Attachment } from '@pigeon/sync-protocol';
import type { AnyBulkWriteOperation } from 'mongodb';
import { sendKey } from '../send-key.ts';
import type { AttachmentRecord, SendRequest } from '../store.ts';
import { publicOf, toRecord, type AttachmentDoc, type ClaimDoc } from './attachment-docs.ts';
import { chunkedBulkWrite } from './bulk-write.ts';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import type { MessageDoc } from './documents.ts';
import { refusedAsDuplicates } from './errors.ts';
import { messageIdFor } from './message-id.ts';

/**
 * Sends carrying attachments (SendRequest.attachmentIds) on MongoDB, in this order:
 *  1. check (before anything is written, so a refused send leaves no conversation document):
 *     the records, read by `_id`; each must be the sender's, not deleted, and held by no other
 *     message (nor by an earlier send of the batch). A refusal reads the same whoever's the id is.
 *  2. claim, in insertNumbered's `admit`, after the group membership check: one insert of a
 *     claim document per attachment (attachment-docs.ts). A claim refused because another
 *     message's exists refuses the send (VALIDATION); one this message made before (a resend, or
 *     the same send on another node) is its own. Only then is the message inserted, so no message
 *     is ever stored without its claims. A numbering race re-runs `admit`: claims already made
 *     are not made again.
 *  3. insert the message with the attachments' public fields (send-batch.ts);
 *  4. write each record's `holder` (by `_id`), which readers and the download route use.
 * A node dying after 2 leaves claims of a message that does not exist: its resend (same
 * clientId) still takes them, and the sweep removes the records after the cutoff. Dying after 3
 * leaves the holders unwritten: the client resends (it got no ack), which writes them again, and
 * the sweep finds the claim and writes them before it would remove anything. Claims are never
 * released (a send refused after claiming, e.g. racing the sender's removal from a group, keeps
 * them for its own resend): releasing one while another node inserts the same message could
 * let a second message carry the attachment.
 *
 * None of this runs for sends without attachments: no read, no write.
 */

/** The refusal of a send naming `id`: the same words whether it is unknown, another's, carried or deleted. */
export const notSendable = (id: string): PigeonError =>
  new PigeonError('VALIDATION', `attachmentIds: ${id} is not an upload of yours that can be sent`);

export const carriesAttachments = (r: SendRequest): boolean => (r.attachmentIds?.length ?? 0) > 0;

export interface AttachmentCheck {
  /** The public fields each accepted send embeds, in its order, by message `_id`. */
  carried: Map<string, Attachment[]>;
  /** Refused sends, by sendKey. */
  refused: Map<string, PigeonError>;
}

/** Step 1, for a batch's fresh sends (in batch order: of two sends of one attachment the first wins). */
export async function checkAttachments(ctx: MongoContext, sends: readonly SendRequest[]): Promise<AttachmentCheck> {
  const carried = new Map<string, Attachment[]>();
  const refused = new Map<string, PigeonError>();
  const carrying = sends.filter(carriesAttachments);
  if (carrying.length === 0) return { carried, refused };
  const records = new Map(
    (await findByIds(ctx, ctx.attachments, carrying.flatMap((r) => r.attachmentIds!))).map((d) => [d._id, toRecord(d)]),
  );
  const takenBy = new Map<string, string>();
  for (const r of carrying) {
    const messageId = messageIdFor(r.senderId, r.clientId);
    const ids = r.attachmentIds!;
    const bad = ids.find((id, i) => ids.indexOf(id) !== i || !sendable(records.get(id), r.senderId, messageId, takenBy.get(id)));
    if (bad !== undefined) {
      refused.set(sendKey(r), notSendable(bad));
      continue;
    }
    for (const id of ids) takenBy.set(id, messageId);
    carried.set(messageId, ids.map((id) => publicOf(records.get(id)!)));
  }
  return { carried, refused };
}

function sendable(record: AttachmentRecord | undefined, senderId: string, messageId: string, takenBy: string | undefined): boolean {
  if (!record || record.uploaderId !== senderId || record.deletedAt !== null) return false;
  if (record.holder !== null && record.holder.messageId !== messageId) return false;
  return takenBy === undefined || takenBy === messageId;
}

/** Step 2: an `admit` stage for insertNumbered, and the sends it refused (by message `_id`). */
export function attachmentClaims(ctx: MongoContext) {
  const refused = new Map<string, PigeonError>();
  const claimed = new Set<string>();

  async function claim(docs: readonly MessageDoc[]): Promise<MessageDoc[]> {
    const todo = docs.filter((d) => (d.attachments?.length ?? 0) > 0 && !claimed.has(d._id));
    if (todo.length === 0) return [...docs];
    const at = new Date().toISOString();
    const claims: ClaimDoc[] = todo.flatMap((d) => d.attachments!.map((a) => ({ _id: a.id, messageId: d._id, at })));
    let dup: number[] = [];
    try {
      await ctx.claims.insertMany(claims, { ordered: false });
    } catch (err) {
      dup = refusedAsDuplicates(err);
    }
    const existing = new Map((await findByIds(ctx, ctx.claims, dup.map((i) => claims[i]!._id))).map((c) => [c._id, c]));
    const lost = new Map<string, string>();
    for (const i of dup) {
      const c = claims[i]!;
      if (existing.get(c._id)?.messageId !== c.messageId && !lost.has(c.messageId!)) lost.set(c.messageId!, c._id);
    }
    for (const d of todo) {
      const id = lost.get(d._id);
      if (id !== undefined) refused.set(d._id, notSendable(id));
      else claimed.add(d._id);
    }
    return docs.filter((d) => !refused.has(d._id));
  }

  return { claim, refused };
}

const holderOf = (d: MessageDoc): NonNullable<AttachmentRecord['holder']> => ({ messageId: d._id, conversationId: d.conversationId, seq: d.seq });

/** Step 4 (and its repair on a resend, or by the sweep): each record carried by these messages names its holder. */
export async function holdAttachments(ctx: MongoContext, messages: readonly MessageDoc[]): Promise<void> {
  const ops: AnyBulkWriteOperation<AttachmentDoc>[] = messages.flatMap((d) =>
    (d.attachments ?? []).map((a) => ({ updateOne: { filter: { _id: a.id }, update: { $set: { holder: holderOf(d) } } } })),
  );
  if (ops.length > 0) await chunkedBulkWrite(ctx.attachments, ops, { ordered: false });
}

/**
 * A delete for everyone: the records (`ids`) its message carried get `deletedAt` (and the holder
 * again, so this write never undoes it on FerretDB). On FerretDB, whose updates are read-modify-write of the whole
 * document, the records are read back and written again where a concurrent holder write undid
 * the mark.
 */
export async function markDeleted(ctx: MongoContext, deletes: readonly { message: MessageDoc; ids: readonly string[]; at: string }[]): Promise<void> {
  const wanted = new Map<string, { holder: AttachmentRecord['holder']; at: string }>();
  for (const d of deletes) for (const id of d.ids) if (!wanted.has(id)) wanted.set(id, { holder: holderOf(d.message), at: d.at });
  if (wanted.size === 0) return;
  const ops = (ids: Iterable<string>): AnyBulkWriteOperation<AttachmentDoc>[] =>
    [...ids].map((id) => ({ updateOne: { filter: { _id: id }, update: { $set: { deletedAt: wanted.get(id)!.at, holder: wanted.get(id)!.holder } } } }));
  await chunkedBulkWrite(ctx.attachments, ops(wanted.keys()), { ordered: false });
  if (ctx.server !== 'ferretdb') return;
  const back = await findByIds(ctx, ctx.attachments, [...wanted.keys()]);
  const undone = back.filter((d) => d.deletedAt === null).map((d) => d._id);
  if (undone.length > 0) await chunkedBulkWrite(ctx.attachments, ops(undone), { ordered: false });
}

/**
 * The records of messages deleted for everyone by an action batch (actions.ts): those each
 * message was sent with (its document keeps `attachments` as sent; the content entries supersede
 * it), deletes applied now and replayed ones alike (a replay's node may have died before this).
 */
export async function markDeletedBy(ctx: MongoContext, deletes: readonly { messageId: string; createdAt: string }[], docs: ReadonlyMap<string, MessageDoc>): Promise<void> {
  const marks = deletes.flatMap((e) => {
    const message = docs.get(e.messageId);
    return message?.attachments?.length ? [{ message, ids: message.attachments.map((a) => a.id), at: e.createdAt }] : [];
  });
  await markDeleted(ctx, marks);
}
