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
