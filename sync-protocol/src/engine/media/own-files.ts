/**
 * This device's own files once their message is acked: the bytes move from `files` into the
 * media cache under the server's attachment id, so the sender never downloads its own photo,
 * and the files rows go. Runs inside the transaction that stores the server copy (parts.ts), or
 * on its own for a copy that arrived another way (a catch-up after a lost ack).
 */
import type { Message } from '../../model/message.ts';
import { messageKey, type LocalDb } from '../local/local-db.ts';
import { putRow } from './media-cache.ts';

export const settleTables = (db: LocalDb) => [db.files, db.media, db.mediaBytes];

/** Moves the files of these acked messages of their sender into the cache (a rw transaction over settleTables). Returns how many moved. */
export async function settleOwnFiles(db: LocalDb, messages: readonly Message[]): Promise<number> {
  let moved = 0;
  for (const m of messages) {
    const rows = await db.files.where('messageKey').equals(messageKey(m.senderId, m.clientId)).toArray();
    for (const row of rows) {
      // Not among the copy's attachments (deleted for everyone meanwhile): nothing to keep.
      if (row.attachmentId && m.attachments?.some((a) => a.id === row.attachmentId)) {
        await putRow(db, row.attachmentId, row.blob);
        moved++;
      }
      await db.files.delete(row.clientId);
    }
  }
  return moved;
}
