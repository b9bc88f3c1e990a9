import {
  conversationMembers,
  conversationPeer,
  PigeonError,
  withMessageDefaults,
  type Message,
  type MessageAction,
  type MessageActionKind,
} from '@pigeon/sync-protocol';
import { isGroupId } from '../groups/memberships.ts';
import type { SendLimit } from '../limits/send-limit.ts';
import type { BlockList } from '../privacy/blocks.ts';
import type { ActionOutcome, ActionRequest, AppliedAction, GroupRecord, Store } from '../store/store.ts';
import type { Fanout } from './fanout.ts';
import type { SendBatcher } from './send-batcher.ts';
import { groupViewers } from './update-audience.ts';

/** An accepted action: the message as the actor sees it now, and what else the commit changed. */
export type ActionResult = AppliedAction & { kind: MessageActionKind };

/**
 * The one path of message actions (contract v2: react, edit, delete for everyone; extension:
 * hide = delete for me) for REST and socket, like SendService is for sends. Per action:
 *
 *   1. the actor's send budget (SEND_RATE_LIMIT, limits/send-limit.ts): an action writes to the
 *      log and reaches every member like a send, so one budget owns both (a client looping on
 *      reactions is refused with RATE_LIMITED before any store work, as one looping on sends);
 *   2. the 1:1 block rule (below), which the store does not know;
 *   3. one slot in the next group commit of actions (`store.applyActions`, its own SendBatcher so
 *      actions never wait behind a batch of sends or the reverse), stamped with server time:
 *      the edit and delete windows are judged by the server's clock, never the device's.
 *
 * Every other rule (visibility, membership, sender only, windows, deleted messages, system
 * messages) is the store's, in the commit, through the shared pure rules
 * (@pigeon/sync-protocol model/action-rules.ts), so an action racing a removal or another
 * action is judged on what is committed.
 *
 * Blocks: in a 1:1 conversation where either has blocked the other, react and edit are
 * FORBIDDEN (both put new content in front of the other person, as a message would), while delete
 * and hide stay allowed (taking one's words back, or tidying one's own view, must never need the
 * other's consent). Groups are exempt, as for sends (docs/api.md, "Groups").
 */
export class ActionService {
  constructor(
    private readonly deps: {
      batcher: SendBatcher<ActionRequest, ActionOutcome>;
      rateLimiter: SendLimit;
      fanout: Fanout;
      blocks: Pick<BlockList, 'blockedBy' | 'blockersOf'>;
      /**
       * Reads the target only when the actor has a block either way (to find the other person);
       * a changed group message's group and a newcomer's periods (update-audience.ts).
       */
      store: Pick<Store, 'getMessage' | 'memberPeriods' | 'getGroup'>;
      /** Told when a group's viewers could not be read (the change then reaches them through /api/sync). */
      onAnnounceError?: (error: unknown) => void;
      /** Server time of actions; tests move it to cross the 15-minute and 48-hour windows. */
      now?: () => Date;
      /** Deletes the bytes of attachments whose records a delete for everyone marked (attachments/attachment-service.ts). */
      attachments?: { deleteBytesOf(ids: readonly string[]): Promise<void> };
    },
  ) {}

  /**
   * Resolves with the message's state after the action (a retry with the same clientId, or an
   * action that changes nothing, resolves with its current state, `applied: false`); throws the
   * refusal as a PigeonError. The input is already schema-valid.
   */
  async act(actorId: string, messageId: string, clientId: string, action: MessageAction): Promise<ActionResult> {
    await this.deps.rateLimiter.take(actorId);
    if (action.kind === 'react' || action.kind === 'edit') await this.refuseBlocked(actorId, messageId);
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    // A delete empties the message's attachments in its commit: which they were is read before.
    const attachmentIds = action.kind === 'delete' ? await this.attachmentIdsOf(messageId) : [];
    const outcome = await this.deps.batcher.enqueue({ actorId, clientId, messageId, at, ...action });
    if (outcome.refused) throw outcome.refused;
    // The commit set their records' deletedAt; the bytes go now (never rejects; the sweep is the fallback).
    if (outcome.applied && attachmentIds.length > 0) void this.deps.attachments?.deleteBytesOf(attachmentIds);
    return {
      kind: action.kind,
      applied: outcome.applied,
      message: withMessageDefaults(outcome.message),
      affected: outcome.affected.map(withMessageDefaults),
    };
  }

