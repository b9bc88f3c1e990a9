import type { Message, MessageStatus } from '@pigeon/sync-protocol';
import { isMessageDoc } from './action-docs.ts';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import { NOT_READ, receiptId, toMessage, type MessageDoc, type ReceiptDoc } from './documents.ts';
import { deliveredInGroups, readInGroup } from './group-receipts.ts';
import { isGroupId } from './group-state.ts';
import { insertNumbered } from './log-insert.ts';

export async function markDelivered(
  ctx: MongoContext,
  recipientId: string,
  messageIds: readonly string[],
  at: string,
): Promise<Message[]> {
  if (messageIds.length === 0) return [];
  return ctx.writeLane.run('receipt', async () => {
    // One read for both kinds: 1:1 messages to the recipient, and group messages (whose recipient is the group).
    const named = (await findByIds(ctx, ctx.messages, messageIds)).filter(isMessageDoc);
    const direct = named
      .filter((d) => d.group === undefined && d.recipientId === recipientId && d.status === 'sent')
      .sort((a, b) => (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : a.seq - b.seq));
    const inGroups = named.filter((d) => d.group !== undefined && d.seq > 0);
    const changed = await advanceStatus(ctx, direct, 'delivered', ['sent'], at);
    return inGroups.length > 0 ? [...changed, ...(await deliveredInGroups(ctx, recipientId, inGroups, at))] : changed;
  });
}

export async function markRead(
  ctx: MongoContext,
  readerId: string,
  conversationId: string,
  upToSeq: number,
  at: string,
): Promise<Message[]> {
  if (isGroupId(conversationId)) return ctx.writeLane.run('receipt', () => readInGroup(ctx, readerId, conversationId, upToSeq, at));
  const find = () =>
    ctx.messages
      .find({ recipientId: readerId, status: { $in: NOT_READ }, conversationId, seq: { $lte: upToSeq } })
      .sort({ seq: 1 })
      .toArray();
  return ctx.writeLane.run('receipt', async () => advanceStatus(ctx, await find(), 'read', NOT_READ, at));
}

/**
 * A status change is first logged, then applied:
 *  1. one receipt entry per message (`r:<id>:<status>`, documents.ts) is inserted into the
 *     change log with the next positions. That insert is the receipt's commit: it is what
 *     changesSince hands out (with the status it carries), so a reader that has passed its
 *     position has seen it. An entry logged before (a resent receipt) is refused by its `_id`.
 *  2. the messages' `status` (for histories, unread counts, the conversation list) and
 *     `lastChangePos` (so changesSince skips their superseded entries) are moved forward.
 * A process that dies between 1 and 2 leaves the status logged but not applied; the
 * client resends the receipt it got no answer for, which finds the entry logged and
 * applies it. The status never moves back: the updates are conditional on a lower status,
 * and on FerretDB, whose updates are not atomic (docs/operations.md), a `delivered` that
 * lands over a concurrent `read` is corrected from the read entries right after.
 */
export async function advanceStatus(
  ctx: MongoContext,
  candidates: MessageDoc[],
  to: 'delivered' | 'read',
  from: MessageStatus[],
  at: string,
): Promise<Message[]> {
  if (candidates.length === 0) return [];
  const entries: ReceiptDoc[] = candidates.map((d) => {
    const id = receiptId(d._id, to);
    return {
      _id: id,
      kind: 'receipt',
      messageId: d._id,
      receipt: to,
      conversationId: id,
      clientId: id,
      seq: 0,
      senderId: d.senderId,
      recipientId: d.recipientId,
      changePos: 0,
      createdAt: at,
      // A group's feed finds it by group, and keeps to each member's periods by the message's seq.
      ...(d.group !== undefined ? { group: d.group, messageSeq: d.seq } : {}),
    };
  });
  const beforeStatusWrite = ctx.hooks.beforeStatusWrite;
  const { inserted } = await insertNumbered(ctx, entries, {
    seqs: false,
    ...(beforeStatusWrite ? { beforeInsert: () => beforeStatusWrite(candidates.map((d) => d._id)) } : {}),
  });
  const positionOf = new Map(inserted.map((e) => [e.messageId, e.changePos]));
  await apply(ctx, candidates, to, from, at, positionOf);
  if (to === 'delivered') await reapplyReads(ctx, candidates.map((d) => d._id));
  return candidates.map((d) => toMessage({ ...d, status: to }));
}

/**
 * Two updateMany at most, whatever the number of messages. Messages whose entry this call
 * inserted get `lastChangePos` ≥ the first of those positions: every earlier entry about them
 * is superseded, and their own new entry is at or above it. Messages whose entry was logged
 * before keep theirs (that entry may be the one a reader still needs).
 */
async function apply(
  ctx: MongoContext,
  docs: readonly MessageDoc[],
  to: 'delivered' | 'read',
  from: MessageStatus[],
  at: string,
  positionOf: ReadonlyMap<string, number>,
): Promise<void> {
  const stamp = to === 'delivered' ? { deliveredAt: at } : { readAt: at };
  const status = from.length === 1 ? from[0]! : { $in: from };
  const logged = docs.filter((d) => positionOf.has(d._id)).map((d) => d._id);
  const before = docs.filter((d) => !positionOf.has(d._id)).map((d) => d._id);
  if (logged.length > 0) {
    const firstPos = Math.min(...positionOf.values());
    // A read moves the recipient's own feed position too; a delivery does not (documents.ts lastRecipientPos).
    const max = to === 'read' ? { lastChangePos: firstPos, lastRecipientPos: firstPos } : { lastChangePos: firstPos };
    await ctx.messages.updateMany({ _id: { $in: logged }, status }, { $set: { status: to, ...stamp }, $max: max });
  }
  if (before.length > 0) await ctx.messages.updateMany({ _id: { $in: before }, status }, { $set: { status: to, ...stamp } });
}

/** Messages among `ids` with a read entry get `read` again (a concurrent `delivered` may have landed over it). */
async function reapplyReads(ctx: MongoContext, ids: readonly string[]): Promise<void> {
  const readEntries = (await findByIds(ctx, ctx.log, ids.map((id) => receiptId(id, 'read')))) as ReceiptDoc[];
  // The read time is the entry's; one statement per distinct time (in practice one).
  const byTime = new Map<string, string[]>();
  for (const e of readEntries) byTime.set(e.createdAt, [...(byTime.get(e.createdAt) ?? []), e.messageId]);
  for (const [readAt, messageIds] of byTime) {
    await ctx.messages.updateMany({ _id: { $in: messageIds }, status: { $ne: 'read' } }, { $set: { status: 'read', readAt } });
  }
}
