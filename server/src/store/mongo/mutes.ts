import type { MuteRecord } from '../store.ts';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import { upsertById } from './errors.ts';

/**
 * Per-chat mutes (notification-records.ts), collection `conversation_mutes`: one document per
 * (user, conversation), `_id` `<userId>:<conversationId>` (user ids have no ':'), replaced by
 * each change. An upsert by `_id` is a write FerretDB 1.x does by its index; the last write wins.
 */
export interface MuteDoc {
  _id: string;
  userId: string;
  conversationId: string;
  muted: boolean;
  changedAt: string;
}

const muteId = (userId: string, conversationId: string): string => `${userId}:${conversationId}`;

export async function setMute(ctx: MongoContext, userId: string, conversationId: string, muted: boolean, at: string): Promise<MuteRecord> {
  const doc: MuteDoc = { _id: muteId(userId, conversationId), userId, conversationId, muted, changedAt: at };
  await upsertById(() => ctx.mutes.replaceOne({ _id: doc._id }, doc, { upsert: true }));
  return toRecord(doc);
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
