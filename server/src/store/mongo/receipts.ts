import { PigeonError, type Message, type MessageStatus } from '@pigeon/sync-protocol';
import { chunkedBulkWrite } from './bulk-write.ts';
import type { MongoContext } from './context.ts';
import { allocatePositions } from './counters.ts';
import { NOT_READ, toMessage, type MessageDoc } from './documents.ts';

/**
 * How often a receipt takes fresh positions for messages overtaken by a receipt with a
 * later position. One race costs one retry; past this many it answers UNAVAILABLE.
 */
const RECEIPT_ATTEMPTS = 5;

export async function markDelivered(
  ctx: MongoContext,
  recipientId: string,
  messageIds: readonly string[],
  at: string,
): Promise<Message[]> {
  if (messageIds.length === 0) return [];
  const find = () =>
    ctx.messages
      .find({ _id: { $in: [...new Set(messageIds)] }, recipientId, status: 'sent' })
      .sort({ conversationId: 1, seq: 1 })
      .toArray();
  return receipt(ctx, find, 'delivered', ['sent'], at);
}

export async function markRead(
  ctx: MongoContext,
  readerId: string,
  conversationId: string,
  upToSeq: number,
  at: string,
): Promise<Message[]> {
  const find = () =>
    ctx.messages
      .find({ recipientId: readerId, status: { $in: NOT_READ }, conversationId, seq: { $lte: upToSeq } })
      .sort({ seq: 1 })
      .toArray();
  return receipt(ctx, find, 'read', NOT_READ, at);
}

async function receipt(
  ctx: MongoContext,
  find: () => Promise<MessageDoc[]>,
  to: 'delivered' | 'read',
  from: MessageStatus[],
  at: string,
): Promise<Message[]> {
  const task = async () => advanceStatus(ctx, await find(), to, from, at);
  return ctx.receiptLane ? ctx.receiptLane.run(task) : task();
}

/**
 * Each candidate gets its own new position and a conditional update: forward only in
 * status, and forward only in position. The second condition matters when two
 * receipts race (delivered and read from two devices or nodes): the one that took
 * the lower position may land second, and a message must never move back in the
 * change log, or a client that already synced past the higher position would never
 * see the later status. Such a message is retried with a fresh position.
 */
async function advanceStatus(
  ctx: MongoContext,
  candidates: MessageDoc[],
  to: 'delivered' | 'read',
  from: MessageStatus[],
  at: string,
): Promise<Message[]> {
  const changed = new Map<string, MessageDoc>();
  let pending = candidates;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const token = ctx.guard.begin();
    let positions: Map<string, number>;
    let modified: number;
    try {
      const end = await allocatePositions(ctx, pending.length);
      ctx.guard.allocated(token, end, pending.length);
      const first = end - pending.length + 1;
      positions = new Map(pending.map((d, i) => [d._id, first + i]));
      const stamp = to === 'delivered' ? { deliveredAt: at } : { readAt: at };
      await ctx.hooks.beforeStatusWrite?.(pending.map((d) => d._id));
      const result = await chunkedBulkWrite(
        ctx.messages,
        pending.map((d) => {
          const changePos = positions.get(d._id)!;
          return {
            updateOne: {
              filter: { _id: d._id, status: from.length === 1 ? from[0]! : { $in: from }, changePos: { $lt: changePos } },
              update: { $set: { status: to, changePos, ...stamp } },
            },
          };
        }),
        { ordered: false },
      );
      modified = result.modifiedCount;
    } finally {
      ctx.guard.end(token);
    }

    if (modified === pending.length) {
      for (const d of pending) changed.set(d._id, d);
      break;
    }
    // Which did we change (they carry our position), and which were overtaken by a
    // receipt with a later position while still needing ours?
    const now = await ctx.messages.find({ _id: { $in: pending.map((d) => d._id) } }).toArray();
    const retry: MessageDoc[] = [];
    for (const d of now) {
      if (positions.get(d._id) === d.changePos) changed.set(d._id, d);
      else if (from.includes(d.status)) retry.push(d);
    }
    if (retry.length > 0 && attempt >= RECEIPT_ATTEMPTS) {
      throw new PigeonError('UNAVAILABLE', 'receipt kept losing races; retry', { messageIds: retry.map((d) => d._id) });
    }
    const order = new Map(candidates.map((d, i) => [d._id, i]));
    pending = retry.sort((x, y) => order.get(x._id)! - order.get(y._id)!);
  }
  return candidates.filter((d) => changed.has(d._id)).map((d) => toMessage({ ...changed.get(d._id)!, status: to }));
}
