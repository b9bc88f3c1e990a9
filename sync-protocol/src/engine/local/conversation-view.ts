/**
 * How a stored conversation row becomes what the list shows (ConversationView). Pure and free of
 * Dexie and zod: the engine's `queries.conversations()` uses it, and so does the client's first
 * paint, which reads the same rows straight from IndexedDB before the engine's chunk has even
 * loaded (client/src/boot/cached-list.ts). One function, so the two lists cannot disagree.
 */
import type { User } from '../../model/user.ts';
import type { ConversationView, LocalConversation } from '../api.ts';
import type { StoredConversation } from './local-db.ts';

/** A group created on this device, until the server's id is known (local-db.ts says why). */
export const localGroupId = (clientId: string): string => `local:${clientId}`;
export const isLocalGroupId = (id: string): boolean => id.startsWith('local:');

/**
 * The drafts a list shows, by conversation, from the drafts table's rows of one account.
 * `aliasOf`: the server id of a group created here, once known. A draft typed under the
 * local id then shows under the server id, unless one was typed under that id itself (the
 * newer: the app moves drafts as it re-keys).
 */
export function draftsByConversation(rows: readonly { conversationId: string; text: string }[], aliasOf: (localId: string) => string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const row of rows) {
    const id = isLocalGroupId(row.conversationId) ? (aliasOf(row.conversationId) ?? row.conversationId) : row.conversationId;
    if (id === row.conversationId || !out.has(id)) out.set(id, row.text);
  }
  return out;
}

/** The row without what only the engine keeps (the server's group view, its mute record, a refused fetch). */
export function toLocalConversation(row: StoredConversation): LocalConversation {
  const { group: _group, groupFetchRefused: _refused, serverMute: _serverMute, ...conversation } = row;
  return conversation;
}

/** A row as the list shows it: a group by its title and members, a 1:1 conversation by its peer. */
export function conversationView(row: StoredConversation, peer: User | undefined): ConversationView {
  const conversation = toLocalConversation(row);
  if (row.type === 'group') return { conversation, peer: null, title: row.title, memberCount: row.members.length, writable: row.writable };
  return { conversation, peer: peer ?? null, title: peer?.displayName ?? '', memberCount: 2, writable: row.writable };
}
