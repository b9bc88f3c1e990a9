/**
 * Pure Dexie reads for the UI (wrapped in liveQuery there). No writes and no network,
 * so re-running them on every change is safe and cheap: each walks an index.
 */
import type { User } from '../../model/user.ts';
import type { ConversationView, EngineQueries, LocalMessage } from '../api.ts';
import { readBlocked } from './blocks.ts';
import { messagesAround, type AroundDeps } from './around.ts';
import { conversationView as viewOf } from './conversation-view.ts';
import { META, toLocalMessage, type LocalDb, type StoredConversation, type StoredMessage } from './local-db.ts';
import { resolveConversationId } from './rekey.ts';
import { messageStore, messageTables } from './message-store.ts';

/** Not deleted for me. */
const shown = (row: StoredMessage): boolean => !row.hiddenAt;

/** `loadOlder`: one older history page of a conversation (messagesAround reads from the server what the device lacks). */
export function createQueries(db: LocalDb, options: { loadOlder?: AroundDeps['loadOlder'] } = {}): EngineQueries {
  return {
    async conversations(): Promise<ConversationView[]> {
      const conversations = await db.conversations.orderBy('updatedAt').reverse().toArray();
      const peers = await db.users.bulkGet(conversations.map((c) => c.peerId || '-'));
      return conversations.map((row, i) => viewOf(row, peers[i]));
    },

    async conversation(conversationId: string): Promise<ConversationView | undefined> {
      return db.transaction('r', [db.meta, db.conversations, db.users], async () => {
        const row = await db.conversations.get(await resolveConversationId(db, conversationId));
        return row && viewOf(row, row.peerId ? await db.users.get(row.peerId) : undefined);
      });
    },

    async isWritable(conversationId: string): Promise<boolean> {
      return db.transaction('r', [db.meta, db.conversations], async () => {
        return (await db.conversations.get(await resolveConversationId(db, conversationId)))?.writable ?? false;
      });
    },

    async messages(conversationId: string, limit = 50): Promise<LocalMessage[]> {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      // Acked messages in server order (seq), then the unacked ones in the order they were typed.
      // One read transaction: between two separate reads, an ack could move a message from the
      // unacked to the acked index and the list would miss it for a moment (found by the chaos
      // harness: a message shown, gone, then back). The alias is read in it too: a group created
      // here moves to its server id in one write, so the list shows it under one id or the other.
      return db.transaction('r', [db.meta, ...messageTables(db)], async () => {
        conversationId = await resolveConversationId(db, conversationId);
        // Messages deleted for me are out (on every device of mine: hiddenAt syncs). The unacked read
        // is requested before the acked one is awaited: IndexedDB runs them back to back in the
        // transaction, one round trip to the page fewer when a chat opens (#20). Not Promise.all:
        // its continuation ran outside Dexie's transaction zone on fake-indexeddb (LocalDb.unreadRowsIn).
        const unackedRead = db.inConversation('unacked', conversationId).toArray();
        // Awaited below unless the first read throws, which aborts the transaction and this read with it.
        unackedRead.catch(() => {});
        // Acked ones are rows or in blocks (local/message-store.ts); a filtered read walks a cursor,
        // far slower than a plain one on a long chat: filter only when there is a hidden row.
        const store = messageStore(db);
        let acked = await store.range(conversationId, { newest: true, limit: n });
        if (acked.some((r) => !shown(r))) acked = await store.range(conversationId, { newest: true, limit: n, keep: shown });
        const unacked = (await unackedRead).filter(shown);
        return [...acked, ...unacked].slice(-n).map(toLocalMessage);
      });
    },

    async message(key: string): Promise<LocalMessage | undefined> {
      const row = await db.transaction('r', messageTables(db), () => messageStore(db).get(key));
      return row && toLocalMessage(row);
    },

    messagesAround: (conversationId, messageId, before, after) => messagesAround({ db, loadOlder: options.loadOlder }, conversationId, messageId, before, after),

    async user(userId: string): Promise<User | undefined> {
      return db.users.get(userId);
    },

    async me(): Promise<User | undefined> {
      const id = await db.getMeta<string>(META.userId);
      return id ? db.users.get(id) : undefined;
    },

    async outbox(): Promise<LocalMessage[]> {
      return (await db.unackedRows().toArray()).map(toLocalMessage);
    },

    blocked(): Promise<string[]> {
      return readBlocked(db);
    },

    async unreadTotal(): Promise<number> {
      // The conversation rows keep their unread count (conversation-summary.ts): a sum, no message read.
      let total = 0;
      await db.conversations.each((c) => {
        if (!c.muted) total += c.unreadCount;
      });
      return total;
    },
  };
}
