import { expect, it } from 'vitest';
import { describeMongo, freshDbName, newUser, openMongo } from './testing/mongo-test-db.ts';

describeMongo('MongoStore mutes', () => {
  // Two nodes, one user's devices changing one chat through both, all stamped in one millisecond:
  // each change must get its own stamp after the one it replaced, and the record must be the one
  // stamped last (devices keep the latest stamp they hear of; up/mutes.ts). FerretDB's replace is
  // not a compare-and-set by itself: without the shared lock two writes took one stamp.
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
});
