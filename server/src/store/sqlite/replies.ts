import { PigeonError, replyRefOf, type ReplyRef } from '@pigeon/sync-protocol';
import type { GroupContext } from './groups.ts';
import { toMessage } from './rows.ts';

/**
 * SendRequest.replyTo on SQLite, resolved in the send's commit: the original must be a message
 * of the same conversation that the sender may read (in a group, a seq of one of their periods;
 * a 1:1 conversation is wholly theirs). The quote is the original as of this commit
 * (replyRefOf: preview '' once it is deleted for everyone; a reply to it is still stored).
 */
export function sqliteReplies({ gs }: Pick<GroupContext, 'gs'>) {
  return function resolveReply(replyTo: string | undefined, conversationId: string, senderUid: number): ReplyRef | PigeonError | null {
    if (replyTo === undefined) return null;
    const original = gs.messageById.get(replyTo);
    // Same answer for an unknown id, another conversation's and one the sender cannot see:
    // the reply must not tell whether a message exists outside their view.
    const refusal = new PigeonError('VALIDATION', 'replyTo: no such message in this conversation');
    if (!original || original.conversation_id !== conversationId) return refusal;
    if (original.recipient === 0) {
      const inPeriod = gs.periodsOf
        .all(original.cid, senderUid)
        .some((p) => p.from_seq <= original.seq && (p.to_seq === null || original.seq <= p.to_seq));
      if (!inPeriod) return refusal;
    }
    return replyRefOf(toMessage(original));
  };
}
