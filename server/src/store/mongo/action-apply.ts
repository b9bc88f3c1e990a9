import { withQuoteRemoved, type Message } from '@pigeon/sync-protocol';
import type { AnyBulkWriteOperation } from 'mongodb';
import { chunkedBulkWrite } from './bulk-write.ts';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import { searchDocOf, toMessage, type ContentDoc, type MessageDoc } from './documents.ts';
import { hiddenAtOf, isMessageDoc, quoteEntryId, versionOf, type ActionDoc } from './action-docs.ts';
import { commitSteps, type Step } from './action-steps.ts';
import { caughtUp } from './entry-truth.ts';

/**
 * Brings the message documents up to recorded entries (action-docs.ts): for each message its
 * highest content version, as `$max` of `content` (whose first key is `version`: a lower version
 * never replaces a higher one) and of `lastChangePos` (so changesSince skips every earlier entry of
 * the message); and the hides, as `$min` of `hidden.<userId>` (the first hide stays). A hide moves
 * no `lastChangePos`: the other members' feeds must not skip an entry for one only the hider sees.
 * One bulk write, each update filtered by `_id` alone: the one filter FerretDB passes down (a
 * conditional `{ _id, version }` update scanned the collection, ~0.4 s at 2,000 messages).
 *
 * On MongoDB each update is atomic. FerretDB updates are read-modify-write without concurrency
 * control: an update on another node (another action, a receipt) can land over this one with what
 * it read before. There the documents are read back (by `_id`) and what is missing written once
 * more; a concurrent update landing after that read can still undo it until the message changes
 * again (as for receipts, receipts.ts). Reads do not depend on it: they catch the documents up
 * with their entries (entry-truth.ts).
 */
export async function applyEntries(ctx: MongoContext, entries: readonly ActionDoc[]): Promise<void> {
  const top = new Map<string, ActionDoc>();
  const hides = new Map<string, ActionDoc>();
  for (const e of entries) {
    if (e.change === 'content') {
      const cur = top.get(e.messageId);
      if (!cur || e.content!.version > cur.content!.version) top.set(e.messageId, e);
    } else if (e.change === 'hide' && !hides.has(`${e.messageId}\n${e.actorId}`)) {
      hides.set(`${e.messageId}\n${e.actorId}`, e);
    }
  }
  const ops = (wanted: (id: string) => boolean): AnyBulkWriteOperation<MessageDoc>[] => [
    ...[...top.values()].filter((e) => wanted(e._id)).map((e) => ({
      updateOne: {
        filter: { _id: e.messageId },
        // Rebuilt so that `version` is the first key whatever order the entry was read in.
        // The search words follow the content by the same `$max` on version (documents.ts SearchDoc):
        // an edit re-indexes, a delete for everyone leaves none.
        update: { $max: { content: ordered(e.content!), lastChangePos: e.changePos, lastRecipientPos: e.changePos, search: searchDocOf(e.content!.version, e.content!.body, e.content!.deletedAt !== null) } },
      },
    })),
    ...[...hides.values()].filter((e) => wanted(e._id)).map((e) => ({
      updateOne: { filter: { _id: e.messageId }, update: { $min: { [`hidden.${e.actorId}`]: e.createdAt } } },
    })),
  ];
  const all = ops(() => true);
  if (all.length === 0) return;
  await chunkedBulkWrite(ctx.messages, all, { ordered: false });
  if (ctx.server !== 'ferretdb') return;
  const docs = new Map((await findByIds(ctx, ctx.messages, [...new Set(entries.map((e) => e.messageId))])).map((d) => [d._id, d]));
  const missing = new Set<string>();
  for (const e of top.values()) if (docs.has(e.messageId) && versionOf(docs.get(e.messageId)!) < e.content!.version) missing.add(e._id);
  for (const e of hides.values()) if (docs.has(e.messageId) && !hiddenAtOf(docs.get(e.messageId)!, e.actorId)) missing.add(e._id);
  const again = ops((id) => missing.has(id));
  if (again.length > 0) await chunkedBulkWrite(ctx.messages, again, { ordered: false });
}