  /**
   * Tells the other sockets about an applied change (nothing when `applied` is false: a retry was
   * announced when first applied, and a no-op changed nothing; anyone who missed it catches up
   * through /api/sync, which holds the latest state).
   *
   *  - react / edit / delete: `message-updated` to the sockets of every member who may see the
   *    message (update-audience.ts), or of both people of a 1:1, the acting socket excepted (its
   *    ack carries the same state).
   *  - `affected` (replies whose quote a delete emptied): `message-updated` to every member's
   *    sockets, the acting one INCLUDED: its ack carries only the deleted message, and the
   *    replies' new versions are the server's to give.
   *  - hide: `message-updated` with `hiddenAt` to the actor's other sockets only; nobody else
   *    learns that it was hidden.
   *
   * A broadcast copy never carries `hiddenAt`: the outcome is the message as the ACTOR sees it,
   * and whether they hid it (earlier) is theirs alone. A device keeps a hiddenAt once set.
   */
  announce(actorId: string, result: ActionResult, exceptSocketId?: string): Promise<void> {
    if (!result.applied) return Promise.resolve();
    const { fanout } = this.deps;
    if (result.kind === 'hide') {
      fanout.emit([actorId], 'message-updated', { message: result.message }, exceptSocketId);
      return Promise.resolve();
    }
    const changed = [result.message, ...result.affected].map(withoutHidden);
    // Never rejects: the change is committed and acked; a device that misses the event catches up.
    return this.toViewers(changed, exceptSocketId).then(
      () => undefined,
      (error: unknown) => this.deps.onAnnounceError?.(error),
    );
  }

  /**
   * `message-updated` for each changed message, in order (the acted-on message first; only it
   * skips the acting socket). The audiences are read first, so the emits keep that order.
   */
  private async toViewers(changed: Message[], exceptSocketId?: string): Promise<void> {
    const groups = new Map<string, Promise<GroupRecord | null>>();
    const audiences = await Promise.all(changed.map((message) => this.audienceOf(message, groups)));
    changed.forEach((message, i) => this.deps.fanout.emit(audiences[i]!, 'message-updated', { message }, i === 0 ? exceptSocketId : undefined));
  }

  private async audienceOf(message: Message, groups: Map<string, Promise<GroupRecord | null>>): Promise<string[]> {
    const { conversationId } = message;
    if (!isGroupId(conversationId)) return conversationMembers(conversationId) ?? [message.senderId, message.recipientId];
    const { store } = this.deps;
    // The group as committed, not this node's cached members: a member removed through a node
    // that died before telling the others is still in every other node's copy until it is
    // found dead (docs/reliability.md, C10). One read by id per group and announce.
    let group = groups.get(conversationId);
    if (!group) groups.set(conversationId, (group = store.getGroup(conversationId)));
    const current = await group;
    return current ? groupViewers(message, current, (userId) => store.memberPeriods(conversationId, userId)) : [];
  }

  /** The ids of the attachments a message carries ([] when none, unknown, or no attachment service). */
  private async attachmentIdsOf(messageId: string): Promise<string[]> {
    if (!this.deps.attachments) return [];
    const message = await this.deps.store.getMessage(messageId);
    return (message?.attachments ?? []).map((a) => a.id);
  }

  /**
   * FORBIDDEN when the message is in a 1:1 conversation of the actor with someone either of them
   * blocked. Block lists are cached (privacy/blocks.ts), so an actor with no block either way
   * (nearly everyone) costs no store read; otherwise the target is read to find the other person.
   * A message outside the actor's conversations is left to the store (NOT_FOUND, as if absent).
   */
  private async refuseBlocked(actorId: string, messageId: string): Promise<void> {
    const [blocked, blockers] = await Promise.all([this.deps.blocks.blockedBy(actorId), this.deps.blocks.blockersOf(actorId)]);
    if (blocked.size === 0 && blockers.size === 0) return;
    const message = await this.deps.store.getMessage(messageId);
    const peer = message ? conversationPeer(message.conversationId, actorId) : null;
    if (peer !== null && (blocked.has(peer) || blockers.has(peer))) throw new PigeonError('FORBIDDEN', 'messageId: blocked');
  }
}

/** The message without the actor's own `hiddenAt`, for everyone else's sockets. */
function withoutHidden(message: Message): Message {
  if (!message.hiddenAt) return message;
  const { hiddenAt: _hidden, ...rest } = message;
  return rest;
}
