/**
 * What a device's outbox holds, entry by entry (attempts, last error): for the history when an
 * outbox does not empty where it should (the heal), so the dump says why and not only that.
 */
import { IDBKeyRange } from 'fake-indexeddb';
import { LocalDb } from '../../sync-protocol/src/engine/local/local-db.ts';

export async function outboxDetail(dbName: string, indexedDB: IDBFactory): Promise<string> {
  const db = new LocalDb(dbName, { indexedDB, IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange });
  try {
    const entries = await db.outbox.orderBy('localCreatedAt').toArray();
    const kind = (e: (typeof entries)[number]) => (e.action ? `${e.action.kind} of ${e.targetKey}` : e.op ? `group ${e.op.kind}` : e.mute ? 'mute' : e.profile ? 'profile' : 'message');
    return entries.map((e) => `${e.key} (${kind(e)} in ${e.conversationId}; ${e.attempts} attempts, ${e.socketFailures} by socket; last error ${JSON.stringify(e.lastError ?? null)})`).join('; ') || 'empty';
  } finally {
    db.close();
  }
}
