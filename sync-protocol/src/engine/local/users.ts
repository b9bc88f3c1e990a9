/** Users the device knows: peers of its conversations, with their presence. */
import { conversationPeer, directConversationId } from '../../conversation-id.ts';
import type { User } from '../../model/user.ts';
import type { ConversationsResponse } from '../../rest/messages.ts';
import type { LocalDb } from './local-db.ts';

/** Presence of a known user; an unknown one is not stored (nothing to show it in). */
export async function storePresence(db: LocalDb, userId: string, online: boolean, lastSeen: string | null): Promise<void> {
  await db.transaction('rw', db.users, async () => {
    const user = await db.users.get(userId);
    if (user) await db.users.put({ ...user, online, lastSeen: lastSeen ?? user.lastSeen });
  });
}

/**
 * A conversation started by someone the device never looked up has no peer profile;
 * the server's conversation list names every peer, so one request fills them all.
 */
export async function fetchMissingPeers(db: LocalDb, fetchConversations: () => Promise<ConversationsResponse>): Promise<void> {
  const conversations = (await db.conversations.toArray()).filter((c) => c.type === 'direct');
  const known = await db.users.bulkGet(conversations.map((c) => c.peerId));
  if (known.every(Boolean)) return;
  const { conversations: remote } = await fetchConversations();
  await db.users.bulkPut(remote.flatMap((c) => (c.peer ? [c.peer] : [])));
}

/**
 * Every peer's profile and presence, from the server's conversation list. After a `sync-hint`:
 * presence events between server nodes may have been lost while their Redis was down, and
 * (unlike messages) presence has no cursor to catch up with.
 */
export async function refreshPeers(db: LocalDb, fetchConversations: () => Promise<ConversationsResponse>): Promise<void> {
  const { conversations } = await fetchConversations();
  await db.users.bulkPut(conversations.flatMap((c) => (c.peer ? [c.peer] : [])));
}

/** Stores the peer and an (empty) conversation with them if there is none yet; returns its id. */
export async function ensureConversation(db: LocalDb, me: string, peer: User): Promise<string> {
  const id = directConversationId(me, peer.id);
  await db.transaction('rw', [db.users, db.conversations], async () => {
    await db.users.put(peer);
    if (!(await db.conversations.get(id))) {
      const peerId = conversationPeer(id, me) ?? peer.id;
      await db.conversations.put({ id, type: 'direct', peerId, title: '', members: [], writable: true, lastMessage: null, unreadCount: 0, updatedAt: new Date().toISOString() });
    }
  });
  return id;
}
