/**
 * What a device holds of messages deleted for me (#16): `queries.messages` leaves them out, so the
 * snapshot asks `queries.message(key)` for each key some account hid, and merges the rows it finds
 * back into their conversation's list (acked rows in seq order, pending ones after), so the delivery
 * and group checks see whole conversations and the action checks see the hidden rows.
 */
import type { LocalMessage, SyncEngine } from '../../sync-protocol/src/engine/api.ts';

/**
 * Merges the hidden rows of `candidates` into `lists` (by conversation id; a conversation not in
 * `lists` is left alone). Returns the keys `queries.messages` showed although their row is hidden.
 */
export async function mergeHidden(engine: SyncEngine, lists: Record<string, LocalMessage[]>, candidates: readonly string[]): Promise<string[]> {
  const shown = new Map(Object.values(lists).flatMap((l) => l.map((m) => [m.key, m] as const)));
  const hiddenShown = [...shown.values()].filter((m) => m.hiddenAt).map((m) => m.key);
  for (const key of new Set(candidates)) {
    if (shown.has(key)) continue;
    const row = await engine.queries.message(key);
    const list = row ? lists[row.conversationId] : undefined;
    if (!row || !list) continue;
    list.push(row);
    list.sort(bySeqThenPending);
  }
  return hiddenShown;
}

/** queries.messages' order: acked by seq, then the unacked by local creation. */
export function bySeqThenPending(a: LocalMessage, b: LocalMessage): number {
  if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
  if (a.seq !== null) return -1;
  if (b.seq !== null) return 1;
  return a.localCreatedAt - b.localCreatedAt;
}
