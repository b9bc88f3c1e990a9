import type { AnyBulkWriteOperation } from 'mongodb';
import type { SendRequest } from '../store.ts';
import { chunkedBulkWrite } from './bulk-write.ts';
import type { MongoContext } from './context.ts';
import type { ConversationDoc, MessageDoc } from './documents.ts';
import { isDuplicateKey } from './errors.ts';

/**
 * The counters that number messages: the change-log position (one document in `counters`)
 * and each conversation's seq (`lastSeq` on its document in `conversations`). Both are
 * `$inc`ed for a whole range at a time, before the documents that use them are written.
 */

const CHANGE_COUNTER = 'changePos';
/** Pending conversation pointers kept in memory before they are written on their own. */
const POINTER_BACKLOG_MAX = 10_000;

/** Seqs first..last of one conversation, allocated to one batch. */
export interface SeqRange {
  first: number;
  last: number;
}

/** Returns the last of `count` fresh change-log positions. */
export async function allocatePositions(ctx: MongoContext, count: number): Promise<number> {
  const doc = await upsertRetrying(() =>
    ctx.counters.findOneAndUpdate(
      { _id: CHANGE_COUNTER },
      { $inc: { value: count } },
      { upsert: true, returnDocument: 'after' },
    ),
  );
  return doc.value;
}

/**
 * One seq range per conversation, as many seqs as it has sends (in the map's order); the
 * conversation's document is created by its first send. At most `allocationConcurrency`
 * allocations run at once.
 */
export async function allocateSeqRanges(
  ctx: MongoContext,
  byConversation: ReadonlyMap<string, readonly SendRequest[]>,
  now: string,
): Promise<Map<string, SeqRange>> {
  const entries = [...byConversation];
  const ends = await mapLimited(entries, ctx.allocationConcurrency, ([id, sends]) =>
    allocateSeqs(ctx, id, sends[0]!, sends.length, now),
  );
  return new Map(entries.map(([id, sends], i) => [id, { first: ends[i]! - sends.length + 1, last: ends[i]! }]));
}

/**
 * Returns the last of `count` fresh seqs of the conversation. Carries the conversation's
 * pending pointer ($max: batches of other nodes may land in any order; it only moves forward).
 */
async function allocateSeqs(ctx: MongoContext, conversationId: string, first: SendRequest, count: number, now: string): Promise<number> {
  const members = [first.senderId, first.recipientId].sort() as [string, string];
  const pointer = ctx.pointers.take(conversationId);
  const advance = pointer ? { $max: { lastCommittedSeq: pointer.seq, updatedAt: pointer.createdAt } } : {};
  try {
    const doc = await upsertRetrying(() =>
      ctx.conversations.findOneAndUpdate(
        { _id: conversationId },
        { $inc: { lastSeq: count }, $setOnInsert: { members, createdAt: now }, ...advance },
        { upsert: true, returnDocument: 'after' },
      ),
    );
    return doc.lastSeq;
  } catch (err) {
    ctx.pointers.restore(conversationId, pointer);
    throw err;
  }
}

/**
 * Gives back the seqs that dropped resends left at the end of each conversation's range,
 * unless a later batch (another node) took seqs since: then they stay unused, a gap
 * (docs/operations.md, "Several server nodes on one MongoDB").
 */
export async function returnUnusedSeqs(
  ctx: MongoContext,
  ranges: ReadonlyMap<string, SeqRange>,
  inserted: readonly MessageDoc[],
): Promise<void> {
  const lastUsed = new Map<string, number>();
  for (const d of inserted) lastUsed.set(d.conversationId, Math.max(d.seq, lastUsed.get(d.conversationId) ?? 0));
  const ops: AnyBulkWriteOperation<ConversationDoc>[] = [];
  for (const [id, { first, last }] of ranges) {
    const used = lastUsed.get(id) ?? first - 1;
    if (used < last) ops.push({ updateOne: { filter: { _id: id, lastSeq: last }, update: { $set: { lastSeq: used } } } });
  }
  if (ops.length > 0) await chunkedBulkWrite(ctx.conversations, ops, { ordered: false });
}

/**
 * Remembers each conversation's newest inserted message as its pending pointer, which the
 * conversation's next seq allocation writes. Once more than POINTER_BACKLOG_MAX
 * conversations have one waiting, all are written at once (bounds the memory they take).
 */
export async function recordCommitted(ctx: MongoContext, inserted: readonly MessageDoc[]): Promise<void> {
  ctx.pointers.record(inserted);
  if (ctx.pointers.size > POINTER_BACKLOG_MAX) await flushPointers(ctx);
}

/** Writes every pending pointer. They are dropped first: one lost to an error only lags. */
async function flushPointers(ctx: MongoContext): Promise<void> {
  const ops: AnyBulkWriteOperation<ConversationDoc>[] = ctx.pointers.drain().map(([id, p]) => ({
    updateOne: { filter: { _id: id }, update: { $max: { lastCommittedSeq: p.seq, updatedAt: p.createdAt } } },
  }));
  await chunkedBulkWrite(ctx.conversations, ops, { ordered: false });
}

/**
 * Two upserts of a document that does not exist yet can both try to insert it; the
 * loser gets a duplicate key error (MongoDB retries some of these itself, FerretDB
 * does not). The second attempt finds the document and increments it.
 */
async function upsertRetrying<T>(op: () => Promise<T | null>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const doc = await op();
      if (!doc) throw new Error('upsert with returnDocument "after" returned nothing');
      return doc;
    } catch (err) {
      if (attempt < 2 && isDuplicateKey(err)) continue;
      throw err;
    }
  }
}

/** Like Promise.all over `items.map(fn)`, with at most `limit` calls in flight. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
