import { expect, it } from 'vitest';
import { describeMongo, freshDbName, openMongo } from './testing/mongo-test-db.ts';
import { SharedWriteLock, type LockDoc } from './write-lock.ts';

describeMongo('SharedWriteLock', () => {
  it('the shared write lock admits one section at a time across processes', async () => {
    const name = freshDbName();
    const stores = [await openMongo(name), await openMongo(name)];
    try {
      const locks = stores.map((s) => new SharedWriteLock(s.db.collection<LockDoc>('locks'), 'test-lock'));
      let active = 0;
      let maxActive = 0;
      let entered = 0;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          locks[i % 2]!.run(async () => {
            active++;
            entered++;
            maxActive = Math.max(maxActive, active);
            await new Promise((r) => setTimeout(r, 2));
            active--;
          }),
        ),
      );
      expect(entered).toBe(20);
      expect(maxActive).toBe(1);
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('the shared write lock takes over an expired lease and times out on a live one', async () => {
    const store = await openMongo(freshDbName());
    try {
      const locks = store.db.collection<LockDoc>('locks');
      await locks.insertOne({ _id: 'stale', owner: 'crashed-node', expiresAt: new Date(Date.now() - 1000) });
      expect(await new SharedWriteLock(locks, 'stale').run(async () => 'ran')).toBe('ran');
      expect(await locks.findOne({ _id: 'stale' })).toBeNull();

      await locks.insertOne({ _id: 'live', owner: 'busy-node', expiresAt: new Date(Date.now() + 60_000) });
      const err = await new SharedWriteLock(locks, 'live', { acquireTimeoutMs: 200 })
        .run(async () => 'ran')
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toMatchObject({ code: 'UNAVAILABLE' });
      expect((await locks.findOne({ _id: 'live' }))?.owner).toBe('busy-node');
    } finally {
      await store.close();
    }
  });
});