/** The content with `version` as its first key (BSON's `$max` compares documents key by key). */
const ordered = (c: ContentDoc): ContentDoc => ({ version: c.version, body: c.body, replyTo: c.replyTo, reactions: c.reactions, editedAt: c.editedAt, deletedAt: c.deletedAt, attachments: c.attachments });

/**
 * A delete for everyone empties the quote of every reply to the deleted messages: each reply with
 * a preview gets a content entry (`q:<replyId>`, one version more) and its document is updated.
 * Found by the `replyTo.id` index (FerretDB: one scan for the whole batch). Runs after the
 * delete's entry is applied to its document, and a reply's send reads its original again after its
 * insert (replies.ts): whichever of the two comes second sees the other, so no reply to a deleted
 * message keeps its quote. Returns the emptied replies per deleted message, as everyone sees them.
 */
export async function emptyQuotes(ctx: MongoContext, deletes: readonly Pick<ActionDoc, 'messageId' | 'actorId' | 'createdAt'>[]): Promise<Map<string, Message[]>> {
  if (deletes.length === 0) return new Map();
  const ids = [...new Set(deletes.map((d) => d.messageId))];
  const replies = (await ctx.messages.find({ 'replyTo.id': ids.length === 1 ? ids[0]! : { $in: ids } }).toArray()).filter(isMessageDoc);
  const by = new Map(deletes.map((d) => [d.messageId, d]));
  // The quote as it is now (a reply deleted since has none).
  const quoting = replies.filter((r) => {
    const q = toMessage(r).replyTo;
    return q && q.preview !== '' && by.has(q.id);
  });
  return emptyQuotesOf(ctx, quoting, (r) => by.get(r.replyTo!.id)!);
}

/**
 * Empties the quotes of `replies` (documents as read), whose originals were deleted by `deleteOf`'s
 * actor at its time; per original, the replies emptied now.
 */
export async function emptyQuotesOf(
  ctx: MongoContext,
  replies: readonly MessageDoc[],
  deleteOf: (reply: MessageDoc) => Pick<ActionDoc, 'actorId' | 'createdAt'>,
): Promise<Map<string, Message[]>> {
  const out = new Map<string, Message[]>();
  if (replies.length === 0) return out;
  const docs = new Map(replies.map((r) => [r._id, r]));
  const steps: Step[] = replies.map((r) => ({
    entryId: quoteEntryId(r._id),
    messageId: r._id,
    actorId: deleteOf(r).actorId,
    action: 'quote',
    at: deleteOf(r).createdAt,
    recordNoop: false,
    decide: (state) => {
      const next = withQuoteRemoved(state);
      return next ? { next } : { none: true };
    },
  }));
  const { results, inserted, stored, raced } = await commitSteps(ctx, steps, docs, new Set());
  await applyEntries(ctx, [...inserted, ...stored]);
  results.forEach((r, i) => {
    if ('refused' in r || !r.applied || raced.has(i)) return;
    const originalId = replies[i]!.replyTo!.id;
    out.set(originalId, [...(out.get(originalId) ?? []), r.state]);
  });
  return out;
}

/** The current documents of `ids` as `viewerId` sees them (answers after a race; see commitSteps). */
export async function currentFor(ctx: MongoContext, ids: readonly string[], viewerId: string): Promise<Map<string, Message>> {
  const out = new Map<string, Message>();
  // Caught up with the entries: another node's update may have set the document back (entry-truth.ts).
  for (const d of await caughtUp(ctx, await findByIds(ctx, ctx.messages, ids), [])) {
    const hiddenAt = hiddenAtOf(d, viewerId);
    out.set(d._id, hiddenAt ? { ...toMessage(d), hiddenAt } : toMessage(d));
  }
  return out;
}
