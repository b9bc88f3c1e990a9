import type { Message, MessageStatus } from '@pigeon/sync-protocol';
import type { Filter } from 'mongodb';
import type { MongoContext } from './context.ts';
import { upsertById } from './errors.ts';
import type { ActionDoc } from './action-docs.ts';
import { toMessage, type LogDoc, type MessageDoc, type ReceiptDoc } from './documents.ts';

/**
 * The log entries are the truth about a message's content, hides and status; its document is a
 * cache of them (action-apply.ts, receipts.ts). The cache can be behind: a node died between an
 * entry and its document update, or, on FerretDB, whose updates are read-modify-write of the whole
 * document without concurrency control, an update of the same document on another node (a
 * receipt, an action, a hide) wrote back what it had read before and undid the other one. Nothing
 * marks such a document as behind (the undoing write also brings back the old `lastChangePos`), so
 * every read that returns messages corrects its documents from their entries, with one read per
 * call whatever the number of messages: `{ messageId: $in }` over the `messageId` index on MongoDB
 * (a few entries per message), one scan on FerretDB (as every filter but a plain `_id`).
 */

/**
 * Documents fall behind their entries only once actions exist: an action's document update is what
 * a FerretDB receipt update can undo and the reverse (before #16 a document was written by its
 * receipts alone, and reads took it as it was). So the entries are read only once the database
 * holds an action: the first action of every process writes the `meta` marker below before its
 * entry, and a read checks the marker by `_id` (cheap on FerretDB too) until it has seen it once.
 * A database without actions costs no extra read at all (the 2-node chaos runs without actions
 * settled as before #16 then; every read was one scan slower with the entries read always).
 */
const ACTIONS_MARKER = 'actions-exist';

/** Before an action's entry is inserted: from now on, reads correct documents from entries. */
export async function markActionsExist(ctx: MongoContext): Promise<void> {
  if (ctx.actionsMarked) return;
  // The upsert takes its _id from the filter; `$setOnInsert` of another field keeps the update valid on MongoDB too.
  await upsertById(() => ctx.meta.updateOne({ _id: ACTIONS_MARKER }, { $setOnInsert: { since: new Date().toISOString() } }, { upsert: true }));
  ctx.actionsMarked = true;
}

async function actionsExist(ctx: MongoContext): Promise<boolean> {
  if (ctx.actionsMarked) return true;
  if (await ctx.meta.findOne({ _id: ACTIONS_MARKER })) ctx.actionsMarked = true;
  return ctx.actionsMarked;
}

/** What the entries of one message say, as far as it is ahead of any document. */
interface Truth {
  content?: NonNullable<MessageDoc['content']>;
  status?: Exclude<MessageStatus, 'sent'>;
  deliveredAt?: string;
  readAt?: string;
  /** Of the viewers asked for only. */
  hidden: Record<string, string>;
  /** The newest content or receipt entry: those move `lastChangePos` (a hide does not). */
  lastChangePos: number;
  /** The newest content or read entry: those move `lastRecipientPos` (documents.ts). */
  lastRecipientPos: number;
}

const RANK: Record<MessageStatus, number> = { sent: 0, delivered: 1, read: 2 };

/**
 * The content, status and `viewers`' hides that the entries of these messages record: one read
 * (none for no ids). Only message documents carry no `messageId`, so the filter reads entries only.
 */
