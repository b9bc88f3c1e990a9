import Dexie from 'dexie';
import type { IDBFactory } from 'fake-indexeddb';

/**
 * Dexie runs a liveQuery only when its global `indexedDB` dependency is set. In a
 * browser that is window.indexedDB; in Node it is null and every liveQuery silently
 * never emits. The devices pass their own factory explicitly, so the global is set
 * to a tripwire: truthy for liveQuery, but throwing if anything opens a database
 * without its own factory (which would make devices share storage unnoticed).
 */
if (!Dexie.dependencies.indexedDB) {
  const tripwire = () => {
    throw new Error('chaos: a Dexie database was opened without options.indexedDB');
  };
  Dexie.dependencies.indexedDB = { open: tripwire, deleteDatabase: tripwire, databases: tripwire, cmp: tripwire } as unknown as IDBFactory;
}

/** CHAOS_DEXIE_DEBUG=1: Dexie keeps long stacks across its promises (slower), so an engine-error's stack in the history says where a transaction was opened. */
if (process.env.CHAOS_DEXIE_DEBUG === '1') Dexie.debug = true;
