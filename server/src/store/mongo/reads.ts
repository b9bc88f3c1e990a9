import type { Message } from '@pigeon/sync-protocol';
import type { Filter } from 'mongodb';
import type { ChangePage, ConversationRecord } from '../store.ts';
import type { MongoContext } from './context.ts';
import { NOT_READ, toMessage, type MessageDoc } from './documents.ts';

/** Attempts of changesSince to wait out this process's in-flight writes before answering with less. */
const SETTLE_ATTEMPTS = 3;

const byChangePos = (a: MessageDoc, b: MessageDoc) => a.changePos - b.changePos;

export async function getHistory(
  ctx: MongoContext,
  conversationId: string,
  beforeSeq: number | null,
  limit: number,
): Promise<Message[]> {
  const filter: Filter<MessageDoc> = beforeSeq === null ? { conversationId } : { conversationId, seq: { $lt: beforeSeq } };
  const docs = await ctx.messages.find(filter).sort({ seq: -1 }).limit(limit).toArray();
  return docs.reverse().map(toMessage);
}

export async function listConversations(ctx: MongoContext, userId: string): Promise<ConversationRecord[]> {
  const [convs, unreadRows] = await Promise.all([
    ctx.conversations.find({ members: userId }).toArray(),
    ctx.messages
      .aggregate<{ _id: string; n: number }>([
        { $match: { recipientId: userId, status: { $in: NOT_READ } } },
        { $group: { _id: '$conversationId', n: { $sum: 1 } } },
      ])
      .toArray(),
  ]);
  if (convs.length === 0) return [];
  const unread = new Map(unreadRows.map((r) => [r._id, r.n]));

  // The newest committed message is at lastCommittedSeq, unless a batch committed
  // its messages but not yet the pointer; the range up to lastSeq covers that.
  const tails = await ctx.messages
    .find({
      $or: convs.map((c) => ({
        conversationId: c._id,
        seq: { $gte: c.lastCommittedSeq ?? 1, $lte: c.lastSeq },
      })),
    })
    .toArray();
  const last = new Map<string, MessageDoc>();
  for (const d of tails) {
    const cur = last.get(d.conversationId);
    if (!cur || d.seq > cur.seq) last.set(d.conversationId, d);
  }

  const list: ConversationRecord[] = [];
  for (const c of convs) {
    const lastMessage = last.get(c._id);
    // A conversation whose only allocation lost a clientId race has no message to show.
    if (!lastMessage) continue;
    list.push({
      id: c._id,
      peerId: c.members[0] === userId ? c.members[1] : c.members[0],
      lastMessage: toMessage(lastMessage),
      unreadCount: unread.get(c._id) ?? 0,
      updatedAt: lastMessage.createdAt,
    });
  }
  return list.sort((a, b) =>
    a.updatedAt !== b.updatedAt ? (a.updatedAt < b.updatedAt ? 1 : -1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

export async function changesSince(ctx: MongoContext, userId: string, position: number, limit: number): Promise<ChangePage> {
  for (let attempt = 1; ; attempt++) {
    const { result, ceiling } = await ctx.guard.read(() => changedAfter(ctx, userId, position, limit + 1));
    const merged = result.sort(byChangePos).slice(0, limit + 1);
    if (merged.length > 0) ctx.guard.observe(merged[merged.length - 1]!.changePos);

    const visible = merged.filter((d) => d.changePos < ceiling);
    const heldBack = visible.length < merged.length;
    if (heldBack && attempt < SETTLE_ATTEMPTS) {
      // A write of this process holds a lower position than rows already committed; wait
      // for it (milliseconds) rather than hand out a cursor that would skip it.
      await ctx.guard.settled();
      continue;
    }
    const page = visible.slice(0, limit);
    return {
      messages: page.map(toMessage),
      position: page.length > 0 ? page[page.length - 1]!.changePos : position,
      // hasMore promises a non-empty next page; rows held back above are fetched next time.
      hasMore: visible.length > limit || (heldBack && page.length > 0),
    };
  }
}

/**
 * At least the first `count` messages of the user changed after `position`, unordered.
 * MongoDB: one range scan per side, over the (senderId | recipientId, changePos) indexes;
 * each side holds its first `count`, so their merge's first `count` are exact. FerretDB
 * decodes the whole collection for either filter, so one `$or` reads it once, not twice.
 */
async function changedAfter(ctx: MongoContext, userId: string, position: number, count: number): Promise<MessageDoc[]> {
  const after = { changePos: { $gt: position } };
  const filters: Filter<MessageDoc>[] =
    ctx.server === 'ferretdb'
      ? [{ $or: [{ senderId: userId }, { recipientId: userId }], ...after }]
      : [{ senderId: userId, ...after }, { recipientId: userId, ...after }];
  const found = await Promise.all(filters.map((f) => ctx.messages.find(f).sort({ changePos: 1 }).limit(count).toArray()));
  return found.flat();
}
