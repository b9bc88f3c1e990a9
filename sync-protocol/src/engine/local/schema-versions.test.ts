import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LocalDb } from './local-db.ts';
import { DECLARED_VERSIONS, VERSIONS } from './schema-versions.ts';

/** The database as IndexedDB holds it: each store's key path and indexes (key path, multiEntry, unique). */
async function installedSchema(indexedDB: IDBFactory, name: string) {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    const names = [...db.objectStoreNames].sort();
    const tx = db.transaction(names, 'readonly');
    return {
      version: db.version,
      stores: names.map((n) => {
        const store = tx.objectStore(n);
        const indexes = [...store.indexNames].sort().map((i) => {
          const index = store.index(i);
          return [i, index.keyPath, index.multiEntry, index.unique];
        });
        return [n, store.keyPath, store.autoIncrement, indexes];
      }),
    };
  } finally {
    db.close();
  }
}

describe('schema versions', () => {
  it('declares the versions with an upgrade, and the latest, each with the whole schema at that version', () => {
    expect(DECLARED_VERSIONS.map((v) => v.version)).toEqual(VERSIONS.filter((v, i) => v.upgrade || i === VERSIONS.length - 1).map((v) => v.version));
    expect(DECLARED_VERSIONS.at(-1)!.version).toBe(VERSIONS.at(-1)!.version);
    // The latest declared schema names every table ever created, with its latest spec.
    const everyTable = new Set(VERSIONS.flatMap((v) => Object.keys(v.stores)));
    expect(Object.keys(DECLARED_VERSIONS.at(-1)!.stores).sort()).toEqual([...everyTable].sort());
  });

  it.each(VERSIONS.map((v) => v.version))('a database made at v%i upgrades to the schema of a new database, its rows kept', async (version) => {
    const indexedDB = new IDBFactory();
    const fresh = new LocalDb('fresh', { indexedDB, IDBKeyRange });
    await fresh.open();
    fresh.close();

    // The database as that version of the app made it: every shipped version up to it declared.
    const old = new Dexie('old', { indexedDB, IDBKeyRange });
    for (const v of VERSIONS.filter((v) => v.version <= version)) old.version(v.version).stores(v.stores);
    await old.table('meta').put({ key: 'probe', value: version });
    await old.table('users').put({ id: 'ann', username: 'ann', displayName: 'Ann' });
    old.close();

    const db = new LocalDb('old', { indexedDB, IDBKeyRange });
    await db.open();
    expect(await db.getMeta('probe')).toBe(version);
    expect((await db.users.get('ann'))?.displayName).toBe('Ann');
    db.close();
    expect(await installedSchema(indexedDB, 'old')).toEqual(await installedSchema(indexedDB, 'fresh'));
  });
});
