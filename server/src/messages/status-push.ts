import type { Message, MessageStatus } from '@pigeon/sync-protocol';
import type { Fanout } from './fanout.ts';

/**
 * `message-status` for messages whose status moved: one event per conversation and new status, to
 * the messages' senders (every device, on every node) and to `also`. The one way statuses are told
 * live, whether a receipt moved them (receipts.ts) or a group change did (groups/group-service.ts:
 * a member who left no longer holds them back).
 */
export function pushStatuses(fanout: Fanout, changed: readonly Message[], at: string, also: readonly string[] = [], exceptSocketId?: string): void {
  for (const group of groupByConversation(changed)) {
    fanout.emit(
      [...new Set([...group.senderIds, ...also])],
      'message-status',
      { messageIds: group.messageIds, conversationId: group.conversationId, status: group.status, at },
      exceptSocketId,
    );
  }
}

interface StatusGroup {
  conversationId: string;
  status: MessageStatus;
  messageIds: string[];
  senderIds: Set<string>;
}

/** One `message-status` per conversation and new status, ids in the order the store returned them. */
export function groupByConversation(messages: readonly Message[]): StatusGroup[] {
  const groups = new Map<string, StatusGroup>();
  for (const m of messages) {
    const key = `${m.status}\u0000${m.conversationId}`;
    let g = groups.get(key);
    if (!g) {
      g = { conversationId: m.conversationId, status: m.status, messageIds: [], senderIds: new Set() };
      groups.set(key, g);
    }
    g.messageIds.push(m.id);
    g.senderIds.add(m.senderId);
  }
  return [...groups.values()];
}
