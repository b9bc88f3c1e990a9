import { isPigeonError } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from '../testing/contract/describe-store-contract.ts';
import { INDEXES } from './indexes.ts';
import { createMongoStore, dbNameFromUri } from './mongo-store.ts';
import { describeMongo, freshDbName, openMongo } from './testing/mongo-test-db.ts';

describeMongo('MongoStore', () => {
  let lastDb = '';
  describeStoreContract('mongodb', {
    open: () => openMongo((lastDb = freshDbName())),
    reopen: () => openMongo(lastDb),
  });

  describe('opening', () => {
    it('creates the documented indexes', async () => {
      const store = await openMongo(freshDbName());
      try {
        for (const [collection, wanted] of Object.entries(INDEXES)) {
          const actual = await store.db.collection(collection).listIndexes().toArray();
          for (const w of wanted) {
            const found = actual.find((a) => a.name === w.name);
            expect(found, `${collection}.${w.name}`).toBeDefined();
            expect(found!.key).toEqual(w.key);
            expect(Boolean(found!.unique)).toBe(Boolean(w.unique));
          }
        }
      } finally {
        await store.close();
      }
    });

    it('detects the server and picks the write lock for it', async () => {
      const store = await openMongo(freshDbName());
      try {
        const info = await store.db.command({ buildInfo: 1 });
        expect(store.server).toBe(info.ferretdbVersion ? 'ferretdb' : 'mongodb');
        expect(store.writeLock).toBe(store.server === 'ferretdb' ? 'shared' : 'process');
      } finally {
        await store.close();
      }
    });

    it('opening twice over the same database is fine (indexes are idempotent)', async () => {
      const name = freshDbName();
      const first = await openMongo(name);
      await first.close();
      const second = await openMongo(name);
      await second.close();
    });
  });
});

describe('MongoStore without a server', () => {
  it('reports an unreachable server as UNAVAILABLE', async () => {
    const err = await createMongoStore({
      // Port 1 on loopback: nothing listens there.
      uri: 'mongodb://127.0.0.1:1/',
      clientOptions: { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isPigeonError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('takes the database name from the URI, if any', () => {
    expect(dbNameFromUri('mongodb://h:1/chat?w=majority')).toBe('chat');
    expect(dbNameFromUri('mongodb+srv://u:p@cluster.example.net/pigeon')).toBe('pigeon');
    expect(dbNameFromUri('mongodb://a:1,b:2/')).toBeNull();
    expect(dbNameFromUri('mongodb://a:1,b:2/?replicaSet=rs0')).toBeNull();
    expect(dbNameFromUri('mongodb://a:1')).toBeNull();
  });
});
