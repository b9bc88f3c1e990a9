/**
 * Search over the messages this device holds (IndexedDB, offline too): the first query term walks
 * the multiEntry `*words` index (every row with a word starting with it: local/search-words.ts),
 * the others are checked on those rows with the shared rule (search-text.ts `matchesTerms`). Only
 * the signed-in user's rows (own, or read by them), never hidden, deleted or system ones.
 */
import { matchesTerms } from '../../search-text.ts';
import type { LocalMessage } from '../api.ts';
import { toLocalMessage, type LocalDb, type StoredMessage } from '../local/local-db.ts';
import { newestFirst } from '../local/search-order.ts';
import { signedInAs } from '../local/session.ts';

/** Up to `limit` of the device's matches, newest first. `terms` from queryTerms (non-empty). */
export async function searchDevice(db: LocalDb, me: string, terms: readonly string[], options: { conversationId?: string; limit: number }): Promise<LocalMessage[]> {
  const [first, ...rest] = terms;
  if (first === undefined) return [];
  return db.transaction('r', [db.meta, db.messages], async () => {
    if (!(await signedInAs(db, me))) return [];
    const found = (row: StoredMessage) =>
      (row.senderId === me || row.reader === me) &&
      (options.conversationId === undefined || row.conversationId === options.conversationId) &&
      !row.hiddenAt &&
      !row.deletedAt &&
      row.type !== 'system' &&
      (rest.length === 0 || matchesTerms(row.words ?? [], rest));
    // A row with several words starting with `first` comes once per word: distinct() drops the repeats.
    const rows = await db.messages.where('words').startsWith(first).distinct().filter(found).toArray();
    return rows.sort(newestFirst).slice(0, options.limit).map(toLocalMessage);
  });
}
