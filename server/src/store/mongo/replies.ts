import { directConversationId, PigeonError, replyRefOf, type Message, type ReplyRef } from '@pigeon/sync-protocol';
import { sendKey } from '../send-key.ts';
import type { SendRequest } from '../store.ts';
import { emptyQuotesOf } from './action-apply.ts';
import { isMessageDoc } from './action-docs.ts';
import { findByIds } from './by-ids.ts';
import { caughtUp } from './entry-truth.ts';
import type { MongoContext } from './context.ts';
import { toMessage, type MessageDoc } from './documents.ts';
import { groupOfSend } from './group-sends.ts';
import { inPeriods, membershipDocs, periodsFrom, stateAt } from './group-state.ts';

/**
 * Replies of a send batch (SendRequest.replyTo): the originals are read once for the whole batch
 * (by `_id`). A reply must answer a message of its own conversation and, in a group, one of the
 * sender's periods; else the send is refused with VALIDATION and takes no seq. The stored
 * `replyTo` is the original's quote as of now (replyRefOf: empty once it is deleted for everyone).
 *
 * A group's periods are read only when the group's state as this process last saw it does not
 * already show the sender a member since before the original (a member since seq S has an open
 * period from S, which holds every seq from S on); whether the sender is a member at all is the
 * send's own check, in its insert (group-sends.ts).
 */
export async function quotesFor(ctx: MongoContext, sends: readonly SendRequest[]): Promise<{ refs: Map<string, ReplyRef>; refused: Map<string, PigeonError> }> {
  const refs = new Map<string, ReplyRef>();
  const refused = new Map<string, PigeonError>();
  const replies = sends.filter((r) => r.replyTo !== undefined);
  if (replies.length === 0) return { refs, refused };
  // Quoted as the entries say (entry-truth.ts): a document set back would quote an old body.
  const found = (await findByIds(ctx, ctx.messages, replies.map((r) => r.replyTo!))).filter(isMessageDoc);
  const originals = new Map((await caughtUp(ctx, found, [])).map((d) => [d._id, d]));
  await Promise.all(
    replies.map(async (r) => {
      const original = originals.get(r.replyTo!);
      const ok = original !== undefined && (await answerable(ctx, r, original));
      if (ok) refs.set(sendKey(r), replyRefOf(toMessage(original)));
      else refused.set(sendKey(r), new PigeonError('VALIDATION', 'replyTo: no such message in this conversation'));
    }),
  );
  return { refs, refused };
}

async function answerable(ctx: MongoContext, r: SendRequest, original: MessageDoc): Promise<boolean> {
  const group = groupOfSend(r);
  if (group === null) return original.group === undefined && original.conversationId === directConversationId(r.senderId, r.recipientId);
  if (original.conversationId !== group) return false;
  const state = await stateAt(ctx, group, (await ctx.numbering.nextSeq(group)) - 1);
  const me = state?.members.find((m) => m.userId === r.senderId);
  if (me && me.sinceSeq <= original.seq) return true;
  return inPeriods(periodsFrom(await membershipDocs(ctx, r.senderId, group)), original.seq);
}

/**
 * After the replies of a batch are inserted, their originals are read again: one deleted for
 * everyone since it was quoted (on another node: in one process the write lane keeps actions
 * and sends apart) had its replies looked up before this one existed, so its quote is emptied
 * here (action-apply.ts `emptyQuotes`, which runs after the delete: whichever runs second sees
 * the other). Returns the replies whose quote was emptied, as stored now.
 */
export async function requoteLateDeletes(ctx: MongoContext, inserted: readonly MessageDoc[]): Promise<Message[]> {
  const quoting = inserted.filter((d) => d.replyTo && d.replyTo.preview !== '');
  if (quoting.length === 0) return [];
  // A delete set back on its document by a concurrent update is still a delete (entry-truth.ts).
  const found = (await findByIds(ctx, ctx.messages, quoting.map((d) => d.replyTo!.id))).filter(isMessageDoc);
  const originals = new Map((await caughtUp(ctx, found, [])).map((d) => [d._id, d]));
  const deletedAt = (d: MessageDoc) => {
    const original = originals.get(d.replyTo!.id);
    return original ? toMessage(original).deletedAt : null;
  };
  const late = quoting.filter((d) => deletedAt(d));
  if (late.length === 0) return [];
  const emptied = await emptyQuotesOf(ctx, late, (d) => {
    const original = originals.get(d.replyTo!.id)!;
    return { actorId: original.senderId, createdAt: deletedAt(d)! };
  });
  return [...emptied.values()].flat();
}
