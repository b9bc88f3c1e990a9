/**
 * The fields of a message row that only index it, derived from the row itself on every write:
 * `words` (v6, local/search-words.ts; left out while a word record holds them, v10,
 * local/page-words.ts) and `unacked` (v9, local/unacked-index.ts). Kept by a DBCore
 * middleware on the messages table, not by each writer: every path that writes a row (own sends,
 * server copies from acks, live events, catch-up and history, local and server edits, deletes,
 * hides, re-keying, parking) ends in a DBCore `add` or `put` of whole rows (Dexie's `update` and
 * `modify` too), so none can forget them, and a row copied from a stored one (`{ ...row, … }`)
 * never keeps a stale value.
 *
 * Not Dexie's `creating`/`updating` hooks, as before (issue #20): with a hook on a table, Dexie
 * reads every row a put replaces before writing it, to tell a creation from an update and diff
 * them: one more IndexedDB read per stored message, the `get`/`getAll` that made up a fifth of
 * the page's main thread during a catch-up in Chromium. These fields are functions of the row
 * being written alone, so the middleware needs no read.
 */
import type { DBCore, DBCoreMutateRequest, DBCoreTable, Middleware } from 'dexie';
import type { StoredMessage } from './local-db.ts';
import { heldWordsCurrent } from './page-words.ts';
import { wordsOf } from './search-words.ts';
import { unackedOf } from './unacked-index.ts';

/**
 * The derived fields of a row (what equality of two rows leaves out: down/merge-rules.ts sameRow),
 * and `heldWords` (v10): which word record holds a row's words is bookkeeping, not the row's state.
 */
export const DERIVED_FIELDS = ['words', 'unacked', 'heldWords'] as const satisfies readonly (keyof StoredMessage)[];

/**
 * A row as stored: its `unacked` keys, and its words either in its own `*words` entries or, while
 * they are still what its word record holds (`heldWords`, local/page-words.ts), there alone. So a
 * row's current words are `heldWords ?? words`.
 */
export function withDerivedFields(row: StoredMessage): StoredMessage {
  // `words: []`, not left out: fake-indexeddb builds and throws a DataError for every index whose
  // key a row lacks (a tenth of a catch-up's CPU once, docs/benchmarks.md); an empty array has none.
  // One spread per row, overwriting rather than leaving out (a stale `heldWords` becomes undefined).
  if (heldWordsCurrent(row)) return { ...row, words: [], unacked: unackedOf(row) };
  return { ...row, words: wordsOf(row), heldWords: undefined, unacked: unackedOf(row) };
}

/** Every row written to `messages` carries the fields of its own state (copies: the caller's objects stay as they were). */
function withDerived(req: DBCoreMutateRequest): DBCoreMutateRequest {
  if (req.type !== 'add' && req.type !== 'put') return req;
  return { ...req, values: req.values.map(withDerivedFields) };
}

/** The middleware (registered once per LocalDb: `db.use(keepDerivedFields)`). */
export const keepDerivedFields: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'pigeon-derived-fields',
  create: (down) => ({
    ...down,
    table: (name: string): DBCoreTable => {
      const table = down.table(name);
      return name === 'messages' ? { ...table, mutate: (req) => table.mutate(withDerived(req)) } : table;
    },
  }),
};
