import type { Message } from '@pigeon/sync-protocol';
import { coverage } from '../../groups/rules.ts';
import { isMessageDoc } from './action-docs.ts';
import type { GroupMemberRecord, ReceiptRecord } from '../store.ts';
import type { MongoContext } from './context.ts';
import { moveId, NOT_READ, type MessageDoc, type MoveDoc } from './documents.ts';
import { isDuplicateKey } from './errors.ts';
import { lastSeqOf, latestState, membershipDocs, periodsFrom } from './group-state.ts';
import { advanceStatus } from './receipts.ts';

type Kind = 'delivered' | 'read';

/**
 * Group receipts (docs/architecture.md, "Groups"): a member's delivered and read positions,
 * and the aggregate status of the messages they cover.
 *
 * A position is the largest seq among the member's moves (`positionMoves`, insert-only, one
 * document per move), never a field that is updated: on FerretDB two nodes updating one
 * position document could lose a move and even move it back. A move costs one insert;
 * a second copy of the same move is refused by its `_id`.
 *
 * Every receipt then settles the statuses from the positions it reads *after* its own move
 * (and the members it reads after it). Two receipts on two nodes, or a receipt and a member's
 * removal, each write first and read second, so at least one of them reads both writes and
 * moves the statuses the pair allows: no status stays behind for lack of a lock. Statuses
 * move like a 1:1 receipt's (receipts.ts): entry first, then the messages, then the
 * correction of a `delivered` that landed over a concurrent `read`.
 */

/** `userId`'s devices stored `docs` (group messages): per group, their delivered position moves to the highest seq. */
export async function deliveredInGroups(ctx: MongoContext, userId: string, docs: readonly MessageDoc[], at: string): Promise<Message[]> {
  const highest = new Map<string, number>();
  for (const d of docs) highest.set(d.conversationId, Math.max(highest.get(d.conversationId) ?? 0, d.seq));
  const changed: Message[] = [];
  for (const [groupId, seq] of highest) changed.push(...(await moveAndSettle(ctx, groupId, userId, seq, ['delivered'], at)));
  return changed;
}

/** `userId` read the group up to `upToSeq`: their read and delivered positions move there (at most the last seq). */
export function readInGroup(ctx: MongoContext, userId: string, groupId: string, upToSeq: number, at: string): Promise<Message[]> {
  return moveAndSettle(ctx, groupId, userId, upToSeq, ['delivered', 'read'], at);
}

async function moveAndSettle(ctx: MongoContext, groupId: string, userId: string, target: number, kinds: Kind[], at: string): Promise<Message[]> {
  const [state, lastSeq] = await Promise.all([latestState(ctx, groupId), lastSeqOf(ctx, groupId)]);
  const me = state?.members.find((m) => m.userId === userId);
  // Positions move in the user's latest period, open or closed: a removed member still marks
  // what it got up to its removal (its unread count, its receipt times). Earlier periods are frozen.
  const period = me ? { fromSeq: me.sinceSeq, toSeq: null } : periodsFrom(await membershipDocs(ctx, userId, groupId)).at(-1);
  if (!period) return [];
  const to = Math.min(target, lastSeq, period.toSeq ?? Infinity);
  // A member's positions start at the seq that added them.
  if (to > period.fromSeq) {
    await Promise.all(
      kinds.map(async (kind) => {
        // A move below the position would only record a later time for what it covered already.
        if (to <= (await ownPosition(ctx, groupId, userId, kind))) return;
        await ctx.moves.insertOne({ _id: moveId(groupId, userId, kind, to), conversationId: groupId, userId, kind, seq: to, at }).catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
      }),
    );
  }
  // Only current members count for a status. Settled even when nothing moved: a resent
  // receipt repairs what a node that died after its move left.
  return me ? settleStatuses(ctx, groupId, kinds, at) : [];
}

/**
 * Moves the statuses of the group's messages that the members' positions cover now: for each
 * kind, the coverage (rules.ts) of the current members' positions, and the messages not yet
 * at that status below it. Returns the messages whose status changed (each once, at its last).
 */
export async function settleStatuses(ctx: MongoContext, groupId: string, kinds: Kind[], at: string): Promise<Message[]> {
  const state = await latestState(ctx, groupId);
  // A single member has no other member to wait for, which is not taken as "everyone has it".
  if (!state || state.members.length < 2) return [];
  const changed = new Map<string, Message>();
  // Delivered before read, so this call's own delivered never lands over its read.
  for (const kind of kinds) {
    const positions = await positionsOf(ctx, groupId, kind, state.members);
    const c = coverage(positions);
    const covered: Record<string, unknown>[] = [{ seq: { $lte: c.lowest } }];
    if (c.holder !== null && c.second > c.lowest) covered.push({ senderId: c.holder, seq: { $lte: c.second } });
    const from = kind === 'delivered' ? ['sent' as const] : NOT_READ;
    const candidates = await ctx.messages
      .find({ recipientId: groupId, status: { $in: from }, conversationId: groupId, $or: covered })
      .sort({ seq: 1 })
      .toArray();
    for (const m of await advanceStatus(ctx, candidates, kind, from, at)) changed.set(m.id, m);
  }
  return [...changed.values()].sort((a, b) => a.seq - b.seq);
}

