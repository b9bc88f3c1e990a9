/**
 * Search over the messages this device holds (IndexedDB, offline too). Rows written on the device
 * (pending ones, a local action's overlay) keep their words in the multiEntry `*words` index
 * (local/search-words.ts): the first query term walks it. Rows stored from the server leave theirs
 * to `wordPages` records (local/page-words.ts): those with a word starting with the first term are
 * read newest first, each naming the rows that have every term, until no older record can rank
 * among the `limit` newest found. Every candidate is checked as it is now against all the terms with the shared rule
 * (search-text.ts `matchesTerms`: a record's entry may be older than its row). Only the signed-in
 * user's rows (own, or read by them), never hidden, deleted or system ones.
 */
import { matchesTerms } from '../../search-text.ts';
import type { LocalMessage } from '../api.ts';
import { toLocalMessage, type LocalDb, type StoredMessage } from '../local/local-db.ts';
import { keysWithTerms } from '../local/page-words.ts';
import { newestFirst } from '../local/search-order.ts';
import { signedInAs } from '../local/session.ts';
import { messageStore, messageTables } from '../local/message-store.ts';

/** Up to `limit` of the device's matches, newest first. `terms` from queryTerms (non-empty). */
export async function searchDevice(db: LocalDb, me: string, terms: readonly string[], options: { conversationId?: string; limit: number }): Promise<LocalMessage[]> {
  const [first] = terms;
  if (first === undefined) return [];
  return db.transaction('r', [db.meta, ...messageTables(db), db.wordPages], async () => {
    if (!(await signedInAs(db, me))) return [];
    const found = (row: StoredMessage) =>
      (row.senderId === me || row.reader === me) &&
      (options.conversationId === undefined || row.conversationId === options.conversationId) &&
      !row.hiddenAt &&
      !row.deletedAt &&
      row.type !== 'system' &&
      matchesTerms(row.heldWords ?? row.words ?? [], terms);
    // A row with several words starting with `first` comes once per word: distinct() drops the repeats.
    const indexed = await db.messages.where('words').startsWith(first).distinct().toArray();
    const seen = new Set(indexed.map((r) => r.key));
    const rank = (rows: StoredMessage[]) => rows.sort(newestFirst).slice(0, options.limit);
    const store = messageStore(db);
    let ranked = rank(indexed.filter(found));
    for (const { id, newest } of await pagesNewestFirst(db, first)) {
      // Every row of this record and of the ones after it is at most `newest`: none can rank any more.
      if (ranked.length >= options.limit && ranked[ranked.length - 1]!.createdAt > newest) break;
      const page = await db.wordPages.get(id);
      const keys = page ? keysWithTerms(page, terms).filter((k) => !seen.has(k)) : [];
      for (const k of keys) seen.add(k);
      const rows = (await store.bulkGet(keys)).filter((r): r is StoredMessage => r !== undefined && found(r));
      if (rows.length > 0) ranked = rank([...ranked, ...rows]);
    }
    return ranked.map(toLocalMessage);
  });
}

/** The ids of the word records with a word starting with `first`, with their newest `createdAt`, newest first (keys only: no record read). */
async function pagesNewestFirst(db: LocalDb, first: string): Promise<Array<{ id: number; newest: string }>> {
  const matching = new Set(await db.wordPages.where('words').startsWith(first).primaryKeys());
  if (matching.size === 0) return [];
  const order: Array<{ id: number; newest: string }> = [];
  // One pass over the `newest` index gives each record's newest time (the key) and id (the primary key).
  await db.wordPages
    .orderBy('newest')
    .reverse()
    .eachKey((newest, cursor) => {
      if (matching.has(cursor.primaryKey)) order.push({ id: cursor.primaryKey, newest: String(newest) });
    });
  return order;
}
