/**
 * The `words` of a message row (v6): what the multiEntry `*words` index holds, so `search()` finds
 * a message by the beginning of any of its words offline (search-text.ts, the rule every store
 * uses). Kept by a DBCore middleware on the messages table, not by each writer: every path that
 * writes a row (own sends, server copies from acks, live events, catch-up and history, local and
 * server edits, deletes, hides, re-keying, parking) ends in a DBCore `add` or `put` of whole rows
 * (Dexie's `update` and `modify` too), so none can forget it. System, deleted and hidden rows
 * index nothing: they are never found.
 *
 * Not Dexie's `creating`/`updating` hooks, as before (issue #20): with a hook on a table, Dexie
 * reads every row a put replaces before writing it, to tell a creation from an update and diff
 * them: one more IndexedDB read per stored message, the `get`/`getAll` that made up a fifth of
 * the page's main thread during a catch-up in Chromium. The words are a function of the row
 * being written alone, so the middleware needs no read.
 */
import type { DBCore, DBCoreMutateRequest, DBCoreTable, Middleware } from 'dexie';
import { searchTokens } from '../../search-text.ts';
import type { StoredMessage } from './local-db.ts';

type WordSource = Pick<StoredMessage, 'body' | 'type' | 'deletedAt' | 'hiddenAt'>;

/** The words to index for a row in this state. */
export function wordsOf(row: WordSource): string[] {
  if (row.type === 'system' || row.deletedAt || row.hiddenAt || !row.body) return [];
  return searchTokens(row.body);
}

/** Every row written to `messages` carries the words of its own state (copies: the caller's objects stay as they were). */
function withWords(req: DBCoreMutateRequest): DBCoreMutateRequest {
  if (req.type !== 'add' && req.type !== 'put') return req;
  return { ...req, values: req.values.map((row: StoredMessage) => ({ ...row, words: wordsOf(row) })) };
}

/** The middleware (registered once per LocalDb: `db.use(keepWords)`). */
export const keepWords: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'pigeon-search-words',
  create: (down) => ({
    ...down,
    table: (name: string): DBCoreTable => {
      const table = down.table(name);
      return name === 'messages' ? { ...table, mutate: (req) => table.mutate(withWords(req)) } : table;
    },
  }),
};
