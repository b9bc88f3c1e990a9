import type { Message, MessageStatus } from '@pigeon/sync-protocol';
import type { Filter } from 'mongodb';
import type { ChangePage, ConversationRecord, FeedOptions } from '../store.ts';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import { hiddenAtOf, isAction, isMessageDoc, messageFor, type ActionDoc } from './action-docs.ts';
import { isReceipt, NOT_READ, toMessage, type LogDoc, type MessageDoc, type ReceiptDoc } from './documents.ts';
import { groupConversations, groupFeedFilters, groupHistory, samePeriods } from './group-reads.ts';
import { changeKey, inPeriods, isGroupId, periodsAndChanges, periodsByGroup } from './group-state.ts';
import { caughtUp, caughtUpDoc, caughtUpMessage, entryTruth } from './entry-truth.ts';
import { directRecord } from './list-records.ts';
import { listByScans } from './list-scan.ts';

export async function getHistory(
  ctx: MongoContext,
  conversationId: string,
  beforeSeq: number | null,
  limit: number,
  viewerId?: string,
): Promise<Message[]> {
  if (isGroupId(conversationId)) return groupHistory(ctx, conversationId, beforeSeq, limit, viewerId);
  const filter: Filter<MessageDoc> = beforeSeq === null ? { conversationId } : { conversationId, seq: { $lt: beforeSeq } };
  const docs = await ctx.messages.find(filter).sort({ seq: -1 }).limit(limit).toArray();
  // The entries, not the documents, are the truth (entry-truth.ts): one more read per page.
  return (await caughtUp(ctx, docs.reverse(), viewerId === undefined ? [] : [viewerId])).map((d) => messageFor(d, viewerId));
}

/** One message by id (never a receipt or action entry), or null. */
export async function getMessage(ctx: MongoContext, messageId: string): Promise<Message | null> {
  const doc = await ctx.messages.findOne({ _id: messageId });
  if (!doc || !isMessageDoc(doc)) return null;
  return toMessage((await caughtUp(ctx, [doc], []))[0]!);
}

