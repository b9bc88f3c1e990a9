import { stampAfter } from '../notification-records.ts';
import type { MuteRecord } from '../store.ts';
import { findByIds } from './by-ids.ts';
import { casRounds, LOST_ROUND } from './cas-rounds.ts';
import type { MongoContext } from './context.ts';
import { isDuplicateKey } from './errors.ts';

/**
 * Per-chat mutes (notification-records.ts), collection `conversation_mutes`: one document per
 * (user, conversation), `_id` `<userId>:<conversationId>` (user ids have no ':'), replaced by
 * each change. Writes by `_id`, which FerretDB 1.x does by its index.
 */
export interface MuteDoc {
  _id: string;
  userId: string;
  conversationId: string;
  muted: boolean;
  changedAt: string;
}

const muteId = (userId: string, conversationId: string): string => `${userId}:${conversationId}`;

/**
 * Compare-and-set on the stamp it replaces, so the new stamp follows it (`stampAfter`) even when
 * another node writes the record at once: a replace that finds the stamp changed, or an insert
 * refused as a duplicate (the first mute of the chat, made on two nodes at once), reads and tries
 * again (`casRounds`). On FerretDB the replace is not atomic (two can match one stale stamp), so
 * there the whole set runs alone (the sessions' lock).
 */
export async function setMute(ctx: MongoContext, userId: string, conversationId: string, muted: boolean, at: string): Promise<MuteRecord> {
  const _id = muteId(userId, conversationId);
  return casRounds(ctx, `the mute of ${conversationId}`, async () => {
    const previous = await ctx.mutes.findOne({ _id });
    const doc: MuteDoc = { _id, userId, conversationId, muted, changedAt: stampAfter(at, previous?.changedAt) };
    if (previous) return (await ctx.mutes.replaceOne({ _id, changedAt: previous.changedAt }, doc)).matchedCount === 1 ? toRecord(doc) : LOST_ROUND;
    try {
      await ctx.mutes.insertOne(doc);
      return toRecord(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return LOST_ROUND;
    }
  });
}

export async function mutesOf(ctx: MongoContext, userId: string): Promise<MuteRecord[]> {
  return (await ctx.mutes.find({ userId }).toArray()).map(toRecord);
}

/**
 * Those of `userIds` who muted the conversation: by `_id`, one per recipient (a message's
 * recipients are a chat's members), on FerretDB one indexed read each while they are few.
 */
export async function mutedAmong(ctx: MongoContext, conversationId: string, userIds: readonly string[]): Promise<string[]> {
  const docs = await findByIds(ctx, ctx.mutes, userIds.map((u) => muteId(u, conversationId)));
  return docs.filter((d) => d.muted).map((d) => d.userId);
}

const toRecord = (d: MuteDoc): MuteRecord => ({ userId: d.userId, conversationId: d.conversationId, muted: d.muted, changedAt: d.changedAt });
