/**
 * Delivery receipts owed, kept apart from the message rows (issue #20).
 *
 * An incoming message is stored `delivered` at once, and the ids whose `message-received` the
 * server has not acknowledged yet go into ONE meta row per storing transaction (a sync page, a
 * live event), written in that same transaction: a reload, a crash or going offline between the
 * page's commit and the emit leaves the record, and the next flush sends it. After the ack the
 * record is deleted. The rows are written once; before, each was stored `sent` by its page and
 * rewritten `delivered` after the ack, so a catch-up wrote every incoming row twice.
 *
 * Keys: `owed-delivered:<user>:<first id>:<count>`. The user in the key keeps another account's
 * debt out of a flush (an account switch clears meta anyway). A message is owed at most once
 * while the data lives (its row is `delivered` from then on), so the key is unique to its batch.
 *
 * Rows still stored `sent` (a database written before this record existed) are paid by the
 * flush's fallback (up/receipts.ts), which raises them after the ack as it always did.
 */
import { META, type LocalDb } from './local-db.ts';

export interface OwedRecord {
  key: string;
  ids: string[];
}

const prefixOf = (me: string): string => `${META.deliveredOwedPrefix}${me}:`;

/** Records `ids` as owed by `me` (inside the caller's rw transaction over meta). */
export async function oweDelivered(db: LocalDb, me: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.meta.put({ key: `${prefixOf(me)}${ids[0]}:${ids.length}`, value: [...ids] });
}

/** The oldest records of `me`'s debt, at most `limit` of them. */
export async function owedDelivered(db: LocalDb, me: string, limit: number): Promise<OwedRecord[]> {
  const rows = await db.meta.where('key').startsWith(prefixOf(me)).limit(limit).toArray();
  return rows.map((r) => ({ key: r.key, ids: (r.value as string[]) ?? [] }));
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
