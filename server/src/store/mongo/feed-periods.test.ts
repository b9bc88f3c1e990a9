import { expect, it } from 'vitest';
import type { CommandStartedEvent } from 'mongodb';
import { storedMessage, type SendRequest, type Store, type UserRecord } from '../store.ts';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req } from './testing/mongo-test-db.ts';

const groupSend = (from: UserRecord, groupId: string, body: string): SendRequest => ({ ...req(from, from, body), recipientId: groupId, conversationId: groupId });
const group = async (store: Store, creator: UserRecord, members: UserRecord[]) =>
  (await store.createGroup({ creatorId: creator.id, clientId: `g-${Math.random()}`, title: 'g', memberIds: members.map((m) => m.id), at: new Date().toISOString() })).group.id;

/**
 * changesSince keeps a group to the reader's periods, read before the entries. A change of the
 * periods committed in between is found again: on MongoDB by reading the periods a second time,
 * on FerretDB (every read a scan of the collection) by the membership changes the one read of the
 * entries brings along (reads.ts). The opening race is in groups.test.ts.
 */
describeMongo('MongoStore change feed and membership periods', () => {
  it('a period closing while the feed is read: nothing after the removal is handed out', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeFeedRead');
    try {
      const [a, c] = await Promise.all([newUser(nodeA), newUser(nodeA)]);
      const g = await group(nodeA, a, [c]);
      storedMessage((await nodeA.sendMessages([groupSend(a, g, 'inside')]))[0]!);
      // Node A has read c's periods (open); node B removes c, then a message lands after the removal.
      armRace(async () => {
        await nodeB.changeGroup({ conversationId: g, actorId: a.id, clientId: 'rm', at: new Date().toISOString(), kind: 'remove', userId: c.id });
        await nodeB.sendMessages([groupSend(a, g, 'after the removal')]);
      });
      const page = await nodeA.changesSince(c.id, 0, 100);
      expect(page.messages.map((m) => [m.seq, m.type])).toEqual([
        [1, 'system'],
        [2, 'text'],
        [3, 'system'],
      ]);
      expect(page.hasMore).toBe(false);
      expect((await nodeA.changesSince(c.id, page.position, 100)).messages).toEqual([]);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('on FerretDB a page reads the messages twice (periods, then the entries with the membership changes) while no action exists; receipts’ messages by _id; an empty page twice', async () => {
    const store = await openMongo(freshDbName(), { clientOptions: { monitorCommands: true } });
    await store.searchBackfill; // its background finds are not the counted ones (backfill.ts)
    try {
      if (store.server !== 'ferretdb') return; // MongoDB reads the periods again, by index
      const [a, b, c] = await Promise.all([newUser(store), newUser(store), newUser(store)]);
      const g = await group(store, a, [b, c]);
      const m = storedMessage((await store.sendMessages([groupSend(a, g, 'g1')]))[0]!);
      const d = storedMessage((await store.sendMessages([req(a, b, 'direct')]))[0]!);
      await store.markDelivered(b.id, [m.id, d.id], new Date().toISOString());
      const filters: unknown[] = [];
      store.client.on('commandStarted', (ev: CommandStartedEvent) => {
        if (ev.commandName === 'find' && ev.command.find === 'messages') filters.push(ev.command.filter);
      });
      const page = await store.changesSince(b.id, 0, 100);
      expect(page.messages.map((x) => [x.body, x.status])).toEqual([
        ['', 'read'],
        ['g1', 'sent'],
        ['direct', 'delivered'],
      ]);
      const scans = () => filters.filter((f) => typeof (f as { _id?: unknown })._id !== 'string');
      // No action was ever applied in this database, so the entries about the page's messages are not
      // read (entry-truth.ts; entry-truth.test.ts has that third read once actions exist).
      expect(scans()).toHaveLength(2);
      filters.length = 0;
      expect((await store.changesSince(b.id, page.position, 100)).messages).toEqual([]);
      expect(scans()).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
