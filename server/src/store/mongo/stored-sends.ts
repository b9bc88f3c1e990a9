import { PigeonError } from '@pigeon/sync-protocol';
import { sendKey } from '../send-key.ts';
import type { MongoContext } from './context.ts';
import type { MessageDoc } from './documents.ts';
import { messageIdFor } from './message-id.ts';

/**
 * The stored messages among the sends (resends, or a clientId raced by another node), by
 * their derived `_id`s: one indexed `$in` on MongoDB.
 */
export async function findBySendKeys(
  ctx: MongoContext,
  sends: readonly { senderId: string; clientId: string }[],
): Promise<MessageDoc[]> {
  if (sends.length === 0) return [];
  const ids = sends.map((r) => messageIdFor(r.senderId, r.clientId));
  const docs = await ctx.messages.find({ _id: ids.length === 1 ? ids[0]! : { $in: ids } }).toArray();
  return ownCopies(sends, docs);
}

/** `docs`, found by the sends' derived `_id`s, after checking each is the copy of one of them (INTERNAL otherwise). */
export function ownCopies<D extends MessageDoc>(sends: readonly { senderId: string; clientId: string }[], docs: D[]): D[] {
  const asked = new Set(sends.map(sendKey));
  const strangers = docs.filter((d) => !asked.has(sendKey(d)));
  if (strangers.length > 0) {
    throw new PigeonError('INTERNAL', 'message id collision', { messageIds: strangers.map((d) => d._id) });
  }
  return docs;
}
