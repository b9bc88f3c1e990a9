import { directConversationId } from '@pigeon/sync-protocol';
import { sendKey } from '../send-key.ts';
import type { SendOutcome, SendRequest } from '../store.ts';
import type { MongoContext } from './context.ts';
import { allocatePositions, allocateSeqRanges, recordCommitted, returnUnusedSeqs, type SeqRange } from './counters.ts';
import { toMessage, type MessageDoc } from './documents.ts';
import { messageIdFor } from './message-id.ts';
import { findBySendKeys, insertSkippingStored } from './stored-sends.ts';

/** Stores a batch of sends in the send lane; outcomes in input order. */
export function sendMessages(ctx: MongoContext, batch: readonly SendRequest[]): Promise<SendOutcome[]> {
  if (batch.length === 0) return Promise.resolve([]);
  return ctx.sendLane.run(() => commitBatch(ctx, batch));
}

/**
 * Round trips per batch, whatever its size: the lookup of already-stored sends (MongoDB
 * only, see `sendLookup`), then (in parallel) one position allocation plus one seq
 * allocation per conversation, and one ordered insertMany. The conversation pointers wait
 * for the conversation's next seq allocation (counters.ts). A send that turns out to be
 * stored already (a resend on FerretDB, a race with another node) costs one lookup, one
 * more insert and the return of its unused seq.
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
  if (fresh.length > 0) {
    const inserted = await insertFresh(ctx, fresh, stored);
    for (const d of inserted) {
      const k = sendKey(d);
      stored.set(k, d);
      created.add(k);
    }
  }

  return batch.map((r) => {
    const k = sendKey(r);
    const doc = stored.get(k)!;
    // Only the first occurrence of a new message counts as created.
    const isCreated = created.delete(k);
    return { message: toMessage(doc), created: isCreated };
  });
}

/** Inserts new messages; returns the docs inserted by us. Sends found stored already land in `stored`. */
async function insertFresh(ctx: MongoContext, fresh: readonly SendRequest[], stored: Map<string, MessageDoc>): Promise<MessageDoc[]> {
  const now = new Date().toISOString();
  const byConversation = new Map<string, SendRequest[]>();
  for (const r of fresh) {
    const id = directConversationId(r.senderId, r.recipientId);
    const list = byConversation.get(id) ?? [];
    list.push(r);
    byConversation.set(id, list);
  }

  const token = ctx.guard.begin();
  let seqRanges: Map<string, SeqRange>;
  let inserted: MessageDoc[];
  try {
    const [posEnd, ranges] = await Promise.all([
      allocatePositions(ctx, fresh.length),
      allocateSeqRanges(ctx, byConversation, now),
    ]);
    ctx.guard.allocated(token, posEnd, fresh.length);
    seqRanges = ranges;

    const nextSeq = new Map([...seqRanges].map(([id, { first }]) => [id, first]));
    const firstPos = posEnd - fresh.length + 1;
    const docs: MessageDoc[] = fresh.map((r, i) => {
      const conversationId = directConversationId(r.senderId, r.recipientId);
      const seq = nextSeq.get(conversationId)!;
      nextSeq.set(conversationId, seq + 1);
      return {
        _id: messageIdFor(r.senderId, r.clientId),
        clientId: r.clientId,
        conversationId,
        senderId: r.senderId,
        recipientId: r.recipientId,
        body: r.body,
        seq,
        createdAt: now,
        status: 'sent',
        changePos: firstPos + i,
      };
    });

    await ctx.hooks.beforeInsert?.(docs.map(toMessage));
    inserted = await insertSkippingStored(ctx, docs, stored);
  } finally {
    ctx.guard.end(token);
  }

  await returnUnusedSeqs(ctx, seqRanges, inserted);
  await recordCommitted(ctx, inserted);
  return inserted;
}
