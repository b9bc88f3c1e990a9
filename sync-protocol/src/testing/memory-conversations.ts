/**
 * `GET /api/messages/conversations` on the in-memory server: the 1:1 conversations and groups of
 * the caller, most recently active first, each with `muted: true` when they muted it (an
 * extension: model/conversation.ts).
 */
import type { ConversationSummary } from '../model/conversation.ts';
import type { User } from '../model/user.ts';
import type { GroupRequests } from './memory-group-ops.ts';
import type { MemoryMessages } from './memory-messages.ts';
import type { MemoryNotifications } from './memory-notifications.ts';

export function conversationList(me: string, messages: MemoryMessages, groups: GroupRequests, notifications: MemoryNotifications, publicUser: (id: string) => User) {
  const direct = messages.conversations(me).map(({ peerId, ...c }) => {
    const peer = publicUser(peerId);
    const members = [me, peerId].sort().map((userId) => ({ userId, role: 'member' as const }));
    return { ...c, type: 'direct' as const, title: peer.displayName, members, peer };
  });
  const all: (ConversationSummary | (typeof direct)[number])[] = [...direct, ...groups.summaries(me)];
  const withMutes = all.map((c) => (notifications.isMuted(me, c.id) ? { ...c, muted: true } : c));
  return withMutes.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
}
