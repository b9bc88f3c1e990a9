import { conversationPeer, PigeonError, type SendMessageInput } from '@pigeon/sync-protocol';
import type { Audience } from '../privacy/audience.ts';
import type { SendLimit } from '../limits/send-limit.ts';
import type { SendOutcome, SendRequest } from '../store/store.ts';
import type { UserDirectory } from '../users/user-directory.ts';
import type { Fanout } from './fanout.ts';
import type { SendBatcher } from './send-batcher.ts';

/**
 * The one send path for REST and socket. Per message: one rate-limit check,
 * one cached existence check, one slot in the next group commit. No DB read.
 *
 * Recipient errors (documented in server/src/README.md, "Error choices beyond the contract table"):
 *  - `to` is the sender        → VALIDATION "to: cannot send a message to yourself"
 *  - `to` is no registered user → NOT_FOUND  "to: no such user"
 *  - either has blocked the other → FORBIDDEN "to: blocked" (permanent for this message)
 * Both are permanent (PERMANENT_SEND_ERRORS), so a client won't retry them.
 */
export class SendService {
  constructor(
    private readonly deps: {
      batcher: SendBatcher<SendRequest, SendOutcome>;
      users: UserDirectory;
      rateLimiter: SendLimit;
      fanout: Fanout;
      audience: Audience;
    },
  ) {}

  /** Resolves once the message is committed (new or the stored duplicate). `input` is already schema-valid. */
  async send(senderId: string, input: SendMessageInput): Promise<SendOutcome> {
    await this.deps.rateLimiter.take(senderId);
    const to = input.to ?? conversationPeer(input.conversationId!, senderId);
    // Group conversations are not sendable here yet (#15): an id that names no direct conversation of the sender.
    if (to === null) throw new PigeonError('NOT_FOUND', 'conversationId: no such conversation');
    if (to === senderId) throw new PigeonError('VALIDATION', 'to: cannot send a message to yourself');
    if (!(await this.deps.users.exists(to))) throw new PigeonError('NOT_FOUND', 'to: no such user');
    // Either way: the blocked person cannot reach the blocker, and the blocker unblocks before writing again.
    if (await this.deps.audience.blocks.eitherWay(senderId, to)) throw new PigeonError('FORBIDDEN', 'to: blocked');
    return this.deps.batcher.enqueue({ senderId, recipientId: to, clientId: input.clientId, body: input.body });
  }

  /**
   * `new-message` to the recipient's sockets and the sender's other sockets.
   * Only for a newly created message: a repeated clientId was announced when it
   * was first stored (and anyone who missed that catches up through /api/sync).
   */
  announce(outcome: SendOutcome, exceptSocketId?: string): void {
    if (!outcome.created) return;
    const { message } = outcome;
    if (message.seq === 1) this.deps.audience.contacts.started(message.senderId, message.recipientId);
    this.deps.fanout.emit([message.recipientId, message.senderId], 'new-message', { message }, exceptSocketId);
  }
}
