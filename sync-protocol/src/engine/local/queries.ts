/**
 * Pure Dexie reads for the UI (wrapped in liveQuery there). No writes and no network,
 * so re-running them on every change is safe and cheap: each walks an index.
 */
import type { User } from '../../model/user.ts';
import type { ConversationView, EngineQueries, LocalMessage } from '../api.ts';
import { readBlocked } from './blocks.ts';
import { META, toLocalMessage, type LocalDb } from './local-db.ts';

export function createQueries(db: LocalDb): EngineQueries {
  return {
    async conversations(): Promise<ConversationView[]> {
      const conversations = await db.conversations.orderBy('updatedAt').reverse().toArray();
      const peers = await db.users.bulkGet(conversations.map((c) => c.peerId));
      return conversations.map((conversation, i) => ({ conversation, peer: peers[i] ?? null }));
    },

    async messages(conversationId: string, limit = 50): Promise<LocalMessage[]> {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      // Acked messages in server order (seq), then the unacked ones in the order they were typed.
      // One read transaction: between two separate reads, an ack could move a message from the
      // unacked to the acked index and the list would miss it for a moment (found by the chaos
      // harness: a message shown, gone, then back).
      return db.transaction('r', db.messages, async () => {
        const acked = await db.inConversation('[conversationId+seq]', conversationId).reverse().limit(n).toArray();
        const unacked = await db.inConversation('[conversationId+pendingAt]', conversationId).toArray();
        return [...acked.reverse(), ...unacked].slice(-n).map(toLocalMessage);
      });
    },

    async user(userId: string): Promise<User | undefined> {
      return db.users.get(userId);
    },

    async me(): Promise<User | undefined> {
      const id = await db.getMeta<string>(META.userId);
      return id ? db.users.get(id) : undefined;
    },

    async outbox(): Promise<LocalMessage[]> {
      return (await db.messages.orderBy('pendingAt').toArray()).map(toLocalMessage);
    },

    blocked(): Promise<string[]> {
      return readBlocked(db);
    },
  };
}
