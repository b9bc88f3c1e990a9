/**
 * Search words of the rows stored from the server (v10): one `wordPages` record per sync or history
 * page, which rows have each of the page's distinct words (those in a multiEntry index), instead of
 * a `*words` index entry per word of every row (issue #20). A 20,000-message catch-up wrote
 * ≈ 160,000 such entries: the index cost fake-indexeddb a third of its floor, and Chromium, where
 * each record costs far more than an index entry, gains from fewer entries too (docs/benchmarks.md).
 *
 * Rows stored a few at a time (live messages, acks) go into the newest record while it is small
 * (OPEN_RECORD_MAX). Every server copy's words are in a record; rows written otherwise (pending
 * rows, a local action's overlay) keep theirs in `*words`.
 *
 * The row keeps the words its record holds in `heldWords` (not indexed). The write middleware
 * (derived-fields.ts) indexes a row's words itself whenever they differ from `heldWords` (an edit,
 * a delete, a hide, a writer that built the row anew), so a record is never the only way to a
 * row's *current* words; a record's entry for a row that changed since is stale, and search
 * (search/device-search.ts) checks every candidate against the row as it is now.
 */
import type { StoredMessage } from './local-db.ts';
import { wordsOf } from './search-words.ts';

/**
 * A page's search words as an inverted list: `words` its distinct words (the multiEntry index),
 * `keys` its rows, `rows[i]` the positions in `keys` of the rows with `words[i]`. Numbers, not a
 * words array per row: a search for a common word reads every page's record, and this form is
 * about half the size to clone out of IndexedDB.
 */
export interface WordPage {
  id?: number;
  words: string[];
  keys: string[];
  rows: number[][];
  /** The newest `createdAt` of its rows (indexed): search reads records newest first and stops when no older one can rank. */
  newest: string;
}

export const sameWords = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);

/** The row objects holdWords has just given their words: the write middleware need not tokenize them again. */
const justHeld = new WeakSet<StoredMessage>();

/** Whether the words a record holds for `row` (its `heldWords`) are still its words. */
export function heldWordsCurrent(row: StoredMessage): boolean {
  if (!row.heldWords || row.heldWords.length === 0) return false;
  return justHeld.has(row) || sameWords(row.heldWords, wordsOf(row));
}

/**
 * Rows a record takes more of, a few at a time: live messages and acks, in few rows each, are added to
 * the newest record while it holds fewer than this (one small record rewritten per message instead of
 * an index entry per word); a larger batch (a sync or history page) makes a record of its own.
 */
export const OPEN_RECORD_MAX = 100;

/** Whether a batch of `count` rows goes into `open` (the newest record) rather than a record of its own. */
export const fitsOpen = (open: WordPage | undefined, count: number): open is WordPage => !!open && open.keys.length + count <= OPEN_RECORD_MAX;

/**
 * The rows as a batch stores them, and the record holding their words (null when none needs one):
 * `into` (the newest record, with its id) extended, or a new one. A row whose words a record already
 * holds (`heldWords` equal to them) is not entered again, and a row without words (system, deleted,
 * hidden, no body) needs none.
 */
export function holdWords(rows: readonly StoredMessage[], into?: WordPage): { rows: StoredMessage[]; page: WordPage | null } {
  const keys: string[] = [...(into?.keys ?? [])];
  const postings = new Map<string, number[]>((into?.words ?? []).map((w, i) => [w, [...into!.rows[i]!]]));
  let newest = into?.newest ?? '';
  const before = keys.length;
  const out = rows.map((row) => {
    const words = wordsOf(row);
    if (words.length === 0) return row;
    if (row.heldWords && sameWords(row.heldWords, words)) return held(row);
    const at = keys.push(row.key) - 1;
    if (row.createdAt > newest) newest = row.createdAt;
    for (const w of words) {
      const list = postings.get(w);
      if (list) list.push(at);
      else postings.set(w, [at]);
    }
    return held({ ...row, heldWords: words });
  });
  if (keys.length === before) return { rows: out, page: null };
  return { rows: out, page: { ...(into?.id !== undefined ? { id: into.id } : {}), words: [...postings.keys()], keys, rows: [...postings.values()], newest } };
}

function held(row: StoredMessage): StoredMessage {
  justHeld.add(row);
  return row;
}

/**
 * The keys of the rows a word record names with, for every term, a word starting with it (as the
 * record saw them: an entry can be stale, so the rows are still checked as they are now), each once:
 * a row whose words changed while the record was the newest is in it twice.
 */
export function keysWithTerms(page: WordPage, terms: readonly string[]): string[] {
  let found: Set<number> | null = null;
  for (const term of terms) {
    const rows = new Set<number>();
    page.words.forEach((w, i) => {
      if (w.startsWith(term)) for (const at of page.rows[i]!) if (!found || found.has(at)) rows.add(at);
    });
    found = rows;
    if (found.size === 0) break;
  }
  return [...new Set([...(found ?? [])].map((at) => page.keys[at]!))];
}
