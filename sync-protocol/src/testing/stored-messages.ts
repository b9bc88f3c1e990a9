/**
 * White-box helpers for tests that look at or change what a device stores: a message is a row of
 * `messages` or in a block of `messageBlocks` (engine/local/message-blocks.ts), and a test must see
 * and change both, as the engine does.
 */
import type { LocalDb, StoredMessage } from '../engine/local/local-db.ts';
import { messageStore, messageTables } from '../engine/local/message-store.ts';
import { unpackBlock } from '../engine/local/message-blocks.ts';

/** Every message the device holds, rows and blocks' messages together (in no particular order). */
export async function storedMessages(db: LocalDb): Promise<StoredMessage[]> {
  return db.transaction('r', messageTables(db), async () => {
    const rows = await db.messages.toArray();
    const blocks = await db.messageBlocks.toArray();
    return [...rows, ...blocks.flatMap((b) => unpackBlock(b).rows)];
  });
}

/** The message of `key` wherever it is stored. */
export async function storedMessage(db: LocalDb, key: string): Promise<StoredMessage | undefined> {
  return db.transaction('r', messageTables(db), () => messageStore(db).get(key));
}

/** Deletes a chat's acked messages with `from` ≤ seq ≤ `to` (a device that never held them). */
export async function dropMessages(db: LocalDb, conversationId: string, from: number, to: number): Promise<number> {
  return db.transaction('rw', messageTables(db), async () => {
    const store = messageStore(db);
    const rows = await store.range(conversationId, { lo: from - 1, hi: to + 1 });
    await store.bulkDelete(rows.map((r) => r.key));
    return rows.length;
  });
}

/** Changes fields of the message of `key` where it is stored (as a writer of the engine would). */
export async function updateStored(db: LocalDb, key: string, changes: Partial<StoredMessage>): Promise<void> {
  await db.transaction('rw', messageTables(db), async () => {
    const store = messageStore(db);
    const row = await store.get(key);
    if (!row) throw new Error(`no message ${key}`);
    await store.put({ ...row, ...changes });
  });
}

/** Writes a message where it is stored (a row, or its block). */
export async function putStored(db: LocalDb, row: StoredMessage): Promise<void> {
  await db.transaction('rw', messageTables(db), async () => {
    const store = messageStore(db);
    await store.get(row.key);
    await store.put(row);
  });
}

/** A chat's acked messages with lo < seq < hi, in seq order. */
export async function storedRange(db: LocalDb, conversationId: string, lo: number, hi: number): Promise<StoredMessage[]> {
  return db.transaction('r', messageTables(db), () => messageStore(db).range(conversationId, { lo, hi }));
}
