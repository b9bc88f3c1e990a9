/**
 * `discard(key)`: the user gives up on a failed message of this device. Its row, its outbox
 * entry (a failed message has none, unless retried meanwhile: then it is no longer failed), the
 * actions queued on it and its files go in one transaction. Anything else is left alone: a
 * pending message is on its way, an acked one is the server's (delete it for everyone instead).
 */
import { refreshConversations } from '../local/conversation-summary.ts';
import type { LocalDb } from '../local/local-db.ts';
import { messageTables } from '../local/message-store.ts';

export async function discardFailed(db: LocalDb, key: string, me: string): Promise<boolean> {
  return db.transaction('rw', [...messageTables(db), db.outbox, db.conversations, db.files], async () => {
    const row = await db.messages.get(key);
    if (!row || row.status !== 'failed' || row.seq !== null || row.senderId !== me) return false;
    await db.messages.delete(key);
    await db.outbox.delete(row.clientId);
    await db.outbox.where('targetKey').equals(key).delete();
    await db.files.where('messageKey').equals(key).delete();
    await refreshConversations(db, new Map([[row.conversationId, 0]]), me);
    return true;
  });
}
