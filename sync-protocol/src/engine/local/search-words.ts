/**
 * The `words` of a message row (v6): what the multiEntry `*words` index holds, so `search()` finds
 * a message by the beginning of any of its words offline (search-text.ts, the rule every store
 * uses). Derived from the row on every write (local/derived-fields.ts). System, deleted and hidden
 * rows index nothing: they are never found.
 */
import { searchTokens } from '../../search-text.ts';
import type { StoredMessage } from './local-db.ts';

type WordSource = Pick<StoredMessage, 'body' | 'type' | 'deletedAt' | 'hiddenAt'>;

/** The words to index for a row in this state. */
export function wordsOf(row: WordSource): string[] {
  if (row.type === 'system' || row.deletedAt || row.hiddenAt || !row.body) return [];
  return searchTokens(row.body);
}
