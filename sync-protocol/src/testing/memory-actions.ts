/**
 * Message actions and replies on the in-memory server (contract v2, "Message actions"), decided by
 * the same pure rules as both real stores (model/action-rules.ts), so an engine test sees what a
 * device would see from the real server:
 *  - each action applies once per (actor, clientId); a repeat answers the message as it is now;
 *  - an accepted react / edit / delete raises `version`, takes a new change-log position (the
 *    feed returns the message again) and goes out as `message-updated` to every member's
 *    sockets but the acting one; a delete for everyone also empties the quote of its replies;
 *  - hide (delete for me, an extension) changes nothing for others: the actor's feed returns the
 *    message with `hiddenAt`, and their other sockets get `message-updated` with it;
 *  - actions take the sender's send budget; in a 1:1 conversation with a block either way, react
 *    and edit are FORBIDDEN (delete and hide still go), as on the real server;
 *  - a reply's `replyTo` must name a message of the same conversation the sender can see
 *    (VALIDATION otherwise), stored as its quote as of the send.
 */
import { z } from 'zod';
import { judgeAction, applyAction, replyRefOf, withQuoteRemoved, type ActionRequest } from '../model/action-rules.ts';
import type { Message } from '../model/message.ts';
import { deleteMessagePayloadSchema, editMessagePayloadSchema, hideMessagePayloadSchema, reactPayloadSchema, type MessageAction } from '../model/message-action.ts';
import type { ReplyRef } from '../model/message-parts.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import type { MemoryGroups } from './memory-groups.ts';
import type { MemoryMessages } from './memory-messages.ts';
import type { MemoryRealtime } from './memory-realtime.ts';
import type { MemoryConnection } from './memory-types.ts';

const ACTION_OPS = { react: 'react', editMessage: 'edit', deleteMessage: 'delete', hideMessage: 'hide' } as const;
export type ActionOp = keyof typeof ACTION_OPS;
export const isActionOp = (op: string): op is ActionOp => op in ACTION_OPS;

const SCHEMAS: Record<ActionOp, z.ZodType<{ clientId: string; messageId: string; emoji?: string; body?: string }>> = {
  react: reactPayloadSchema,
  editMessage: editMessagePayloadSchema,
  deleteMessage: deleteMessagePayloadSchema,
  hideMessage: hideMessagePayloadSchema,
};

export interface ActionDeps {
  messages: MemoryMessages;
  groups: MemoryGroups;
  realtime: MemoryRealtime;
  /** Whether `userId` may read `m` (memory-group-ops.ts `sees`). */
  sees(userId: string, m: Message): boolean;
  /** Whether either user blocked the other. */
  blocked(a: string, b: string): boolean;
  /** Takes one from the user's send budget (actions count as sends, as on the real server). */
  tryTake(userId: string): boolean;
  now(): Date;
}

export class MemoryActions {
  /** `${actorId}\n${clientId}` → the message the action applied to. */
  private readonly applied = new Map<string, string>();

  constructor(private readonly deps: ActionDeps) {}

  /** An action by `me`; answers the message's state after it, as `me` sees it. */
  handle(op: ActionOp, me: string, input: unknown, from?: MemoryConnection): Message {
    const { messages, realtime } = this.deps;
    const payload = parseOrThrow(SCHEMAS[op], input);
    const once = `${me}\n${payload.clientId}`;
    const done = this.applied.get(once);
    if (done) return messages.copyFor(me, messages.get(done)!);

    const kind = ACTION_OPS[op];
    const action = (kind === 'react' ? { kind, emoji: payload.emoji! } : kind === 'edit' ? { kind, body: payload.body! } : { kind }) as MessageAction;
    const req: ActionRequest = { actorId: me, clientId: payload.clientId, messageId: payload.messageId, at: this.deps.now().toISOString(), ...action };
    if (!this.deps.tryTake(me)) throw fail('RATE_LIMITED', 'too many messages, slow down');
    const target = messages.get(payload.messageId);
    // In a 1:1 conversation with a block either way, no reaction or edit (a delete or a hide still goes).
    if (target && (kind === 'react' || kind === 'edit') && !this.deps.groups.isGroup(target.conversationId) && this.deps.blocked(target.senderId, target.recipientId)) {
      throw fail('FORBIDDEN', 'blocked');
    }
    const refused = judgeAction(req, target ? { message: target, visible: this.deps.sees(me, target), member: this.isMember(me, target) } : null);
    if (refused) throw fail(refused.code, refused.message);
    const message = target!;
    this.applied.set(once, message.id);

    if (req.kind === 'hide') {
      messages.hide(me, message.id, req.at);
      const copy = messages.copyFor(me, message);
      realtime.emit([me], 'message-updated', { message: copy }, from);
      return copy;
    }
    const next = applyAction(message, req);
    if (next) {
      messages.update(next);
      this.announce(message, from);
      // The quote of every reply to a message deleted for everyone goes too (replyRefOf: preview '').
      if (req.kind === 'delete') {
        for (const reply of messages.rows(message.conversationId).filter((m) => m.replyTo?.id === message.id)) {
          const emptied = withQuoteRemoved(reply);
          if (!emptied) continue;
          messages.update(emptied);
          this.announce(reply);
        }
      }
    }
    return messages.copyFor(me, message);
  }

  /** The quote of a reply by `me` in `conversationId` to `replyToId`: VALIDATION unless a message there they can see. */
  replyRef(me: string, conversationId: string, replyToId: string): ReplyRef {
    const original = this.deps.messages.get(replyToId);
    if (!original || original.conversationId !== conversationId || !this.deps.sees(me, original)) {
      throw fail('VALIDATION', 'replyTo: no such message in this conversation');
    }
    return replyRefOf(original);
  }

  /** A current member of its conversation (the 1:1 pair; a group's current members). */
  private isMember(userId: string, m: Message): boolean {
    const { groups } = this.deps;
    return groups.isGroup(m.conversationId) ? groups.isMember(m.conversationId, userId) : m.senderId === userId || m.recipientId === userId;
  }

  /** `message-updated` with the message as it is now, to every current member (each copy as that member sees it). */
  private announce(m: Message, except?: MemoryConnection): void {
    const { groups, messages, realtime } = this.deps;
    const audience = groups.isGroup(m.conversationId) ? groups.memberIds(m.conversationId) : [m.senderId, m.recipientId];
    for (const userId of new Set(audience)) realtime.emit([userId], 'message-updated', { message: messages.copyFor(userId, m) }, except);
  }
}
