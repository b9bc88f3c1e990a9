/**
 * The `*unacked` index (schema v9): this device's messages not acked yet (pending or failed), in
 * the order they were typed, across all conversations and per conversation, from one multiEntry
 * index. A row's `unacked` field holds its keys: `[pendingAt, [conversationId, pendingAt]]` while
 * unacked, `[]` once acked (no entry at all). Numbers sort before arrays in IndexedDB's key order,
 * so the number keys read in order are every unacked row, and `[conversationId, …]` ranges one
 * conversation's.
 *
 * Before v9 these were two sparse indexes, `pendingAt` and `[conversationId+pendingAt]`, which
 * left an acked row out because it has no `pendingAt`. Same entries, but fake-indexeddb (how the
 * engine runs in Node) throws and catches a DataError for every index a row has no key for: two
 * per received message, half of what storing a 20,000-message catch-up cost it (issue #20,
 * docs/benchmarks.md). An empty multiEntry array is left out without an error, in every IndexedDB.
 * The field is derived from the row on every write (local/derived-fields.ts), never by a writer.
 */
import type { StoredMessage } from './local-db.ts';

/** One key of the index: the row's `pendingAt`, or its conversation and `pendingAt`. */
export type UnackedKey = number | [string, number];

/** The index keys of a row in this state: none once it is acked (`pendingAt` unset). */
export function unackedOf(row: Pick<StoredMessage, 'conversationId' | 'pendingAt'>): UnackedKey[] {
  return row.pendingAt === undefined ? [] : [row.pendingAt, [row.conversationId, row.pendingAt]];
}