/** Each member's position of `kind`: their largest move, at least the seq that added them. */
async function positionsOf(ctx: MongoContext, groupId: string, kind: Kind, members: readonly GroupMemberRecord[]): Promise<[string, number][]> {
  const top = new Map<string, number>();
  if (ctx.server === 'mongodb') {
    // One DISTINCT_SCAN over (conversationId, kind, userId, seq desc): one index entry per member.
    const rows = await ctx.moves
      .aggregate<{ _id: string; seq: number }>([
        { $match: { conversationId: groupId, kind } },
        { $sort: { userId: 1, seq: -1 } },
        { $group: { _id: '$userId', seq: { $first: '$seq' } } },
      ])
      .toArray();
    for (const r of rows) top.set(r._id, r.seq);
  } else {
    // FerretDB 1.x has neither $first nor $max in $group, and scans for any filter anyway.
    for (const m of await ctx.moves.find({ conversationId: groupId, kind }, { projection: { userId: 1, seq: 1 } }).toArray()) {
      top.set(m.userId, Math.max(top.get(m.userId) ?? 0, m.seq));
    }
  }
  return members.map((m) => [m.userId, Math.max(m.sinceSeq, top.get(m.userId) ?? 0)]);
}

async function ownPosition(ctx: MongoContext, groupId: string, userId: string, kind: Kind): Promise<number> {
  const [top] = await ctx.moves.find({ conversationId: groupId, kind, userId }).sort({ seq: -1 }).limit(1).toArray();
  return top?.seq ?? 0;
}

/**
 * "Message info": every member other than the sender whose period holds the message's seq
 * (leavers included), with the time their delivered and read positions first reached it
 * (within that period). null for an unknown or a 1:1 message.
 */
export async function messageReceipts(ctx: MongoContext, messageId: string): Promise<ReceiptRecord[] | null> {
  const message = await ctx.messages.findOne({ _id: messageId });
  if (!message || !isMessageDoc(message) || message.group === undefined) return null;
  const groupId = message.conversationId;
  const s = message.seq;
  const changes = await ctx.messages
    .find({ conversationId: groupId, type: 'system' }, { projection: { conversationId: 1, seq: 1, system: 1, affects: 1, createdAt: 1 } })
    .sort({ seq: 1 })
    .toArray();
  const users = [...new Set(changes.flatMap((d) => d.affects ?? []))].filter((u) => u !== message.senderId);
  const holders: { userId: string; from: number; to: number; addedAt: string }[] = [];
  for (const userId of users) {
    const mine = changes.filter((d) => d.affects?.includes(userId));
    const period = periodsFrom(mine).find((p) => p.fromSeq <= s && (p.toSeq === null || s <= p.toSeq));
    if (period) holders.push({ userId, from: period.fromSeq, to: period.toSeq ?? Number.MAX_SAFE_INTEGER, addedAt: mine.find((d) => d.seq === period.fromSeq)!.createdAt });
  }
  const firstMoves = await firstMovesAtOrPast(ctx, groupId, s, holders);
  return holders.map((h) => {
    // Added by this very message: their positions start covering it.
    const start = h.from === s ? h.addedAt : null;
    return {
      userId: h.userId,
      deliveredAt: start ?? firstMoves.get(`${h.userId}:delivered`) ?? null,
      readAt: start ?? firstMoves.get(`${h.userId}:read`) ?? null,
    };
  });
}

/** Per `<user>:<kind>`, the time of the user's smallest move in [s, their period's end]. */
async function firstMovesAtOrPast(
  ctx: MongoContext,
  groupId: string,
  s: number,
  holders: readonly { userId: string; to: number }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const endOf = new Map(holders.map((h) => [h.userId, h.to]));
  let moves: MoveDoc[];
  if (ctx.server === 'mongodb') {
    // One seek per member and kind on (conversationId, kind, userId, seq).
    const seeks = holders.flatMap((h) =>
      (['delivered', 'read'] as const).map((kind) =>
        ctx.moves.find({ conversationId: groupId, kind, userId: h.userId, seq: { $gte: s, $lte: h.to } }).sort({ seq: 1 }).limit(1).toArray(),
      ),
    );
    moves = (await Promise.all(seeks)).flat();
  } else {
    moves = await ctx.moves.find({ conversationId: groupId, seq: { $gte: s } }).toArray();
  }
  const best = new Map<string, MoveDoc>();
  for (const m of moves) {
    const end = endOf.get(m.userId);
    if (end === undefined || m.seq > end) continue;
    const key = `${m.userId}:${m.kind}`;
    const cur = best.get(key);
    if (!cur || m.seq < cur.seq) best.set(key, m);
  }
  for (const [key, m] of best) out.set(key, m.at);
  return out;
}
