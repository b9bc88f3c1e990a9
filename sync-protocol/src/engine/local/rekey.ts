/**
 * A group created on this device lives under a local id (`local:<clientId>`) until the server's
 * id is known: the UI shows it at once, and messages and changes typed into it queue behind its
 * creation in the same outbox lane (up/drainer.ts), so they are sent after it, in order.
 *
 * The server's id becomes known from the creation's answer, or from any copy of its
 * `group-created` message (the same key, `${me}:${clientId}`, as the pending creation row): a
 * lost answer, a retry answered with the same group, a `new-message` or a catch-up page. Whichever
 * comes first moves everything of the group to the server's id in the transaction that stores it;
 * the others find nothing left to move. The local id stays valid as an alias, so a chat the UI
 * opened with it keeps working (`resolveConversationId`).
 */
import { Dexie } from 'dexie';
import { isLocalGroupId, META, type LocalDb, type StoredConversation } from './local-db.ts';

/**
 * The id to use for `id`: the server's id of a group created here, once known; `id` itself otherwise.
 *
 * Not an async function, and no `getMeta` in between: it answers with Dexie's own promise. Queries
 * call it first thing inside a transaction, and in Chromium a chain of native async functions there
 * (this one awaiting getMeta awaiting the read) loses the transaction's zone inside a liveQuery: the
 * next read ran outside it, the transaction committed early and the query failed with
 * PrematureCommitError (the PWA's chat of a group opened under its local id showed no messages).
 * fake-indexeddb in Node does not show it; a Chromium page running queries.messages() did, every time.
 */
export function resolveConversationId(db: LocalDb, id: string): Promise<string> {
  if (!isLocalGroupId(id)) return Dexie.Promise.resolve(id);
  return db.meta.get(META.aliasPrefix + id).then((row) => (row?.value as string | undefined) ?? id);
}

/**
 * Moves the pending rows, outbox entries and conversation row of `localId` to `serverId` and
 * records the alias. Idempotent. Runs inside a rw transaction over messages, outbox,
 * conversations and meta; the caller refreshes `serverId`'s summary (conversation-summary.ts).
 */
export async function rekeyConversation(db: LocalDb, localId: string, serverId: string): Promise<void> {
  await db.setMeta(META.aliasPrefix + localId, serverId);
  // Only unacked rows can carry a local id (every server copy names the server's), so the
  // pendingAt index holds them all; a group never acked holds no read mark or history cursor either.
  const rows = await db.inConversation('unacked', localId).toArray();
  await db.messages.bulkPut(rows.map((r) => ({ ...r, conversationId: serverId, recipientId: r.recipientId === localId ? serverId : r.recipientId })));
  // Same localCreatedAt: the entries keep their order in the server id's lane.
  const entries = await db.outbox.where('conversationId').equals(localId).toArray();
  await db.outbox.bulkPut(entries.map((e) => ({ ...e, conversationId: serverId, to: e.to === localId ? serverId : e.to })));
  const row = await db.conversations.get(localId);
  if (!row) return;
  await db.conversations.delete(localId);
  // A message of the group may have arrived before its creation's copy: that row has the server's view.
  if (await db.conversations.get(serverId)) return;
  const { local: _local, ...rest } = row;
  await db.conversations.put({ ...rest, id: serverId } satisfies StoredConversation);
}
