import { expect, it } from 'vitest';
import type { UserDoc } from './documents.ts';
import { describeMongo, freshDbName, newUser, openMongo } from './testing/mongo-test-db.ts';

// Mute stamps and profile versions (F10, F11 in docs/reliability.md): a record one user's devices
// change at once, through two nodes, must take one state per change, each stamped or versioned after
// the one it replaced. FerretDB's conditional writes are not compare-and-sets by themselves: without
// the shared lock two writes took one stamp.
describeMongo('MongoStore: mute stamps and profile versions', () => {
  // All stamped in one millisecond: devices keep the latest stamp they hear of (up/mutes.ts).
  it('changes made at once through two nodes get distinct stamps; the record is the last stamped', async () => {
    const name = freshDbName();
    const [a, b] = [await openMongo(name), await openMongo(name)];
    try {
      const user = await newUser(a);
      const chat = `dm:${user.id}:someone`;
      const at = '2026-12-01T10:00:00.000Z';
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).setMute(user.id, chat, i % 3 === 0, at)));
      const stamps = answers.map((r) => r.changedAt).sort();
      expect(new Set(stamps).size).toBe(answers.length);
      expect(stamps[0]).toBe(at);
      const last = answers.find((r) => r.changedAt === stamps.at(-1));
      expect(await b.mutesOf(user.id)).toEqual([last]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  // Devices keep the copy of a user with the higher version (local/user-copies.ts).
  it('profile changes made at once through two nodes get versions 1..n; the record is version n', async () => {
    const name = freshDbName();
    const [a, b] = [await openMongo(name), await openMongo(name)];
    try {
      const user = await newUser(a);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).updateProfile(user.id, { about: `about ${i}` })));
      expect(answers.map((r) => r?.profileVersion).sort((x, y) => x! - y!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect((await b.getUsers([user.id]))[0]).toEqual(answers.find((r) => r?.profileVersion === 8));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  // Users stored before the version existed have no field: read as 0, and the first change writes 1.
  it('a user document without profileVersion reads as 0 and its first change makes it 1', async () => {
    const store = await openMongo(freshDbName());
    try {
      const user = await newUser(store);
      await store.db.collection<UserDoc>('users').updateOne({ _id: user.id }, { $unset: { profileVersion: '' } });
      expect((await store.getUsers([user.id]))[0]?.profileVersion).toBe(0);
      expect(await store.updateProfile(user.id, { about: 'older than versions' })).toMatchObject({ about: 'older than versions', profileVersion: 1 });
      expect(await store.updateProfile(user.id, { about: 'and since' })).toMatchObject({ profileVersion: 2 });
    } finally {
      await store.close();
    }
  });
});
