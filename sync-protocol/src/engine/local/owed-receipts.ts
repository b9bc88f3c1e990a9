/**
 * Delivery receipts owed, kept apart from the message rows (issue #20).
 *
 * An incoming message is stored `delivered` at once, and the ids whose `message-received` the
 * server has not acknowledged yet go into ONE meta row per storing transaction (a catch-up's commit
 * of sync pages, a live event), written in that same transaction: a reload, a crash or going offline between the
 * page's commit and the emit leaves the record, and the next flush sends it. After the ack the
 * record is deleted. The rows are written once; before, each was stored `sent` by its page and
 * rewritten `delivered` after the ack, so a catch-up wrote every incoming row twice.
 *
 * Until the ack the device shows such a message `delivered` while the server still says `sent`:
 * the debt is therefore counted into the engine's state (`receiptsOwed`), so whoever compares
 * the device with the server (the chaos harness) can tell "not converged yet" from "diverged".
 *
 * Keys: `owed-delivered:<user>:<stamp>:<count>`. The user keeps another account's debt out of a
 * flush and out of the count (an account switch clears meta anyway); the stamp (time, then
 * random) keeps two records apart even if they hold the same ids (rows cleared and fetched again)
 * and orders the records roughly oldest first; the count lets the debt be counted from the keys
 * alone, without reading the ids.
 *
 * Rows still stored `sent` (a database written before this record existed) are paid by the
 * flush's fallback (up/receipts.ts), which raises them after the ack as it always did; they are
 * not counted: they show what the server shows.
 */
import type { LocalDb } from './local-db.ts';

/** Meta keys of owed records (the rest of the meta namespace: local-db.ts META). */
export const OWED_PREFIX = 'owed-delivered:';

export interface OwedRecord {
  key: string;
  ids: string[];
}

const prefixOf = (me: string): string => `${OWED_PREFIX}${me}:`;

/** Time first (base 36, fixed width: keys sort by it), then random (two records in one ms). */
const stamp = (): string => `${Date.now().toString(36).padStart(9, '0')}${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;

/** Records `ids` as owed by `me` (inside the caller's rw transaction over meta). */
export async function oweDelivered(db: LocalDb, me: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.meta.put({ key: `${prefixOf(me)}${stamp()}:${ids.length}`, value: [...ids] });
}

/** The oldest records of `me`'s debt, at most `limit` of them. */
export async function owedDelivered(db: LocalDb, me: string, limit: number): Promise<OwedRecord[]> {
  const rows = await db.meta.where('key').startsWith(prefixOf(me)).limit(limit).toArray();
  return rows.map((r) => ({ key: r.key, ids: (r.value as string[]) ?? [] }));
}

/** How many receipts `me` owes, from the records' keys only (no ids read). */
export async function owedCount(db: LocalDb, me: string): Promise<number> {
  const keys = await db.meta.where('key').startsWith(prefixOf(me)).primaryKeys();
  return keys.reduce<number>((n, key) => n + countInKey(String(key)), 0);
}

/** The count a key ends with (0 for a key not written by oweDelivered: it still gets flushed). */
export function countInKey(key: string): number {
  const n = Number(key.slice(key.lastIndexOf(':') + 1));
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The server acknowledged these records' ids. */
export async function paidDelivered(db: LocalDb, keys: readonly string[]): Promise<void> {
  await db.meta.bulkDelete([...keys]);
}

/**
 * Records grouped into emits of at most `max` ids: consecutive records while they fit, a record
 * bigger than `max` alone in slices. A group's records are paid once every slice is acked.
 */
export function receiptBatches(records: readonly OwedRecord[], max: number): { keys: string[]; emits: string[][] }[] {
  const batches: { keys: string[]; emits: string[][] }[] = [];
  let keys: string[] = [];
  let ids: string[] = [];
  const close = () => {
    if (keys.length > 0) batches.push({ keys, emits: [ids] });
    keys = [];
    ids = [];
  };
  for (const r of records) {
    if (r.ids.length > max) {
      close();
      const emits: string[][] = [];
      for (let i = 0; i < r.ids.length; i += max) emits.push(r.ids.slice(i, i + max));
      batches.push({ keys: [r.key], emits });
      continue;
    }
    if (ids.length + r.ids.length > max) close();
    keys.push(r.key);
    ids = ids.concat(r.ids);
  }
  close();
  return batches;
}
