import { directConversationId, type Attachment, type PigeonError, type ReplyRef } from '@pigeon/sync-protocol';
import type { AnyBulkWriteOperation } from 'mongodb';
import { sendKey } from '../send-key.ts';
import type { SendOutcome, SendRequest } from '../store.ts';
import { attachmentClaims, checkAttachments, holdAttachments } from './attachment-sends.ts';
import { chunkedBulkWrite } from './bulk-write.ts';
import type { MongoContext } from './context.ts';
import { searchDocOf, toMessage, type ConversationDoc, type MessageDoc } from './documents.ts';
import { refusedAsDuplicates } from './errors.ts';
import { groupAdmission, groupOfSend } from './group-sends.ts';
import { advanceState } from './group-state.ts';
import { insertNumbered } from './log-insert.ts';
import { messageIdFor } from './message-id.ts';
import { contentOf } from './action-docs.ts';
import { quotesFor, requoteLateDeletes } from './replies.ts';
import { findBySendKeys, ownCopies } from './stored-sends.ts';

/** Stores a batch of sends; outcomes in input order. */
export function sendMessages(ctx: MongoContext, batch: readonly SendRequest[]): Promise<SendOutcome[]> {
  if (batch.length === 0) return Promise.resolve([]);
  return ctx.writeLane.run('send', () => commitBatch(ctx, batch));
}

/**
 * Round trips per batch, whatever its size, when no other node writes the same numbers:
 * the lookup of already-stored sends (MongoDB only, see `sendLookup`), an insert of the
 * documents of conversations this process has not written before, one ordered insertMany (which takes
 * the seqs and positions, log-insert.ts), and one bulk `$max` of the conversation pointers.
 * A send stored already (a resend, a race with another node) costs one lookup and one more
 * insert; a number another node took costs one read of the largest committed one and one
 * more insert.
 */
async function commitBatch(ctx: MongoContext, batch: readonly SendRequest[]): Promise<SendOutcome[]> {
  // Duplicates inside the batch resolve to their first occurrence.
  const firstOf = new Map<string, SendRequest>();
  for (const r of batch) {
    const k = sendKey(r);
    if (!firstOf.has(k)) firstOf.set(k, r);
  }
  const unique = [...firstOf.values()];

  const stored = new Map<string, MessageDoc>();
  if (ctx.sendLookup === 'before-insert') {
    for (const d of await findBySendKeys(ctx, unique)) stored.set(sendKey(d), d);
  }
  const fresh = unique.filter((r) => !stored.has(sendKey(r)));

  const created = new Set<string>();
  const refused = new Map<string, PigeonError>();
  /** A created group message's members as its admission read them (store.ts StoredOutcome `viewers`), by send key. */
  const viewers = new Map<string, string[]>();
  if (fresh.length > 0) {
    // Replies: the originals, read once for the batch (replies.ts); attachments: their records
    // (attachment-sends.ts). Neither reads anything for sends without them. A refused send takes no seq.
    const [quotes, files] = await Promise.all([quotesFor(ctx, fresh), checkAttachments(ctx, fresh)]);
    const admitted = fresh.filter((r) => !quotes.refused.has(sendKey(r)) && !files.refused.has(sendKey(r)));
    const result =
      admitted.length > 0
        ? await insertFresh(ctx, admitted, quotes.refs, files.carried)
        : { inserted: [], stored: [], refused: new Map<string, PigeonError>(), viewers: new Map<string, string[]>() };
    for (const d of result.inserted) {
      stored.set(sendKey(d), d);
      created.add(sendKey(d));
      const members = result.viewers.get(d._id);
      if (members) viewers.set(sendKey(d), members);
    }
    for (const d of ownCopies(fresh, result.stored)) stored.set(sendKey(d), d);
    const refusal = (r: SendRequest) =>
      result.refused.get(messageIdFor(r.senderId, r.clientId)) ?? quotes.refused.get(sendKey(r)) ?? files.refused.get(sendKey(r));
    // A refused send (a group send as a non-member's, a reply) may be the resend of one stored before.
    const refusedSends = fresh.filter((r) => refusal(r) !== undefined);
    for (const d of await findBySendKeys(ctx, refusedSends)) stored.set(sendKey(d), d);
    for (const r of refusedSends) {
      if (!stored.has(sendKey(r))) refused.set(sendKey(r), refusal(r)!);
    }
    // A reply whose original another node deleted meanwhile: its quote is emptied now.
    for (const m of await requoteLateDeletes(ctx, result.inserted)) {
      const k = sendKey(m);
      stored.set(k, { ...stored.get(k)!, content: contentOf(m) });
    }
  }

  // The records' holders: of the messages inserted now, and again of resends (their node may have
  // died before writing them). Nothing to write for messages without attachments.
  await holdAttachments(ctx, [...stored.values()]);

  return batch.map((r) => {
    const k = sendKey(r);
    const error = refused.get(k);
    if (error) return { refused: error };
    const doc = stored.get(k)!;
    // Only the first occurrence of a new message counts as created.
    const isCreated = created.delete(k);
    const members = isCreated ? viewers.get(k) : undefined;
    return members ? { message: toMessage(doc), created: true, viewers: members } : { message: toMessage(doc), created: isCreated };
  });
}