export async function listConversations(ctx: MongoContext, userId: string): Promise<ConversationRecord[]> {
  // FerretDB scans the collection for every read: there the list is read in two (list-scan.ts).
  const entries =
    ctx.server === 'ferretdb'
      ? await listByScans(ctx, userId)
      : await lastCaughtUp(ctx, (await Promise.all([directConversations(ctx, userId), groupConversations(ctx, userId)])).flat());
  return entries.sort((a, b) =>
    a.updatedAt !== b.updatedAt ? (a.updatedAt < b.updatedAt ? 1 : -1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

/**
 * The entries' last messages caught up with their log entries (entry-truth.ts), one read for the
 * list. On MongoDB a document is only behind after a node died between an entry and its update
 * (every update is atomic), so its unread counts, read from documents, are left as they are;
 * FerretDB's plan catches up every document it reads, unread ones included (list-scan.ts).
 */
async function lastCaughtUp(ctx: MongoContext, list: ConversationRecord[]): Promise<ConversationRecord[]> {
  const truth = await entryTruth(ctx, list.flatMap((c) => (c.lastMessage ? [c.lastMessage.id] : [])), []);
  return list.map((c) => (c.lastMessage ? { ...c, lastMessage: caughtUpMessage(c.lastMessage, truth.get(c.lastMessage.id)) } : c));
}

async function directConversations(ctx: MongoContext, userId: string): Promise<ConversationRecord[]> {
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

  // The newest message is at or above the pointer: a batch moves it after its insert, so it
  // may lag (or a crash may have left it behind), never lead.
  const tails = await ctx.messages
    .find({ $or: convs.map((c) => ({ conversationId: c._id, seq: { $gte: c.lastCommittedSeq ?? 1 } })) })
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
    list.push(directRecord(c, userId, lastMessage, unread.get(c._id) ?? 0));
  }
  return list;
}

/**
 * The user's changes after `position`, in change-log order. Positions become visible in
 * increasing order on every node (log-insert.ts), so handing out the last one read as the
 * cursor never skips a change that commits later: it will have a larger position.
 *
 * An entry is either a message (its creation) or a receipt entry (a status change). Entries
 * below the message's `lastChangePos` were superseded by a later one and are skipped (the
 * later one is further on), so a message appears once, at its latest change, as on SQLite;
 * the status handed out is the highest of the message's and the entry's (an entry may be
 * read before its status is applied to the message, receipts.ts). Skipped entries can thin
 * a read out, so it reads on until the page is full or the log ends.
 */
export async function changesSince(ctx: MongoContext, userId: string, position: number, limit: number, options: FeedOptions = {}): Promise<ChangePage> {
  const omitOwnDelivered = options.omitOwnDelivered === true;
  const page: Message[] = [];
  let cursor = position;
  let { periods, changes } = await periodsAndChanges(ctx, userId);
  for (;;) {
    await ctx.hooks.beforeFeedRead?.(userId);
    const found = await entriesAfter(ctx, userId, cursor, limit + 1, periods, omitOwnDelivered);
    const entries = found.sort((a, b) => a.changePos - b.changePos).slice(0, limit + 1);
    // A group period that opened (or closed) while the entries were read may start below
    // them: handing those out would move the cursor past that group's part. Read again.
    if (ctx.server === 'ferretdb') {
      // The one read of the entries also brought the user's membership changes after the cursor
      // (entriesAfter), as of the same instant. One the periods were not made of opened or closed
      // a period after they were read. One past the last entry read cannot matter: every message
      // of a period it opens, and every message after the removal it records, comes after it in
      // the log, so past this page. (On MongoDB the entries are several reads: the periods are read again.)
      if (found.some((d) => isChangeOf(d, userId) && !changes.has(changeKey(d)))) {
        ({ periods, changes } = await periodsAndChanges(ctx, userId));
        continue;
      }
    } else {
      // A change committed after this second read has a larger position than all read above.
      const after = await periodsByGroup(ctx, userId);
      if (!samePeriods(periods, after)) {
        periods = after;
        continue;
      }
    }
    for (const [entry, message] of await resolve(ctx, userId, omitOwnDelivered, entries.filter((d) => !isChangeOf(d, userId) || inPeriods(periods.get(d.conversationId) ?? [], d.seq)))) {
      // One more visible change after a full page: the next page is not empty.
      if (page.length === limit) return { messages: dedupe(page), position: cursor, hasMore: true };
      page.push(message);
      cursor = entry.changePos;
    }
    // Every entry read was handed out or superseded: the next read starts after all of them.
    if (entries.length > 0) cursor = entries[entries.length - 1]!.changePos;
    if (entries.length <= limit) return { messages: dedupe(page), position: cursor, hasMore: false };
  }
}

/** A system message that added or removed the user (or promoted them: `affects`, documents.ts). */
const isChangeOf = (d: LogDoc, userId: string): boolean => (d as MessageDoc).affects?.includes(userId) === true;

/** A message twice in one page (its creation and a receipt both current): once, at its latest state. */
function dedupe(page: Message[]): Message[] {
  const last = new Map(page.map((m, i) => [m.id, i]));
  return page.filter((m, i) => last.get(m.id) === i);
}

/**
 * The entries' messages in entry order, as `userId` sees them, superseded entries left out: a
 * receipt or action entry stands for its message (its status the higher of the entry's and the
 * message's, its content the newer of an action entry's and the message's: the entry may be read
 * before its update reached the message, action-apply.ts), with `hiddenAt` if the user hid it. The
 * user's own hide entries are never skipped: a hide moves no `lastChangePos` (others' feeds must
 * not skip for it), so a later change may have passed it before the hide reached the message.
 * With `omitOwnDelivered`, the user's incoming 1:1 messages are superseded by `lastRecipientPos`:
 * their `delivered` entries are not read (entriesAfter, the one place that leaves them out), so the
 * entry before stays theirs.
 */
async function resolve(ctx: MongoContext, userId: string, omitOwnDelivered: boolean, entries: readonly LogDoc[]): Promise<[LogDoc, Message][]> {
  const ids = [...new Set(entries.filter((e) => isReceipt(e) || isAction(e)).map((e) => (e as ReceiptDoc | ActionDoc).messageId))];
  const docs = new Map<string, MessageDoc>();
  for (const d of await findByIds(ctx, ctx.messages, ids)) docs.set(d._id, d);
  // Every message of the page caught up with its entries, one read (entry-truth.ts): a document a
  // concurrent FerretDB update set back would otherwise hand out an older content or status, or
  // skip the entry that is the message's latest (its `lastChangePos` set back too).
  for (const e of entries) if (!isReceipt(e) && !isAction(e) && !docs.has(e._id)) docs.set(e._id, e as MessageDoc);
  const truth = await entryTruth(ctx, [...docs.keys()], [userId]);
  for (const [id, d] of docs) docs.set(id, caughtUpDoc(d, truth.get(id)));
  const out: [LogDoc, Message][] = [];
  for (const e of entries) {
    if (isAction(e) && e.change === 'none') continue;
    const doc = docs.get(isReceipt(e) || isAction(e) ? e.messageId : e._id);
    if (!doc) continue;
    const ownHide = isAction(e) && e.change === 'hide';
    const ownFeed = omitOwnDelivered && doc.group === undefined && doc.recipientId === userId;
    const latest = ownFeed ? (doc.lastRecipientPos ?? doc.changePos) : (doc.lastChangePos ?? doc.changePos);
    if (!ownHide && e.changePos < latest) continue;
    const status = isReceipt(e) && STATUS_RANK[e.receipt] > STATUS_RANK[doc.status] ? e.receipt : doc.status;
    const hiddenAt = ownHide ? (hiddenAtOf(doc, userId) ?? e.createdAt) : null;
    out.push([e, messageFor({ ...doc, status }, userId, isAction(e) ? e.content : undefined, hiddenAt)]);
  }
  return out;
}

const STATUS_RANK: Record<MessageStatus, number> = { sent: 0, delivered: 1, read: 2 };

/**
 * At least the first `count` entries of the user after `position`, unordered, each once.
 * MongoDB: one range scan per side of 1:1 conversations, over the (senderId | recipientId,
 * changePos) indexes, and one per group over (group, changePos), kept to the user's periods;
 * each holds its first `count`, so their merge's first `count` are exact. FerretDB decodes
 * the whole collection for any filter, so one `$or` reads it once.
 */
async function entriesAfter(
  ctx: MongoContext,
  userId: string,
  position: number,
  count: number,
  periods: Parameters<typeof groupFeedFilters>[0],
  omitOwnDelivered: boolean,
): Promise<LogDoc[]> {
  const after = { changePos: { $gt: position } };
  // By recipient, only 1:1 entries match (a group message's recipient is the group): a delivered
  // receipt found there is the user's own.
  const incoming: Filter<LogDoc> = omitOwnDelivered ? { recipientId: userId, ...after, receipt: { $ne: 'delivered' } } : { recipientId: userId, ...after };
  const all: Filter<LogDoc>[] = [{ senderId: userId, ...after }, incoming, ...groupFeedFilters(periods, position)];
  // FerretDB: with the user's membership changes after the position, in the same read (changesSince).
  const filters = ctx.server === 'ferretdb' ? [{ $or: [...all, { affects: userId, ...after }] }] : all;
  const found = await Promise.all(filters.map((f) => ctx.log.find(f).sort({ changePos: 1 }).limit(count).toArray()));
  // A user's own group message (and its receipt entries) is found by sender and by group.
  return [...new Map(found.flat().map((d) => [d._id, d])).values()];
}
