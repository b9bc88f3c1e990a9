/**
 * The `words` of a message row (v6): what the multiEntry `*words` index holds, so `search()` finds
 * a message by the beginning of any of its words offline (search-text.ts, the rule every store
 * uses). Kept by Dexie hooks on the table itself, not by each writer: every path that writes a
 * row (own sends, server copies from acks, live events, catch-up and history, local and server
 * edits, deletes, hides, re-keying, parking) goes through `creating` or `updating`, so none can
 * forget it. System, deleted and hidden rows index nothing: they are never found.
 */
import type { Table } from 'dexie';
import { searchTokens } from '../../search-text.ts';
import type { StoredMessage } from './local-db.ts';

type WordSource = Pick<StoredMessage, 'body' | 'type' | 'deletedAt' | 'hiddenAt'>;

/** The words to index for a row in this state. */
export function wordsOf(row: WordSource): string[] {
  if (row.type === 'system' || row.deletedAt || row.hiddenAt || !row.body) return [];
  return searchTokens(row.body);
}

const SOURCES = ['body', 'type', 'deletedAt', 'hiddenAt'] as const;

const sameWords = (a: readonly string[] | undefined, b: readonly string[]) => !!a && a.length === b.length && a.every((w, i) => w === b[i]);

/** Registers the hooks on the messages table (once per LocalDb). */
export function keepWords(messages: Table<StoredMessage, string>): void {
  messages.hook('creating', (_key, row) => {
    row.words = wordsOf(row);
  });
  messages.hook('updating', (modifications, _key, row) => {
    const mods = modifications as Record<string, unknown>;
    // A put of a whole row without `words` (a server copy merged by a writer that never heard of
    // them) shows as `words: undefined` in Dexie's diff: recomputed too, or the index would lose it.
    const wordsTouched = 'words' in mods;
    if (!wordsTouched && !SOURCES.some((k) => k in mods)) return undefined;
    const next = { ...row } as Record<string, unknown>;
    // A modification to `undefined` removes the field (Dexie's put diff and modify both say so).
    for (const k of SOURCES) if (k in mods) next[k] = mods[k];
    const words = wordsOf(next as WordSource);
    return !wordsTouched && sameWords(row.words, words) ? undefined : { words };
  });
}