async function insertFresh(ctx: MongoContext, fresh: readonly SendRequest[], quotes: ReadonlyMap<string, ReplyRef>, carried: ReadonlyMap<string, Attachment[]>) {
  const now = new Date().toISOString();
  const docs: MessageDoc[] = fresh.map((r) => {
    const group = groupOfSend(r);
    const replyTo = quotes.get(sendKey(r));
    const _id = messageIdFor(r.senderId, r.clientId);
    const attachments = carried.get(_id);
    return {
      _id,
      clientId: r.clientId,
      conversationId: group ?? directConversationId(r.senderId, r.recipientId),
      senderId: r.senderId,
      // A group message's recipient is the group: 1:1 queries by recipient never meet it.
      recipientId: group ?? r.recipientId,
      body: r.body,
      // Numbered by insertNumbered.
      seq: 0,
      changePos: 0,
      createdAt: now,
      status: 'sent',
      ...(group ? { group } : {}),
      ...(replyTo ? { replyTo } : {}),
      ...(attachments ? { attachments } : {}),
      // Message search (search.ts): the body's words at version 0.
      search: searchDocOf(0, r.body, false),
    };
  });
  const direct = docs.filter((d) => d.group === undefined);
  // Groups have no conversation document (their system messages are their state) and no pointer.
  await ensureConversations(ctx, direct, now);
  const admission = direct.length < docs.length ? groupAdmission(ctx) : null;
  // Claims after the membership check (a non-member's send claims nothing), before the insert.
  const claims = carried.size > 0 ? attachmentClaims(ctx) : null;
  const admit =
    admission || claims
      ? async (d: readonly MessageDoc[]) => {
          const members = admission ? await admission.admit(d) : d;
          return claims ? claims.claim(members) : [...members];
        }
      : null;
  const beforeInsert = ctx.hooks.beforeInsert;
  const result = await insertNumbered(ctx, docs, {
    seqs: true,
    ...(admit ? { admit } : {}),
    ...(beforeInsert ? { beforeInsert: (numbered: readonly MessageDoc[]) => beforeInsert(numbered.map(toMessage)) } : {}),
  });
  for (const d of result.inserted) if (d.group !== undefined) advanceState(ctx, d);
  await movePointers(
    ctx,
    result.inserted.filter((d) => d.group === undefined),
  );
  return { ...result, refused: new Map<string, PigeonError>([...(admission?.refused ?? []), ...(claims?.refused ?? [])]), viewers: admission?.viewers ?? new Map<string, string[]>() };
}

/**
 * Creates the documents of conversations this process has not written to before, ahead of
 * their first message: the conversation list finds conversations by their document, so
 * the document must exist whenever a message of it does, whatever dies when. One unordered
 * insert; a document that exists already is refused by `_id` and left as it is. A
 * conversation whose document this insert created has no message yet (every writer
 * creates the document first), so its next seq is 1 without a read.
 */
async function ensureConversations(ctx: MongoContext, docs: readonly MessageDoc[], now: string): Promise<void> {
  const missing = new Map<string, ConversationDoc>();
  for (const d of docs) {
    if (ctx.knownConversations.get(d.conversationId) || missing.has(d.conversationId)) continue;
    const members = [d.senderId, d.recipientId].sort() as [string, string];
    missing.set(d.conversationId, { _id: d.conversationId, members, createdAt: now });
  }
  if (missing.size === 0) return;
  const all = [...missing.values()];
  let refused = new Set<number>();
  try {
    await ctx.conversations.insertMany(all, { ordered: false });
  } catch (err) {
    refused = new Set(refusedAsDuplicates(err));
  }
  all.forEach((c, i) => {
    if (!refused.has(i)) ctx.numbering.startsEmpty(c._id);
    ctx.knownConversations.set(c._id, true);
  });
}

/**
 * Moves conversation pointers forward ($max) to the newest message of the batch, but only
 * every POINTER_STRIDE messages per conversation: the conversation list reads a
 * conversation's messages from its pointer up, so a pointer up to a stride (plus what other
 * nodes wrote since theirs) behind costs that list a few dozen small documents, and saves
 * an update per conversation per batch (on FerretDB each update scans the collection).
 */
async function movePointers(ctx: MongoContext, inserted: readonly MessageDoc[]): Promise<void> {
  const newest = new Map<string, MessageDoc>();
  for (const d of inserted) {
    const cur = newest.get(d.conversationId);
    if (!cur || d.seq > cur.seq) newest.set(d.conversationId, d);
  }
  const due = [...newest.values()].filter((d) => d.seq - (ctx.pointerWritten.get(d.conversationId) ?? 1) >= POINTER_STRIDE);
  if (due.length === 0) return;
  const ops: AnyBulkWriteOperation<ConversationDoc>[] = due.map((d) => ({
    updateOne: { filter: { _id: d.conversationId }, update: { $max: { lastCommittedSeq: d.seq, updatedAt: d.createdAt } } },
  }));
  await chunkedBulkWrite(ctx.conversations, ops, { ordered: false });
  for (const d of due) ctx.pointerWritten.set(d.conversationId, d.seq);
}

/** Messages a conversation pointer may lag behind this process's newest one. */
export const POINTER_STRIDE = 32;
