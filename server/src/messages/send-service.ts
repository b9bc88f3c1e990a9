import { conversationPeer, parseOrThrow, PigeonError, SEND_BATCH, sendMessageInputSchema, withMessageDefaults, type Message, type SendMessageInput } from '@pigeon/sync-protocol';
import { isGroupId } from '../groups/memberships.ts';
import type { Audience } from '../privacy/audience.ts';
import type { SendLimit } from '../limits/send-limit.ts';
import type { SendOutcome, SendRequest, StoredOutcome } from '../store/store.ts';
import type { UserDirectory } from '../users/user-directory.ts';
import type { Fanout } from './fanout.ts';
import type { SendBatcher } from './send-batcher.ts';
import { SendsInFlight } from './sends-in-flight.ts';

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
  /** This node's sends still queued or committing: a re-send waits for its first copy (sends-in-flight.ts). */
  private readonly inFlight = new SendsInFlight();

  constructor(
    private readonly deps: {
      batcher: SendBatcher<SendRequest, SendOutcome>;
      users: UserDirectory;
      rateLimiter: SendLimit;
      fanout: Fanout;
      audience: Audience;
      /** Messages one batched send may store (SEND_BATCH_MAX, at most SEND_BATCH.maxItems); the rest go unanswered. */
      batchMax?: number;
      /**
       * A new message was stored (Web Push, push/notifier.ts), with a group message's `viewers` when
       * the store gave them. Called from announce, so after the commit and, on a socket, after the
       * ack; it must return at once (the notifier only queues).
       */
      onStored?: (message: Message, viewers?: readonly string[]) => void;
      /** The first message between two people was stored: they are each other's contacts now (presence.ts `introduced`). */
      onContactsStarted?: (a: string, b: string) => void;
    },
  ) {}

  /**
   * Resolves once the message is committed (new or the stored duplicate); throws the store's
   * refusal of a group send (FORBIDDEN: not a member at commit; NOT_FOUND: no such group).
   * `input` is already schema-valid.
   */
  async send(senderId: string, input: SendMessageInput): Promise<StoredOutcome> {
    await this.deps.rateLimiter.take(senderId);
    // Sent again while its first copy is still queued here: that copy's answer (sends-in-flight.ts).
    const first = this.inFlight.first(senderId, input.clientId);
    if (first) return answered(await first);
    return this.commit(await this.request(senderId, input));
  }

  /**
   * A batched send (`send-messages`, `POST /api/messages/batch`; sync-protocol events/send-batch.ts):
   * answers a prefix of `items` in order, each result a stored message or a refusal. Each message is
   * checked like `send` (one rate-limit slot each, in order); the first one the server cannot take
   * for now (RATE_LIMITED, a failed commit) ends the answer, and none after it is stored: the
   * accepted ones go to ONE run of the group commit (send-batcher.ts `enqueueRun`), which stores a
   * prefix of them. A refusal for good (bad shape, no such user, blocked, not a member) is that
   * message's result and the next ones go on, as a client sending one by one would skip it.
   * At most `maxItems` are handled (SEND_BATCH_MAX); the client sends the rest again.
   */
  async sendBatch(senderId: string, items: readonly unknown[]): Promise<BatchAnswer[]> {
    const maxItems = this.deps.batchMax ?? SEND_BATCH.maxItems;
    const answers: (BatchAnswer | null)[] = []; // null: accepted, answered by the commit below
    const accepted: { index: number; request: SendRequest }[] = [];
    for (const item of items.slice(0, maxItems)) {
      let input: SendMessageInput;
      try {
        input = parseOrThrow(sendMessageInputSchema, item);
      } catch (e) {
        answers.push({ refused: e as PigeonError });
        continue;
      }
      try {
        await this.deps.rateLimiter.take(senderId);
      } catch (e) {
        answers.push({ failed: e });
        break;
      }
      try {
        accepted.push({ index: answers.length, request: await this.request(senderId, input) });
        answers.push(null);
      } catch (e) {
        if (!(e instanceof PigeonError)) throw e;
        answers.push({ refused: e });
      }
    }
    const outcomes = await Promise.allSettled(this.outcomesOf(accepted.map((a) => a.request)));
    let end = answers.length;
    outcomes.forEach((o, i) => {
      const { index } = accepted[i]!;
      if (o.status === 'rejected') {
        answers[index] = { failed: o.reason };
        end = Math.min(end, index + 1);
      } else if (o.value.refused) answers[index] = { refused: o.value.refused };
      else answers[index] = { ...o.value, message: withMessageDefaults(o.value.message) };
    });
    return answers.slice(0, end) as BatchAnswer[];
  }

  /** The store request for a schema-valid send; throws the refusals decided before the commit (see the class comment). */
  private async request(senderId: string, input: SendMessageInput): Promise<SendRequest> {
    if (input.conversationId !== undefined && isGroupId(input.conversationId)) {
      // Membership is the store's to decide, in the commit (a send racing the sender's removal is
      // ordered before it or refused). Blocks do not apply in groups (docs/api.md, "Groups").
      const id = input.conversationId;
      return { senderId, recipientId: id, conversationId: id, clientId: input.clientId, body: input.body, replyTo: input.replyTo, ...attachmentIdsOf(input) };
    }
    const to = input.to ?? conversationPeer(input.conversationId!, senderId);
    // Neither a group nor a direct conversation of the sender.
    if (to === null) throw new PigeonError('NOT_FOUND', 'conversationId: no such conversation');
    if (to === senderId) throw new PigeonError('VALIDATION', 'to: cannot send a message to yourself');
    if (!(await this.deps.users.exists(to))) throw new PigeonError('NOT_FOUND', 'to: no such user');
    // Either way: the blocked person cannot reach the blocker, and the blocker unblocks before writing again.
    if (await this.deps.audience.blocks.eitherWay(senderId, to)) throw new PigeonError('FORBIDDEN', 'to: blocked');
    return { senderId, recipientId: to, clientId: input.clientId, body: input.body, replyTo: input.replyTo, ...attachmentIdsOf(input) };
  }

  /**
   * One slot in the group commit. `replyTo` is checked there (same conversation, in the sender's
   * periods: else VALIDATION). The answer carries every v2 field, whatever the store left out
   * (withMessageDefaults), since the ack, the REST answer and `new-message` all send it as it is.
   */
  private async commit(request: SendRequest): Promise<StoredOutcome> {
    return answered(await this.inFlight.track(request.senderId, request.clientId, this.deps.batcher.enqueue(request)));
  }

  /**
   * A batch's accepted messages as one run of the group commit (enqueueRun: it stores a prefix).
   * When the batch starts with messages whose first copies are still queued here (a client sending
   * its outbox's head again after an ack timeout), those wait for their copies, and the rest go to
   * the commit once they are stored, or not at all if one failed: still a prefix, and nothing
   * overtakes a message queued before it. Copies anywhere else in the batch: every message is
   * queued as before (the store answers a repeated clientId with the stored message).
   */
  private outcomesOf(requests: readonly SendRequest[]): Promise<SendOutcome>[] {
    const track = (r: SendRequest, outcome: Promise<SendOutcome>) => this.inFlight.track(r.senderId, r.clientId, outcome);
    const queued = requests.map((r) => this.inFlight.has(r.senderId, r.clientId));
    const lead = queued.indexOf(false) === -1 ? requests.length : queued.indexOf(false);
    if (lead === 0 || queued.slice(lead).some(Boolean)) {
      const outcomes = this.deps.batcher.enqueueRun(requests);
      return outcomes.map((o, i) => track(requests[i]!, o));
    }
    const firsts = requests.slice(0, lead).map((r) => this.inFlight.first(r.senderId, r.clientId)!);
    const rest = requests.slice(lead);
    if (rest.length === 0) return firsts;
    const run = Promise.allSettled(firsts).then((settled) => {
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      return failed ? rest.map(() => Promise.reject<SendOutcome>(failed.reason)) : this.deps.batcher.enqueueRun(rest);
    });
    return [...firsts, ...rest.map((r, i) => track(r, run.then((outcomes) => outcomes[i]!)))];
  }

  /**
   * `new-message` to the recipient's sockets and the sender's other sockets; for a group, to
   * every member's sockets but the sending one: the members the commit read (the outcome's
   * `viewers`, to their user rooms), not the group's room. A room is kept by notices between
   * nodes, and a node that died between committing a removal and sending its notice left the
   * removed member's sockets in it elsewhere (docs/reliability.md, C10). The room only for an
   * outcome without them (a store that does not say).
   * Only for a newly created message: a repeated clientId was announced when it
   * was first stored (and anyone who missed that catches up through /api/sync).
   */
  announce(outcome: StoredOutcome, exceptSocketId?: string): void {
    if (!outcome.created) return;
    const { message } = outcome;
    this.deps.onStored?.(message, outcome.viewers);
    if (isGroupId(message.conversationId)) {
      if (outcome.viewers) this.deps.fanout.emit(outcome.viewers, 'new-message', { message }, exceptSocketId);
      else this.deps.fanout.toConversation(message.conversationId, 'new-message', { message }, { socketId: exceptSocketId });
      return;
    }
    if (message.seq === 1) {
      this.deps.audience.contacts.started(message.senderId, message.recipientId);
      this.deps.onContactsStarted?.(message.senderId, message.recipientId);
    }
    this.deps.fanout.emit([message.recipientId, message.senderId], 'new-message', { message }, exceptSocketId);
  }
}

/**
 * One message's answer in a batched send: stored (new or before), refused for good, or failed for
 * now (RATE_LIMITED, a store failure: the last answer of a batch, the message is not stored).
 */
export type BatchAnswer = StoredOutcome | { refused: PigeonError } | { failed: unknown };

/** A stored send's answer, with every v2 field whatever the store left out; throws the store's refusal. */
function answered(outcome: SendOutcome): StoredOutcome {
  if (outcome.refused) throw outcome.refused;
  return { ...outcome, message: withMessageDefaults(outcome.message) };
}

/** `attachmentIds` for the store, only when the send has some (a send without keeps its old shape). */
function attachmentIdsOf(input: SendMessageInput): Pick<SendRequest, 'attachmentIds'> {
  return input.attachmentIds && input.attachmentIds.length > 0 ? { attachmentIds: input.attachmentIds } : {};
}
