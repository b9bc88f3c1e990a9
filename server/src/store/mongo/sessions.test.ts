import { expect, it } from 'vitest';
import { describeMongo, freshDbName, newUser, openMongo } from './testing/mongo-test-db.ts';
import type { LockDoc } from './write-lock.ts';

describeMongo('MongoStore sessions', () => {
  it('records a use while a dead node holds the session lock (no wait for its lease)', async () => {
    const store = await openMongo(freshDbName());
    try {
      const user = await newUser(store);
      const now = Date.now();
      const session = await store.createSession({
        userId: user.id,
        userAgent: 'test',
        refreshHash: 'h1',
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 3_600_000).toISOString(),
      });
      // A node that died in the middle of a rotation: its lock document stays for an hour here
      // (the real lease is 5 s; long enough that the old code failed with UNAVAILABLE instead).
      await store.db.collection<LockDoc>('locks').insertOne({ _id: 'sessions', owner: 'dead-node', expiresAt: new Date(now + 3_600_000) });
      const at = new Date(now + 1).toISOString();
      await store.markSessionUsed(session.id, 'h1', at);
      await store.markSessionUsed(session.id, 'h1', new Date(now + 2).toISOString()); // the first use stays
      expect((await store.getSession(session.id))?.currentUsedAt).toBe(at);
      expect((await store.listSessions(user.id, new Date(now).toISOString()))[0]?.currentUsedAt).toBe(at);
    } finally {
      await store.close();
    }
  });

  it('a rotation drops the replaced generation\'s use, and a purge the purged sessions\' uses', async () => {
    const store = await openMongo(freshDbName());
    try {
      const user = await newUser(store);
      const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
      const session = await store.createSession({ userId: user.id, userAgent: 'test', refreshHash: 'h1', createdAt: t(0), expiresAt: t(1_000) });
      await store.markSessionUsed(session.id, 'h1', t(1));
      await store.rotateSession({ sessionId: session.id, presentedHash: 'h1', nextHash: 'h2', at: t(2), expiresAt: t(1_000) });
      await store.markSessionUsed(session.id, 'h2', t(3));
      const uses = () => store.db.collection('session_uses').find({ sessionId: session.id }).toArray();
      expect((await uses()).map((u) => u._id)).toEqual([`${session.id}:h2`]);
      expect(await store.purgeSessions(t(2_000))).toBe(1);
      expect(await uses()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
