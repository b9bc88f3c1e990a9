/**
 * Who may read an attachment's bytes (contract v2, "Attachments"):
 *  - its uploader, always (sent or not);
 *  - once a message carries it (`holder`): in a 1:1 conversation, either participant; in a
 *    group, a member one of whose membership periods holds the message's seq (someone added
 *    later, or who left before it, does not see it — as with the message itself);
 *  - nobody once it is deleted (its message deleted for everyone) or unknown: NOT_FOUND.
 * Anyone else: FORBIDDEN.
 */
import { conversationMembers, PigeonError } from '@pigeon/sync-protocol';
import { isGroupId, periodHolds } from '../groups/memberships.ts';
import type { AttachmentRecord, Store } from '../store/store.ts';

export type AccessStore = Pick<Store, 'getAttachment' | 'memberPeriods'>;

/** The record when `userId` may read it; throws NOT_FOUND or FORBIDDEN. */
export async function readableAttachment(store: AccessStore, userId: string, id: string): Promise<AttachmentRecord> {
  const record = await store.getAttachment(id);
  if (!record || record.deletedAt !== null) throw new PigeonError('NOT_FOUND', 'no such attachment');
  if (record.uploaderId === userId) return record;
  const holder = record.holder;
  if (holder === null) throw new PigeonError('FORBIDDEN', 'not yours');
  if (isGroupId(holder.conversationId)) {
    const periods = await store.memberPeriods(holder.conversationId, userId);
    if (periods.some((p) => periodHolds(p, holder.seq))) return record;
  } else if (conversationMembers(holder.conversationId)?.includes(userId)) {
    return record;
  }
  throw new PigeonError('FORBIDDEN', 'not in its conversation');
}
