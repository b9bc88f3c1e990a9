/**
 * The in-memory server's message calls (memory-server.ts routes them here): the conversation list,
 * history pages, the /api/sync change feed, sends one at a time or batched (memory-sends.ts),
 * attachments' upload and download, and receipts.
 */
import { conversationPeer } from '../conversation-id.ts';
import { decodeHistoryCursor, decodeSyncCursor, encodeHistoryCursor, encodeSyncCursor } from '../cursor.ts';
import { messageReadPayloadSchema, messageReceivedPayloadSchema } from '../events/up.ts';
import type { User } from '../model/user.ts';
import { historyQuerySchema } from '../rest/messages.ts';
import { syncQuerySchema } from '../rest/sync.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import type { MemoryAttachments, MemoryUploadInput } from './memory-attachments.ts';
import { conversationList } from './memory-conversations.ts';
import type { GroupRequests } from './memory-group-ops.ts';
import type { MemoryGroups } from './memory-groups.ts';
import type { MemoryMessages } from './memory-messages.ts';
import type { MemoryNotifications } from './memory-notifications.ts';
import type { MemoryRealtime } from './memory-realtime.ts';
import { handleSend, handleSendBatch, type SendDeps } from './memory-sends.ts';
import type { MemoryConnection, ServerOp } from './memory-types.ts';

const MESSAGE_OPS = new Set(['conversations', 'history', 'sync', 'sendMessage', 'sendMessages', 'uploadAttachment', 'downloadAttachment', 'messageReceived', 'messageRead'] as const);
export type MessageOp = typeof MESSAGE_OPS extends Set<infer T> ? T : never;
export const isMessageOp = (op: ServerOp): op is MessageOp => (MESSAGE_OPS as Set<string>).has(op);

export interface MessageOpsDeps {
  messages: MemoryMessages;
  groups: MemoryGroups;
  groupRequests: GroupRequests;
  notifications: MemoryNotifications;
  realtime: MemoryRealtime;
  attachments: MemoryAttachments;
  sends: SendDeps;
  publicUser(id: string): User;
}

/** `from`: the connection the call came with: its own events are not echoed to it (for sends, only a socket send's). */
export function handleMessageOp(d: MessageOpsDeps, op: MessageOp, me: string, input: unknown, via: 'rest' | 'socket', from?: MemoryConnection): unknown {
  switch (op) {
    case 'conversations':
      return { conversations: conversationList(me, d.messages, d.groupRequests, d.notifications, d.publicUser) };
    case 'history': {
      const query = parseOrThrow(historyQuerySchema, input);
      const conversationId = query.id!;
      const before = query.before ? decodeHistoryCursor(query.before) : null;
      const isGroup = d.groups.isGroup(conversationId);
      if (!isGroup && conversationPeer(conversationId, me) === null) throw fail('FORBIDDEN', 'id: not a member of this conversation');
      const rows = isGroup ? d.groupRequests.history(me, conversationId, before, query.limit) : d.messages.history(conversationId, before, query.limit);
      const messages = rows.map((m) => d.messages.copyFor(me, m));
      const oldest = messages[0];
      const nextCursor = oldest && messages.length === query.limit && oldest.seq > 1 ? encodeHistoryCursor(oldest.seq) : null;
      return { messages, nextCursor };
    }
    case 'sync': {
      // `omit` is validated and not applied: the full feed is a superset of an omitting one, which
      // the engine handles alike (the server's stores apply it; their contract suite checks that).
      const { since, limit } = parseOrThrow(syncQuerySchema, input);
      const page = d.messages.changesSince(me, decodeSyncCursor(since), limit, (m) => d.groupRequests.sees(me, m));
      return { messages: page.messages, cursor: encodeSyncCursor(page.position), hasMore: page.hasMore };
    }
    case 'sendMessage':
      return handleSend(d.sends, me, input, via === 'socket' ? from : undefined);
    case 'sendMessages':
      return handleSendBatch(d.sends, me, input, via === 'socket' ? from : undefined);
    case 'uploadAttachment':
      return d.attachments.upload(me, input as MemoryUploadInput);
    case 'downloadAttachment':
      return d.attachments.read(me, input, (m) => d.groupRequests.sees(me, m));
    case 'messageReceived': {
      const { messageIds } = parseOrThrow(messageReceivedPayloadSchema, input);
      const ids = [...new Set(messageIds)];
      d.realtime.pushStatus(me, d.messages.markDelivered(me, ids), 'delivered', from);
      d.groupRequests.received(me, ids, from);
      return undefined;
    }
    case 'messageRead': {
      const { conversationId, upToSeq } = parseOrThrow(messageReadPayloadSchema, input);
      if (d.groups.isGroup(conversationId)) return void d.groupRequests.read(me, conversationId, upToSeq, from);
      if (conversationPeer(conversationId, me) === null) throw fail('FORBIDDEN', 'not a member of this conversation');
      d.realtime.pushStatus(me, d.messages.markRead(me, conversationId, upToSeq), 'read', from);
      return undefined;
    }
  }
}
