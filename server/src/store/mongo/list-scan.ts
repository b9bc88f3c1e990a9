import type { Filter } from 'mongodb';
import type { ConversationRecord, MemberPeriod } from '../store.ts';
import type { MongoContext } from './context.ts';
import { NOT_READ, type MessageDoc } from './documents.ts';
import { latestState, periodsByGroup } from './group-state.ts';
import { caughtUp } from './entry-truth.ts';
import { directRecord, groupRecord } from './list-records.ts';

/**
 * listConversations on FerretDB, which decodes the whole messages collection for any filter but
 * `_id` (docs/operations.md): the per-conversation and per-group seeks of the MongoDB plan
 * (reads.ts, group-reads.ts: two reads for the 1:1 part, three per group) each cost a full
 * scan there, and the list is read on every connect, sync hint and settle. Here the messages
 * are read twice whatever the number of conversations and groups:
 *
 *  1. side by side: the user's conversation documents, the system messages naming the user
 *     (their periods) and the user's position moves;
 *  2. one `$or` of everything the entries are made of: the user's unread 1:1 messages, each
 *     1:1 conversation from its pointer up, and per group the system messages from the user's
 *     last membership change on (the latest is the group's state) and the messages of their
 *     latest period from their read position on (its newest, and the unread ones).
 *
 * What it returns is what the MongoDB plan returns (contract suite, reads.test.ts); the
 * documents it reads are those the MongoDB plan counts one by one: unread messages, and a
 * pointer's stride per 1:1 conversation.
 */
export async function listByScans(ctx: MongoContext, userId: string): Promise<ConversationRecord[]> {
  const [convs, periods, moves] = await Promise.all([
    ctx.conversations.find({ members: userId }).toArray(),
    periodsByGroup(ctx, userId),
    ctx.moves.find({ userId }, { projection: { conversationId: 1, kind: 1, seq: 1 } }).toArray(),
  ]);
  const groups = [...periods].map(([id, ps]) => groupPart(id, ps[ps.length - 1]!, moves));
  if (convs.length === 0 && groups.length === 0) return [];

  const or: Filter<MessageDoc>[] = [
    ...(convs.length > 0 ? [{ recipientId: userId, status: { $in: NOT_READ } }] : []),
    // The newest message is at or above the pointer: it may lag, never lead (send-batch.ts).
    ...convs.map((c) => ({ conversationId: c._id, seq: { $gte: c.lastCommittedSeq ?? 1 } })),
    ...groups.flatMap((g) => [
      { conversationId: g.id, type: 'system' as const, seq: { $gte: g.lastChangeSeq } },
      { conversationId: g.id, seq: g.period.toSeq === null ? { $gte: g.readSeq } : { $gte: g.readSeq, $lte: g.period.toSeq } },
    ]),
  ];
  const byConversation = new Map<string, MessageDoc[]>();
  // Caught up with their entries (one more scan, entry-truth.ts): a document a concurrent update
  // set back would show an old last message, or count a message read since as unread.
  const read = await ctx.messages.find({ $or: or }).toArray();
  for (const d of await caughtUp(ctx, read, [])) {
    const list = byConversation.get(d.conversationId);
    if (list) list.push(d);
    else byConversation.set(d.conversationId, [d]);
  }

  const list: ConversationRecord[] = [];
  for (const c of convs) {
    const docs = byConversation.get(c._id) ?? [];
    const last = newestOf(docs);
    // A conversation whose only allocation lost a clientId race has no message to show.
    if (!last) continue;
    list.push(directRecord(c, userId, last, docs.filter((d) => d.recipientId === userId && NOT_READ.includes(d.status)).length));
  }
  for (const g of groups) list.push(await groupEntry(ctx, userId, g, byConversation.get(g.id) ?? []));
  return list;
}

interface GroupPart {
  id: string;
  period: MemberPeriod;
  /** The seq of the user's last membership change (the add that opened their latest period, or the removal that closed it). */
  lastChangeSeq: number;
  readSeq: number;
  deliveredSeq: number;
}

function groupPart(id: string, period: MemberPeriod, moves: readonly { conversationId: string; kind: 'delivered' | 'read'; seq: number }[]): GroupPart {
  const top = { delivered: 0, read: 0 };
  for (const m of moves) if (m.conversationId === id) top[m.kind] = Math.max(top[m.kind], m.seq);
  // As group-reads.ts: positions start at the seq that added the user; earlier periods' moves are below it.
  const readSeq = Math.max(period.fromSeq, top.read);
  return { id, period, lastChangeSeq: period.toSeq ?? period.fromSeq, readSeq, deliveredSeq: Math.max(readSeq, top.delivered) };
}

async function groupEntry(ctx: MongoContext, userId: string, g: GroupPart, docs: readonly MessageDoc[]): Promise<ConversationRecord> {
  const end = g.period.toSeq ?? Infinity;
  const inPeriod = docs.filter((d) => d.seq <= end);
  // The message at the read position is among the documents (positions never pass the last
  // seq); should it not be, the MongoDB plan's reads answer.
  const newest =
    newestOf(inPeriod) ??
    (await ctx.messages.find(g.period.toSeq === null ? { conversationId: g.id } : { conversationId: g.id, seq: { $lte: g.period.toSeq } }).sort({ seq: -1 }).limit(1).toArray())[0];
  const system = newestOf(docs.filter((d) => d.type === 'system'));
  const state = system?.state ?? (await latestState(ctx, g.id));
  // Unread: others' text messages of the latest period past the read position (group-reads.ts).
  const unreadCount = inPeriod.filter((d) => d.seq > g.readSeq && d.senderId !== userId && d.type !== 'system').length;
  return groupRecord(g.id, state!, newest, { unreadCount, readSeq: g.readSeq, deliveredSeq: g.deliveredSeq });

}

function newestOf(docs: readonly MessageDoc[]): MessageDoc | undefined {
  let newest: MessageDoc | undefined;
  for (const d of docs) if (!newest || d.seq > newest.seq) newest = d;
  return newest;
}