export async function entryTruth(ctx: MongoContext, messageIds: readonly string[], viewers: readonly string[]): Promise<Map<string, Truth>> {
  const ids = [...new Set(messageIds)];
  const out = new Map<string, Truth>();
  if (ids.length === 0 || !(await actionsExist(ctx))) return out;
  const who = [...new Set(viewers)];
  const or: Filter<LogDoc>[] = [{ change: 'content' }, { kind: 'receipt' }];
  if (who.length > 0) or.push({ change: 'hide', actorId: who.length === 1 ? who[0]! : { $in: who } });
  const entries = (await ctx.log
    .find({ messageId: ids.length === 1 ? ids[0]! : { $in: ids }, $or: or } as Filter<LogDoc>, {
      projection: { messageId: 1, kind: 1, change: 1, actorId: 1, content: 1, receipt: 1, createdAt: 1, changePos: 1 },
    })
    .toArray()) as (ActionDoc | ReceiptDoc)[];
  for (const e of entries) {
    let t = out.get(e.messageId);
    if (!t) out.set(e.messageId, (t = { hidden: {}, lastChangePos: 0, lastRecipientPos: 0 }));
    if (e.kind === 'receipt') {
      if (!t.status || RANK[e.receipt] > RANK[t.status]) t.status = e.receipt;
      // A read is a delivery too (a client may send only the read): both times are kept as logged.
      if (e.receipt === 'delivered') t.deliveredAt = e.createdAt;
      else t.readAt = e.createdAt;
      t.lastChangePos = Math.max(t.lastChangePos, e.changePos);
      if (e.receipt === 'read') t.lastRecipientPos = Math.max(t.lastRecipientPos, e.changePos);
    } else if (e.change === 'content') {
      if (!t.content || e.content!.version > t.content.version) t.content = e.content!;
      t.lastChangePos = Math.max(t.lastChangePos, e.changePos);
      t.lastRecipientPos = Math.max(t.lastRecipientPos, e.changePos);
    } else if (e.change === 'hide') {
      // The first hide stays (as `$min` on the document).
      const cur = t.hidden[e.actorId];
      if (cur === undefined || e.createdAt < cur) t.hidden[e.actorId] = e.createdAt;
    }
  }
  return out;
}

/** The document with whatever its entries record beyond it (it unchanged when it is up to date). */
export function caughtUpDoc(doc: MessageDoc, t: Truth | undefined): MessageDoc {
  if (!t) return doc;
  let d = doc;
  if (t.content && t.content.version > (doc.content?.version ?? 0)) d = { ...d, content: t.content };
  if (t.status && RANK[t.status] > RANK[doc.status]) {
    d = { ...d, status: t.status };
    if (t.deliveredAt && !d.deliveredAt) d.deliveredAt = t.deliveredAt;
    if (t.readAt && !d.readAt) d.readAt = t.readAt;
  }
  const hides = Object.entries(t.hidden).filter(([u, at]) => !doc.hidden?.[u] || at < doc.hidden[u]!);
  if (hides.length > 0) d = { ...d, hidden: { ...doc.hidden, ...Object.fromEntries(hides) } };
  if (t.lastChangePos > (doc.lastChangePos ?? doc.changePos)) d = { ...d, lastChangePos: t.lastChangePos };
  if (t.lastRecipientPos > (doc.lastRecipientPos ?? doc.changePos)) d = { ...d, lastRecipientPos: t.lastRecipientPos };
  return d;
}

/** `docs` (message documents) caught up with their entries, in the same order: one read. */
export async function caughtUp(ctx: MongoContext, docs: readonly MessageDoc[], viewers: readonly string[]): Promise<MessageDoc[]> {
  if (docs.length === 0) return [];
  const truth = await entryTruth(ctx, docs.map((d) => d._id), viewers);
  return docs.map((d) => caughtUpDoc(d, truth.get(d._id)));
}

/**
 * Messages already built from documents (a conversation list's last messages) caught up with
 * `truth`: the newer content and the higher status. No `hiddenAt`: list entries carry none.
 */
export function caughtUpMessage(m: Message, t: Truth | undefined): Message {
  if (!t) return m;
  let out = m;
  if (t.content && t.content.version > (m.version ?? 0)) {
    const { version, body, replyTo, reactions, editedAt, deletedAt, attachments } = toMessage({ ...asDoc(m), content: t.content });
    out = { ...out, version, body, replyTo, reactions, editedAt, deletedAt, attachments };
  }
  if (t.status && RANK[t.status] > RANK[m.status]) out = { ...out, status: t.status };
  return out;
}

/** Enough of a document for toMessage to read a content from. */
const asDoc = (m: Message): MessageDoc =>
  ({ _id: m.id, clientId: m.clientId, conversationId: m.conversationId, senderId: m.senderId, recipientId: m.recipientId, body: m.body, seq: m.seq, createdAt: m.createdAt, status: m.status, changePos: 0 }) as MessageDoc;
