import { expect, it } from 'vitest';
import type { CommandStartedEvent } from 'mongodb';
import { findByIds, ONE_BY_ONE_MAX } from './by-ids.ts';
import { describeMongo, freshDbName, openMongo } from './testing/mongo-test-db.ts';

describeMongo('MongoStore findByIds', () => {
  it('the documents with these ids, each once; on FerretDB few ids are read one `_id` filter each (the one filter it passes down)', async () => {
    const store = await openMongo(freshDbName(), { clientOptions: { monitorCommands: true } });
    await store.searchBackfill; // its background finds are not the counted ones (backfill.ts)
    try {
      const coll = store.db.collection<{ _id: string; n: number }>('things');
      await coll.insertMany(Array.from({ length: 40 }, (_, n) => ({ _id: `t${n}`, n })));
      const filters: unknown[] = [];
      store.client.on('commandStarted', (ev: CommandStartedEvent) => {
        if (ev.commandName === 'find' && ev.command.find === 'things') filters.push(ev.command.filter);
      });
      const few = ['t3', 't1', 'missing', 't3'];
      const many = Array.from({ length: ONE_BY_ONE_MAX + 1 }, (_, n) => `t${n}`);
      const ns = (docs: { n: number }[]) => docs.map((d) => d.n).sort((a, b) => a - b);
      for (const server of ['mongodb', 'ferretdb'] as const) {
        filters.length = 0;
        expect(ns(await findByIds({ server }, coll, few)), server).toEqual([1, 3]);
        // Side by side: the commands may start in any order (a connection may have to be opened first).
        expect(filters, server).toEqual(server === 'ferretdb' ? expect.arrayContaining([{ _id: 't3' }, { _id: 't1' }, { _id: 'missing' }]) : [{ _id: { $in: ['t3', 't1', 'missing'] } }]);
        expect(filters, server).toHaveLength(server === 'ferretdb' ? 3 : 1);
        filters.length = 0;
        expect(ns(await findByIds({ server }, coll, many)), server).toEqual(many.map((_, n) => n));
        expect(filters, server).toEqual([{ _id: { $in: many } }]);
        expect(await findByIds({ server }, coll, [])).toEqual([]);
        filters.length = 0;
        expect(ns(await findByIds({ server }, coll, ['t7'])), server).toEqual([7]);
        expect(filters, server).toEqual([{ _id: 't7' }]);
      }
    } finally {
      await store.close();
    }
  });
});
