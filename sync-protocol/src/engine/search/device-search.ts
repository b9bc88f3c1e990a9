/**
 * Search over the messages this device holds (IndexedDB, offline too): the first query term walks
 * the multiEntry `*words` index of the rows (every row with a word starting with it:
 * local/search-words.ts) and that of the page records holding the words of rows a sync or history
 * page stored (local/page-words.ts); every candidate is then checked as it is now against all the
 * terms with the shared rule (search-text.ts `matchesTerms`: a page record's entry may be older than
 * its row). Only the signed-in user's rows (own, or read by them), never hidden, deleted or system ones.
 */
import { matchesTerms } from '../../search-text.ts';
import type { LocalMessage } from '../api.ts';
import { toLocalMessage, type LocalDb, type StoredMessage } from '../local/local-db.ts';
import { keysWithPrefix } from '../local/page-words.ts';
import { newestFirst } from '../local/search-order.ts';
import { signedInAs } from '../local/session.ts';

/** Up to `limit` of the device's matches, newest first. `terms` from queryTerms (non-empty). */
export async function searchDevice(db: LocalDb, me: string, terms: readonly string[], options: { conversationId?: string; limit: number }): Promise<LocalMessage[]> {
  const [first] = terms;
  if (first === undefined) return [];
  return db.transaction('r', [db.meta, db.messages, db.wordPages], async () => {
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
    const pages = await db.wordPages.where('words').startsWith(first).distinct().toArray();
    const heldKeys = [...keysWithPrefix(pages, first)].filter((k) => !seen.has(k));
    const held = (await db.messages.bulkGet(heldKeys)).filter((r): r is StoredMessage => r !== undefined);
    return [...indexed, ...held].filter(found).sort(newestFirst).slice(0, options.limit).map(toLocalMessage);
  });
}
