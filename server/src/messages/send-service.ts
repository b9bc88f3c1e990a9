import { conversationPeer, PigeonError, withMessageDefaults, type Message, type SendMessageInput } from '@pigeon/sync-protocol';
import { isGroupId } from '../groups/memberships.ts';
import type { Audience } from '../privacy/audience.ts';
import type { SendLimit } from '../limits/send-limit.ts';
import type { SendOutcome, SendRequest, StoredOutcome } from '../store/store.ts';
import type { UserDirectory } from '../users/user-directory.ts';
import type { Fanout } from './fanout.ts';
import type { SendBatcher } from './send-batcher.ts';

/**
 * The one send path for REST and socket. Per message: one rate-limit check,
 * one cached existence check, one slot in the next group commit. No DB read.
 *
 * `replyTo` and `attachmentIds` (v2) are passed to the store, which checks them in the commit
 * (SendRequest): an id that is not the sender's own upload, deleted or carried already → VALIDATION,
 * nothing stored (the same answer whether or not the id exists, so a forged id reveals nothing).
 *
 * Recipient errors (documented in server/src/README.md, "Error choices beyond the contract table"):
 *  - `to` is the sender        → VALIDATION "to: cannot send a message to yourself"
 *  - `to` is no registered user → NOT_FOUND  "to: no such user"
 *  - either has blocked the other → FORBIDDEN "to: blocked" (permanent for this message)
 *  - `conversationId` of a group the sender is not a member of (at commit) → FORBIDDEN;
 *    of no group and no direct conversation of the sender → NOT_FOUND
 * All are permanent (PERMANENT_SEND_ERRORS), so a client won't retry them.
 */
export class SendService {
  constructor(
    private readonly deps: {
      batcher: SendBatcher<SendRequest, SendOutcome>;
      users: UserDirectory;
      rateLimiter: SendLimit;
      fanout: Fanout;
      audience: Audience;
      /**
       * A new message was stored (Web Push, push/notifier.ts). Called from announce, so after the
       * commit and, on a socket, after the ack; it must return at once (the notifier only queues).
       */
      onStored?: (message: Message) => void;
    },
  ) {}

  /**
   * Resolves once the message is committed (new or the stored duplicate); throws the store's
   * refusal of a group send (FORBIDDEN: not a member at commit; NOT_FOUND: no such group).
   * `input` is already schema-valid.
   */
  async send(senderId: string, input: SendMessageInput): Promise<StoredOutcome> {
    await this.deps.rateLimiter.take(senderId);
    if (input.conversationId !== undefined && isGroupId(input.conversationId)) {
      // Membership is the store's to decide, in the commit (a send racing the sender's removal is
      // ordered before it or refused). Blocks do not apply in groups (docs/api.md, "Groups").
      const id = input.conversationId;
      return this.commit({ senderId, recipientId: id, conversationId: id, clientId: input.clientId, body: input.body, replyTo: input.replyTo, ...attachmentIdsOf(input) });
    }
    const to = input.to ?? conversationPeer(input.conversationId!, senderId);
    // Neither a group nor a direct conversation of the sender.
    if (to === null) throw new PigeonError('NOT_FOUND', 'conversationId: no such conversation');
    if (to === senderId) throw new PigeonError('VALIDATION', 'to: cannot send a message to yourself');
    if (!(await this.deps.users.exists(to))) throw new PigeonError('NOT_FOUND', 'to: no such user');
    // Either way: the blocked person cannot reach the blocker, and the blocker unblocks before writing again.
    if (await this.deps.audience.blocks.eitherWay(senderId, to)) throw new PigeonError('FORBIDDEN', 'to: blocked');
    return this.commit({ senderId, recipientId: to, clientId: input.clientId, body: input.body, replyTo: input.replyTo, ...attachmentIdsOf(input) });
  }

  /**
   * One slot in the group commit. `replyTo` is checked there (same conversation, in the sender's
   * periods: else VALIDATION). The answer carries every v2 field, whatever the store left out
   * (withMessageDefaults), since the ack, the REST answer and `new-message` all send it as it is.
   */
  private async commit(request: SendRequest): Promise<StoredOutcome> {
    const outcome = await this.deps.batcher.enqueue(request);
    if (outcome.refused) throw outcome.refused;
    return { ...outcome, message: withMessageDefaults(outcome.message) };
  }

  /**
   * `new-message` to the recipient's sockets and the sender's other sockets; for a group, to
   * every member's sockets (the group's room, group-rooms.ts) but the sending one.
   * Only for a newly created message: a repeated clientId was announced when it
   * was first stored (and anyone who missed that catches up through /api/sync).
   */
  announce(outcome: StoredOutcome, exceptSocketId?: string): void {
    if (!outcome.created) return;
    const { message } = outcome;
    this.deps.onStored?.(message);
    if (isGroupId(message.conversationId)) {
      this.deps.fanout.toConversation(message.conversationId, 'new-message', { message }, { socketId: exceptSocketId });
      return;
    }
    if (message.seq === 1) this.deps.audience.contacts.started(message.senderId, message.recipientId);
    this.deps.fanout.emit([message.recipientId, message.senderId], 'new-message', { message }, exceptSocketId);
  }
}

/** `attachmentIds` for the store, only when the send has some (a send without keeps its old shape). */
function attachmentIdsOf(input: SendMessageInput): Pick<SendRequest, 'attachmentIds'> {
  return input.attachmentIds && input.attachmentIds.length > 0 ? { attachmentIds: input.attachmentIds } : {};
}
