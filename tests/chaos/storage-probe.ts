/**
 * Where the device keeps its messages (issue #20, schema v11): each message is a row of `messages`
 * or in exactly one block of `messageBlocks` (sync-protocol/src/engine/local/message-blocks.ts).
 * After a run of catch-ups, history pages, live messages, actions, receipts, reloads and account
 * switches, the device's database is read raw and must hold: no message in two places; every block
 * one chat's messages in seq order, its `keys` and `ids` those of its rows, none of them needing a
 * row index (acked, no queued action or refusal on it); a chat's blocks disjoint seq intervals.
 * What the device *shows* is checked by the other invariants, through the engine's queries.
 */
import { Dexie } from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { unpackBlock, type BlockRecord, type MessageBlock } from '../../sync-protocol/src/engine/local/message-blocks.ts';
import type { StoredMessage } from '../../sync-protocol/src/engine/local/local-db.ts';

export async function storageProblems(dbName: string, idb: IDBFactory): Promise<string[]> {
  const db = new Dexie(dbName, { indexedDB: idb, IDBKeyRange });
  await db.open();
  try {
    if (!db.tables.some((t) => t.name === 'messageBlocks')) return [];
    return await db.transaction('r', ['messages', 'messageBlocks'], async () => problemsOf(await db.table<StoredMessage>('messages').toArray(), (await db.table<BlockRecord>('messageBlocks').toArray()).map(unpackBlock)));
  } finally {
    db.close();
  }
}

/** Pure: the problems of a database's rows and blocks (exported for the harness's own test). */
export function problemsOf(rows: readonly StoredMessage[], blocks: readonly MessageBlock[]): string[] {
  const out: string[] = [];
  const where = new Map<string, string>(rows.map((r) => [r.key, 'a row']));
  const byChat = new Map<string, MessageBlock[]>();
  for (const b of blocks) {
    const name = `block ${b.conversationId}@${b.firstSeq}`;
    byChat.set(b.conversationId, [...(byChat.get(b.conversationId) ?? []), b]);
    if (b.rows.length === 0) out.push(`${name} is empty`);
    for (const [i, r] of b.rows.entries()) {
      const at = where.get(r.key);
      if (at) out.push(`${r.key} is in ${at} and in ${name}`);
      where.set(r.key, name);
      if (r.conversationId !== b.conversationId) out.push(`${name} holds ${r.key} of ${r.conversationId}`);
      if (r.seq === null || r.id === null || r.pendingAt !== undefined || r.pendingActions || r.base || r.actionError) out.push(`${name} holds ${r.key}, which needs a row (seq ${r.seq}, pending actions ${r.pendingActions ?? 0})`);
      if (r.seq !== null && (r.seq < b.firstSeq || r.seq > b.lastSeq)) out.push(`${name} holds seq ${r.seq} outside ${b.firstSeq}–${b.lastSeq}`);
      if (i > 0 && r.seq! <= b.rows[i - 1]!.seq!) out.push(`${name} is not in seq order at ${r.key}`);
      if (b.keys[i] !== r.key || b.ids[i] !== r.id) out.push(`${name}: keys or ids at ${i} are not its row's`);
    }
    if (b.keys.length !== b.rows.length || b.ids.length !== b.rows.length) out.push(`${name}: ${b.keys.length} keys, ${b.ids.length} ids for ${b.rows.length} rows`);
  }
  for (const [chat, list] of byChat) {
    list.sort((a, b) => a.firstSeq - b.firstSeq);
    for (let i = 1; i < list.length; i++) if (list[i]!.firstSeq <= list[i - 1]!.lastSeq) out.push(`blocks of ${chat} overlap: ${list[i - 1]!.firstSeq}–${list[i - 1]!.lastSeq} and ${list[i]!.firstSeq}–${list[i]!.lastSeq}`);
  }
  return out;
}
