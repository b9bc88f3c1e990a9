import { PigeonError } from '@pigeon/sync-protocol';
import { MongoBulkWriteError } from 'mongodb';
import { sendKey } from '../send-key.ts';
import type { MongoContext } from './context.ts';
import type { MessageDoc } from './documents.ts';
import { DUPLICATE_KEY } from './errors.ts';
import { messageIdFor } from './message-id.ts';

/**
 * Sends that are stored already (resends, or a clientId raced by another node): found by
 * their derived `_id`s, before the insert or when the insert is refused, and skipped
 * without leaving a hole in the seqs.
 */

/** The stored messages among the sends, by their derived `_id`s: one indexed `$in` on MongoDB. */
export async function findBySendKeys(
  ctx: MongoContext,
  sends: readonly { senderId: string; clientId: string }[],
): Promise<MessageDoc[]> {
  const ids = sends.map((r) => messageIdFor(r.senderId, r.clientId));
  const docs = await ctx.messages.find({ _id: ids.length === 1 ? ids[0]! : { $in: ids } }).toArray();
  const asked = new Set(sends.map(sendKey));
  const strangers = docs.filter((d) => !asked.has(sendKey(d)));
  if (strangers.length > 0) {
    throw new PigeonError('INTERNAL', 'message id collision', { messageIds: strangers.map((d) => d._id) });
  }
  return docs;
}

/**
 * Inserts in order; returns the docs inserted, and puts the stored copies of the others
 * in `stored`. An ordered insert stops at its first duplicate key, so nothing after it is
 * stored yet: the sends found stored already are dropped and the later messages of their
 * conversations move down into the freed seqs before they are inserted. Seqs stay
 * gap-free without renumbering anything a reader may have seen.
 */
export async function insertSkippingStored(
  ctx: MongoContext,
  docs: MessageDoc[],
  stored: Map<string, MessageDoc>,
): Promise<MessageDoc[]> {
  const inserted: MessageDoc[] = [];
  let rest = docs;
  while (rest.length > 0) {
    const failedAt = await insertUntilDuplicate(ctx, rest);
    if (failedAt === null) {
      inserted.push(...rest);
      break;
    }
    inserted.push(...rest.slice(0, failedAt));
    rest = rest.slice(failedAt);
    // One lookup for everything left: a resend rarely comes alone (a reconnecting
    // client resends its outbox), and on FerretDB each lookup scans the collection.
    for (const d of await findBySendKeys(ctx, rest)) stored.set(sendKey(d), d);
    if (!stored.has(sendKey(rest[0]!))) {
      // Not a resend, so a (conversationId, seq) collision: the seq counter went backwards.
      throw new PigeonError('INTERNAL', 'message insert hit a duplicate key that is not a resend', {
        conversationId: rest[0]!.conversationId,
        seq: rest[0]!.seq,
      });
    }
    rest = closeSeqGaps(rest.filter((d) => !stored.has(sendKey(d))), rest);
  }
  return inserted;
}

/** Returns the index of the first document refused as a duplicate (none after it was inserted), or null. */
async function insertUntilDuplicate(ctx: MongoContext, docs: readonly MessageDoc[]): Promise<number | null> {
  try {
    await ctx.messages.insertMany(docs as MessageDoc[], { ordered: true });
    return null;
  } catch (err) {
    const writeErrors = err instanceof MongoBulkWriteError && !err.err ? [err.writeErrors].flat() : [];
    if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
    return Math.min(...writeErrors.map((w) => w.index));
  }
}

/**
 * `pending` holds, per conversation, the not yet inserted tail of a batch's seq range, in
 * order; `kept` is what remains of it once the sends stored already are dropped. Renumbers
 * `kept` from the start of each tail, so the conversation's seqs stay consecutive.
 */
function closeSeqGaps(kept: readonly MessageDoc[], pending: readonly MessageDoc[]): MessageDoc[] {
  const next = new Map<string, number>();
  for (const d of pending) if (!next.has(d.conversationId)) next.set(d.conversationId, d.seq);
  return kept.map((d) => {
    const seq = next.get(d.conversationId)!;
    next.set(d.conversationId, seq + 1);
    return seq === d.seq ? d : { ...d, seq };
  });
}
