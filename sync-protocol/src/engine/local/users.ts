/**
 * Users the device knows: everyone its conversations and messages name (peers, group members,
 * senders), with their presence. The UI shows names from here only, so a row that names someone
 * is stored with their profile (catch-up pages: down/catch-up.ts), or the profile is looked up
 * right after and again at every connect until it is there (fetchMissingPeers, user-lookup.ts).
 */
import { conversationPeer, directConversationId } from '../../conversation-id.ts';
import { LIMITS } from '../../limits.ts';
import type { Message } from '../../model/message.ts';
import type { User } from '../../model/user.ts';
import type { ConversationsResponse } from '../../rest/messages.ts';
import type { LocalDb } from './local-db.ts';
import { signedInAs } from './session.ts';
import { putUsers } from './user-copies.ts';

/** Everyone a batch of server copies names but `me`: a 1:1 peer, a sender, a system message's actor and subjects. */
export function usersReferredBy(messages: readonly Pick<Message, 'conversationId' | 'senderId' | 'system'>[], me: string): string[] {
  const ids = new Set<string>();
  for (const m of messages) {
    ids.add(m.senderId);
    const peer = conversationPeer(m.conversationId, me);
    if (peer) ids.add(peer);
    if (m.system) {
      ids.add(m.system.actorId);
      for (const id of m.system.userIds ?? []) ids.add(id);
    }
  }
  ids.delete(me);
  return [...ids];
}

/**
 * The profiles of those of `ids` the device has none of, from the server (`GET /api/users?ids=`, in
 * chunks); nothing is stored. `known`: ids a caller found stored or fetched before (a catch-up run,
 * whose pages name the same people again and again): not read again, and those of this call added.
 */
export async function fetchMissingUsers(
  db: LocalDb,
  ids: readonly string[],
  fetch: (ids: readonly string[]) => Promise<{ users: User[] }>,
  known?: Set<string>,
): Promise<User[]> {
  const asked = known ? ids.filter((id) => !known.has(id)) : [...ids];
  if (asked.length === 0) return [];
  const stored = await db.users.bulkGet(asked);
  const missing = asked.filter((_, i) => !stored[i]);
  const found: User[] = [];
  for (let i = 0; i < missing.length; i += LIMITS.groupMembersMax) found.push(...(await fetch(missing.slice(i, i + LIMITS.groupMembersMax))).users);
  if (known) for (const id of [...asked.filter((_, i) => stored[i]), ...found.map((u) => u.id)]) known.add(id);
  return found;
}

/**
 * Stores the profiles the device has none of yet, inside the caller's rw transaction over users:
 * a profile stored meanwhile (a 1:1 chat, a presence event) may carry fresher presence, and stays.
 */
export async function storeNewUsers(db: LocalDb, users: readonly User[]): Promise<void> {
  if (users.length === 0) return;
  const now = await db.users.bulkGet(users.map((u) => u.id));
  await db.users.bulkPut(users.filter((_, i) => !now[i]));
}

/** Profiles met outside conversations (a people search), stored for `me` unless the device has them. */
export async function storeMetUsers(db: LocalDb, me: string, users: readonly User[]): Promise<void> {
  if (users.length === 0) return;
  await db.transaction('rw', [db.users, db.meta], async () => {
    if (await signedInAs(db, me)) await storeNewUsers(db, users);
  });
}

/** The peers the server's conversation list names, stored for `me` (not after another account signed in). */
export async function storeListedPeers(db: LocalDb, me: string, list: ConversationsResponse['conversations']): Promise<void> {
  const peers = list.flatMap((c) => (c.peer ? [c.peer] : []));
  if (peers.length === 0) return;
  await db.transaction('rw', [db.users, db.meta], async () => {
    if (await signedInAs(db, me)) await putUsers(db, peers);
  });
}

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
  await putUsers(db, remote.flatMap((c) => (c.peer ? [c.peer] : [])));
}

/**
 * Every peer's profile and presence, from the server's conversation list. After a `sync-hint`:
 * presence events between server nodes may have been lost while their Redis was down, and
 * (unlike messages) presence has no cursor to catch up with.
 */
export async function refreshPeers(db: LocalDb, fetchConversations: () => Promise<ConversationsResponse>): Promise<void> {
  const { conversations } = await fetchConversations();
  await putUsers(db, conversations.flatMap((c) => (c.peer ? [c.peer] : [])));
}

/** Stores the peer and an (empty) conversation with them if there is none yet; returns its id. */
export async function ensureConversation(db: LocalDb, me: string, peer: User): Promise<string> {
  const id = directConversationId(me, peer.id);
  await db.transaction('rw', [db.users, db.conversations], async () => {
    await putUsers(db, [peer]);
    if (!(await db.conversations.get(id))) {
      const peerId = conversationPeer(id, me) ?? peer.id;
      await db.conversations.put({ id, type: 'direct', peerId, title: '', members: [], writable: true, lastMessage: null, unreadCount: 0, updatedAt: new Date().toISOString() });
    }
  });
  return id;
}
