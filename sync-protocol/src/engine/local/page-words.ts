/**
 * Search words of the rows a page stores (catch-up and history pages, v10): one `wordPages` record
 * per page, with each row's words and the page's distinct words in a multiEntry index, instead of
 * a `*words` index entry per word of every row (issue #20). A 20,000-message catch-up wrote
 * ≈ 160,000 such entries: the index cost fake-indexeddb a third of its floor, and Chromium, where
 * each record costs far more than an index entry, gains from fewer entries too (docs/benchmarks.md).
 *
 * The row keeps the words its page record holds in `heldWords` (not indexed). The write middleware
 * (derived-fields.ts) indexes a row's words itself whenever they differ from `heldWords` (an edit,
 * a delete, a hide, a writer that built the row anew), so a record is never the only way to a
 * row's *current* words; a record's entry for a row that changed since is stale, and search
 * (search/device-search.ts) checks every candidate against the row as it is now. Live messages
 * (one at a time) keep the `*words` index: one record each would cost more than their entries.
 */
import type { StoredMessage } from './local-db.ts';
import { wordsOf } from './search-words.ts';

/** A page's search words: `entries` [row key, its words]; `words` their union (the multiEntry index). */
export interface WordPage {
  id?: number;
  words: string[];
  entries: Array<[key: string, words: string[]]>;
}

export const sameWords = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);

/** The row objects holdWords has just given their words: the write middleware need not tokenize them again. */
const justHeld = new WeakSet<StoredMessage>();

/** Whether the words a page record holds for `row` (its `heldWords`) are still its words. */
export function heldWordsCurrent(row: StoredMessage): boolean {
  if (!row.heldWords || row.heldWords.length === 0) return false;
  return justHeld.has(row) || sameWords(row.heldWords, wordsOf(row));
}

/**
 * The rows as a page stores them, and the record holding their words (null when none needs one):
 * a row whose words a record already holds (`heldWords` equal to them) is not entered again, and
 * a row without words (system, deleted, hidden, no body) needs none.
 */
export function holdWords(rows: readonly StoredMessage[]): { rows: StoredMessage[]; page: WordPage | null } {
  const entries: WordPage['entries'] = [];
  const union = new Set<string>();
  const out = rows.map((row) => {
    const words = wordsOf(row);
    if (words.length === 0) return row;
    if (row.heldWords && sameWords(row.heldWords, words)) return held(row);
    entries.push([row.key, words]);
    for (const w of words) union.add(w);
    return held({ ...row, heldWords: words });
  });
  return { rows: out, page: entries.length > 0 ? { words: [...union], entries } : null };
}

function held(row: StoredMessage): StoredMessage {
  justHeld.add(row);
  return row;
}

/** The keys of the rows a set of page records names with a word starting with `prefix` (stale entries included). */
export function keysWithPrefix(pages: readonly WordPage[], prefix: string): Set<string> {
  const keys = new Set<string>();
  for (const page of pages) for (const [key, words] of page.entries) if (words.some((w) => w.startsWith(prefix))) keys.add(key);
  return keys;
}
