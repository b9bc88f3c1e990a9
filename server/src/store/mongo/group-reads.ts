import type { Message } from '@pigeon/sync-protocol';
import type { Filter } from 'mongodb';
import type { ConversationRecord, MemberPeriod } from '../store.ts';
import type { MongoContext } from './context.ts';
import { messageFor } from './action-docs.ts';
import type { LogDoc } from './documents.ts';
import { caughtUp } from './entry-truth.ts';
import { latestState, membershipDocs, periodFilter, periodsByGroup, periodsFrom } from './group-state.ts';
import { groupRecord } from './list-records.ts';

/**
 * What a user may read of a group is exactly the seqs of their membership periods
 * (docs/architecture.md, "Groups"): histories, the list and the change feed all filter by them.
 */

/** A group's history as `viewerId` may see it: the newest `limit` messages of their periods below `beforeSeq`. */
export async function groupHistory(ctx: MongoContext, groupId: string, beforeSeq: number | null, limit: number, viewerId?: string): Promise<Message[]> {
  if (viewerId === undefined) return [];
  const periods = periodsFrom(await membershipDocs(ctx, viewerId, groupId));
  if (periods.length === 0) return [];
  const docs = await ctx.messages
    .find({ conversationId: groupId, $or: periodFilter('seq', periods, beforeSeq ?? undefined) })
    .sort({ seq: -1 })
    .limit(limit)
    .toArray();
  // The entries, not the documents, are the truth (entry-truth.ts): one more read per page.
  return (await caughtUp(ctx, docs.reverse(), [viewerId])).map((d) => messageFor(d, viewerId));
}

/** Every group the user is or was a member of, with its current title and members, as list entries. */
export async function groupConversations(ctx: MongoContext, userId: string): Promise<ConversationRecord[]> {
  const byGroup = await periodsByGroup(ctx, userId);
  return Promise.all([...byGroup].map(([groupId, periods]) => groupEntry(ctx, groupId, userId, periods)));
}

async function groupEntry(ctx: MongoContext, groupId: string, userId: string, periods: MemberPeriod[]): Promise<ConversationRecord> {
  const last = periods[periods.length - 1]!;
  const moves = ownMoves(ctx, groupId, userId);
  const newest = await ctx.messages
    .find(last.toSeq === null ? { conversationId: groupId } : { conversationId: groupId, seq: { $lte: last.toSeq } })
    .sort({ seq: -1 })
    .limit(1)
    .toArray();
  // The state is read after the newest message, never before: a device takes the entry's members
  // as the group after every event up to its last message's seq (the engine's snapshot, G6 in
  // docs/reliability.md), and a membership change committed between two reads made side by side
  // could be that last message while the state was read without it: the device would then keep
  // a removed member for good. Seqs become visible in order (log-insert.ts), so a state read after
  // holds every change up to it (or later ones: harmless, their events still apply). While the
  // user is a member, a newest message that is a change carries that state itself (a former
  // member's entry shows the group as it is now, past their last message).
  const state = (last.toSeq === null ? newest[0]?.state : undefined) ?? (await latestState(ctx, groupId));
  const moved = await moves;
  // Unread: others' text messages of the latest period past the user's read position, which starts
  // at the message that added them. System messages are never unread (the engine agrees).
  // Earlier periods are frozen (their moves are below the latest period's start).
  const readSeq = Math.max(last.fromSeq, moved.read);
  // A read moves both positions, as two inserts: a node that died between them left the read one.
  const deliveredSeq = Math.max(readSeq, moved.delivered);
  const from = readSeq + 1;
  const unreadCount =
    last.toSeq !== null && from > last.toSeq
      ? 0
      : await ctx.messages.countDocuments({ conversationId: groupId, senderId: { $ne: userId }, type: { $ne: 'system' }, ...periodFilter('seq', [{ fromSeq: from, toSeq: last.toSeq }])[0]! });
  return groupRecord(groupId, state!, newest[0], { unreadCount, readSeq, deliveredSeq });

}

/**
 * The largest seq of the user's delivered and of their read moves in the group (0: none).
 * MongoDB: one seek per kind on (conversationId, kind, userId, seq desc). FerretDB scans for any
 * filter but `_id`, so there one query brings both kinds (the user's moves of this group, small
 * documents) rather than two scans.
 */
export async function ownMoves(ctx: MongoContext, groupId: string, userId: string): Promise<{ delivered: number; read: number }> {
  if (ctx.server === 'mongodb') {
    const top = (kind: 'delivered' | 'read') =>
      ctx.moves.find({ conversationId: groupId, kind, userId }, { projection: { seq: 1 } }).sort({ seq: -1 }).limit(1).toArray();
    const [delivered, read] = await Promise.all([top('delivered'), top('read')]);
    return { delivered: delivered[0]?.seq ?? 0, read: read[0]?.seq ?? 0 };
  }
  const top = { delivered: 0, read: 0 };
  for (const m of await ctx.moves.find({ conversationId: groupId, userId }, { projection: { kind: 1, seq: 1 } }).toArray()) {
    top[m.kind] = Math.max(top[m.kind], m.seq);
  }
  return top;
}

/** The user's read position in their latest period of the group (it starts at the seq that added them); null: never a member. */
export async function readPosition(ctx: MongoContext, groupId: string, userId: string): Promise<number | null> {
  const [docs, moves] = await Promise.all([
    membershipDocs(ctx, userId, groupId),
    ctx.moves.find({ conversationId: groupId, kind: 'read', userId }).sort({ seq: -1 }).limit(1).toArray(),
  ]);
  const last = periodsFrom(docs).at(-1);
  return last ? Math.max(last.fromSeq, moves[0]?.seq ?? 0) : null;
}

/**
 * The change-feed filters of the user's groups after `position`: per group, its documents
 * (messages, and receipt entries about messages) whose seq is in one of the user's periods.
 * One range of `(group, changePos)` each on MongoDB.
 */
export function groupFeedFilters(periods: ReadonlyMap<string, MemberPeriod[]>, position: number): Filter<LogDoc>[] {
  return [...periods].map(([groupId, ps]) => ({
    group: groupId,
    changePos: { $gt: position },
    // A message by its seq; an entry by its message's (an action entry's own seq is a version, action-docs.ts).
    $or: [...periodFilter('seq', ps).map((f) => ({ conversationId: groupId, ...f })), ...periodFilter('messageSeq', ps)],
  }));
}

/** Whether two reads of a user's periods agree (a period opened or closed in between makes the feed read again). */
export function samePeriods(a: ReadonlyMap<string, MemberPeriod[]>, b: ReadonlyMap<string, MemberPeriod[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [groupId, ps] of a) {
    const other = b.get(groupId);
    if (!other || other.length !== ps.length || ps.some((p, i) => p.fromSeq !== other[i]!.fromSeq || p.toSeq !== other[i]!.toSeq)) return false;
  }
  return true;
}
