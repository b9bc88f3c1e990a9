/**
 * `send-message` / `POST /api/messages` on the in-memory server: the per-user rate limit, a group's
 * send (members only), a 1:1 send (a known peer, not oneself, no block either way), and a reply's
 * quote (memory-actions.ts `replyRef`: a message of the same conversation the sender can see).
 * `send-messages` / `POST /api/messages/batch`: the same for each item, in order (handleSendBatch).
 */
import { conversationPeer, directConversationId } from '../conversation-id.ts';
import { PERMANENT_SEND_ERRORS, PigeonError } from '../errors.ts';
import { sendMessagesPayloadSchema, type SendBatchResult } from '../events/send-batch.ts';
import { sendMessageInputSchema, type Message } from '../model/message.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import type { MemoryActions } from './memory-actions.ts';
import type { MemoryAttachments } from './memory-attachments.ts';
import type { GroupRequests } from './memory-group-ops.ts';
import type { MemoryGroups } from './memory-groups.ts';
import type { MemoryMessages } from './memory-messages.ts';
import type { MemoryRealtime } from './memory-realtime.ts';
import type { MemoryConnection } from './memory-types.ts';

export interface SendDeps {
  messages: MemoryMessages;
  groups: MemoryGroups;
  groupRequests: GroupRequests;
  realtime: MemoryRealtime;
  actions: MemoryActions;
  attachments: MemoryAttachments;
  hasUser(userId: string): boolean;
  blocked(a: string, b: string): boolean;
  /** Takes one send from the user's rate budget; false when over the limit. */
  tryTake(userId: string): boolean;
}

/** `from`: the sending socket (it gets no `new-message` of its own send). */
export function handleSend(d: SendDeps, me: string, input: unknown, from?: MemoryConnection): Message {
  const send = parseOrThrow(sendMessageInputSchema, input);
  if (!d.tryTake(me)) throw fail('RATE_LIMITED', 'too many messages, slow down');
  const quote = (conversationId: string) => (send.replyTo ? { replyTo: d.actions.replyRef(me, conversationId, send.replyTo) } : {});
  // Files: the sender's own finished uploads, carried by this message only (a repeated send finds it stored).
  const messageKey = `${me}\n${send.clientId}`;
  const ids = send.attachmentIds ?? [];
  const attachments = ids.length > 0 && !d.messages.find(me, send.clientId) ? d.attachments.claim(me, ids, messageKey) : undefined;
  const carried = (message: Message) => {
    if (attachments) d.attachments.carry(ids, messageKey);
    return message;
  };
  if (send.conversationId && d.groups.isGroup(send.conversationId)) {
    return carried(d.groupRequests.send(me, send.conversationId, send.clientId, send.body, from, quote(send.conversationId).replyTo, attachments));
  }
  const to = send.to ?? conversationPeer(send.conversationId!, me);
  if (to === null) throw fail('NOT_FOUND', 'conversationId: no such conversation');
  if (to === me) throw fail('VALIDATION', 'to: cannot send a message to yourself');
  if (!d.hasUser(to)) throw fail('NOT_FOUND', 'to: no such user');
  if (d.blocked(me, to)) throw fail('FORBIDDEN', 'to: blocked');
  const { message, created } = d.messages.store({ senderId: me, recipientId: to, clientId: send.clientId, body: send.body, ...quote(directConversationId(me, to)), ...(attachments ? { attachments } : {}) });
  if (created) d.realtime.emit([message.recipientId, message.senderId], 'new-message', { message }, from);
  return carried(message);
}

/**
 * A batched send, with the real server's answer (server/src/messages/send-service.ts sendBatch):
 * one result per item handled, in order. A refusal for good (VALIDATION, FORBIDDEN…) is that
 * item's result and the batch goes on; the first failure for now (RATE_LIMITED) is the last
 * result: the items after it were not stored, and the sender sends them again later.
 */
export function handleSendBatch(d: SendDeps, me: string, input: unknown, from?: MemoryConnection): { results: SendBatchResult[] } {
  const { messages } = parseOrThrow(sendMessagesPayloadSchema, input);
  const results: SendBatchResult[] = [];
  for (const item of messages) {
    try {
      results.push({ ok: true, message: handleSend(d, me, item, from) });
    } catch (e) {
      if (!(e instanceof PigeonError)) throw e;
      results.push(e.toAck());
      if (!PERMANENT_SEND_ERRORS.has(e.code)) break;
    }
  }
  return { results };
}
