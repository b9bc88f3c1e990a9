/**
 * The database with the tables of one transaction bound to it.
 *
 * Dexie finds the transaction of `db.messages.get()` through its zone, which follows a transaction
 * scope across `await`s by echoing it from microtask to microtask. A chain of native async
 * functions can lose that echo when other asynchronous work runs in between (found by the chaos
 * harness once uploads streamed Blobs in the same process: F1 in docs/reliability.md): the rest of
 * the scope then ran *outside* the transaction, each read and write committing on its own, so a
 * batch of server copies merged against rows it had read before a newer copy was written, and
 * wrote an older version back. A table taken from the transaction (`tx.table(name)`) carries the
 * transaction itself and never depends on the zone. Helpers called with this database (they read
 * `db.messages`, `db.getMeta`, …) use the transaction's tables without knowing it.
 */
import type { Transaction } from 'dexie';
import type { LocalDb } from './local-db.ts';

export function boundTo(db: LocalDb, tx: Transaction): LocalDb {
  const names = new Set(tx.storeNames);
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && names.has(prop)) return tx.table(prop);
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}
