/**
 * Keeps a conversation row's summary (last message, unread badge, updatedAt)
 * current. Called inside the same transaction as the message writes, so the
 * list and the messages never disagree, even across tabs.
 *
 * The unread badge is kept by exact deltas (down/merge-rules.ts `unreadDelta`)
 * rather than recounted: a recount would scan every unread row on each
 * incoming message, which is quadratic during a burst.
 */
import { conversationPeer } from '../../conversation-id.ts';
import type { LocalConversation } from '../api.ts';
import { toLocalMessage, type LocalDb } from './local-db.ts';

/** Per-conversation unread deltas collected while writing messages. */
export type Touched = Map<string, number>;

export function touch(touched: Touched, conversationId: string, unreadDelta = 0): void {
  touched.set(conversationId, (touched.get(conversationId) ?? 0) + unreadDelta);
}

/**
 * Must run inside a rw transaction over messages and conversations.
 * Returns the ids of conversations it created (a peer the device may not know yet).
 */
export async function refreshConversations(db: LocalDb, touched: Touched, me: string, options: { zeroUnread?: boolean } = {}): Promise<string[]> {
  const created: string[] = [];
  for (const [conversationId, delta] of touched) {
    const existing = await db.conversations.get(conversationId);
    // Display order: acked by seq, then pending/failed in local order, so the last
    // pending one (if any) is what the user typed last.
    const last =
      (await db.inConversation('[conversationId+pendingAt]', conversationId).last()) ??
      (await db.inConversation('[conversationId+seq]', conversationId).last());
    const next: LocalConversation = {
      id: conversationId,
      peerId: existing?.peerId ?? conversationPeer(conversationId, me) ?? '',
      lastMessage: last ? toLocalMessage(last) : null,
      unreadCount: options.zeroUnread ? 0 : Math.max(0, (existing?.unreadCount ?? 0) + delta),
      updatedAt: last?.createdAt ?? existing?.updatedAt ?? new Date().toISOString(),
    };
    await db.conversations.put(next);
    if (!existing) created.push(conversationId);
  }
  return created;
}
