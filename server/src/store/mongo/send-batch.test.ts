import { directConversationId, type Message } from '@pigeon/sync-protocol';
import type { CommandStartedEvent } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { messageIdFor } from './message-id.ts';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req } from './testing/mongo-test-db.ts';
import { storedMessage } from '../store.ts';

describeMongo('MongoStore send batch', () => {
  const LOOKUPS = ['before-insert', 'on-conflict'] as const;

  it.each(LOOKUPS)('stores a 500-message batch in a bounded number of round trips (lookup %s)', async (sendLookup) => {
    const commands: CommandStartedEvent[] = [];
    const store = await openMongo(freshDbName(), { sendLookup, clientOptions: { monitorCommands: true } });
    const record = async <T>(fn: () => Promise<T>): Promise<{ result: T; names: string[]; onLocks: number }> => {
      commands.length = 0;
      store.client.on('commandStarted', (e) => commands.push(e));
      const result = await fn();
      store.client.removeAllListeners('commandStarted');
      // The shared write lock (FerretDB) adds its own insert and delete on `locks`.
      const locks = (c: CommandStartedEvent) => c.command[c.commandName] === 'locks';
      // A lookup returning many documents may be paged with getMore.
      const names = commands.filter((c) => !locks(c) && c.commandName !== 'getMore').map((c) => c.commandName);
      return { result, names, onLocks: commands.filter(locks).length };
    };
    try {
      expect(store.sendLookup).toBe(sendLookup);
      // The search backfill of a freshly opened store reads in the background (backfill.ts): its
      // finds are not the send path's, and must not land among the round trips counted below.
      await store.searchBackfill;
      const users = await Promise.all(Array.from({ length: 6 }, () => newUser(store)));
      // Five conversations: users[0] with each of the others, both directions.
      const batch = Array.from({ length: 500 }, (_, i) => {
        const peer = users[1 + (i % 5)]!;
        return i % 2 ? req(users[0]!, peer, `m${i}`) : req(peer, users[0]!, `m${i}`);
      });
      const first = await record(() => store.sendMessages(batch));
      const outcomes = first.result;

      expect(outcomes.every((o) => o.created)).toBe(true);
      expect(first.onLocks).toBe(0);
      // [lookup (find)] + the new conversations' documents (one insert) + the largest position
      // (find: the store's first write) + the messages (one insert) + the pointers (one update).
      // New conversations need no seq read: their documents were just created.
      expect(first.names.filter((n) => n === 'insert')).toHaveLength(2);
      expect(first.names.filter((n) => n === 'find')).toHaveLength(sendLookup === 'before-insert' ? 2 : 1);
      expect(first.names.filter((n) => n === 'update')).toHaveLength(1);
      expect(first.names.length, first.names.join(', ')).toBe(sendLookup === 'before-insert' ? 5 : 4);

      const conversations = store.db.collection<{ _id: string }>('conversations');
      for (const peer of users.slice(1)) {
        const id = directConversationId(users[0]!.id, peer.id);
        const history = await store.getHistory(id, null, 1000);
        expect(history.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(await conversations.findOne({ _id: id })).toMatchObject({ lastCommittedSeq: 100 });
      }

      // Resending the whole batch writes nothing.
      const again = await record(() => store.sendMessages(batch));
      expect(again.result.map((o) => storedMessage(o))).toEqual(outcomes.map((o) => storedMessage(o)));
      expect(again.result.some((o) => o.created)).toBe(false);
      if (sendLookup === 'before-insert') {
        expect(again.names).toEqual(['find']);
      } else {
        // The refused insert, and one lookup of what it left, which returns the stored copies.
        expect(again.names).toEqual(['insert', 'find']);
      }
      expect(await store.db.collection('messages').countDocuments()).toBe(500);
      const [next] = await store.sendMessages([req(users[0]!, users[1]!, 'next')]);
      expect(storedMessage(next!).seq).toBe(101);
      // The pointer moves once per POINTER_STRIDE messages: still at the first batch's newest.
      const id = directConversationId(users[0]!.id, users[1]!.id);
      const newestOfFirst = outcomes.map((o) => storedMessage(o)).find((m) => m.conversationId === id && m.seq === 100)!;
      expect(await conversations.findOne({ _id: id })).toMatchObject({ lastCommittedSeq: 100, updatedAt: newestOfFirst.createdAt });
    } finally {
      await store.close();
    }
  });

  it('derives a message id from (sender, clientId): opaque, stable, distinct per sender', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = await Promise.all([newUser(store), newUser(store)]);
      const [fromA, fromB] = await store.sendMessages([req(a, b, 'x', 'same-client-id'), req(b, a, 'y', 'same-client-id')]);
      expect(storedMessage(fromA!).id).toBe(messageIdFor(a.id, 'same-client-id'));
      expect(storedMessage(fromB!).id).toBe(messageIdFor(b.id, 'same-client-id'));
      expect(storedMessage(fromA!).id).toMatch(/^[0-9a-f]{32}$/);
      expect(storedMessage(fromA!).id).not.toBe(storedMessage(fromB!).id);
      expect(messageIdFor('ab', 'c')).not.toBe(messageIdFor('a', 'bc'));
    } finally {
      await store.close();
    }
  });

  describe.each(LOOKUPS)('resends (lookup %s)', (sendLookup) => {
    it('resends interleaved with new sends across conversations keep every conversation gap-free', async () => {
      const store = await openMongo(freshDbName(), { sendLookup });
      try {
        const [a, b, c] = await Promise.all([newUser(store), newUser(store), newUser(store)]);
        await store.sendMessages([req(a, b, 'ab1', 'r-ab1'), req(c, a, 'ca1', 'r-ca1'), req(a, b, 'ab2', 'r-ab2')]);
        const batch = [
          req(a, b, 'ab-new1'),
          req(a, b, 'ab1', 'r-ab1'),
          req(c, a, 'ca-new1'),
          req(a, b, 'ab2', 'r-ab2'),
          req(c, a, 'ca1', 'r-ca1'),
          req(a, b, 'ab-new2'),
          req(a, b, 'ab1', 'r-ab1'),
          req(c, a, 'ca-new2'),
        ];
        const outcomes = await store.sendMessages(batch);
        expect(outcomes.map((o) => [storedMessage(o).body, storedMessage(o).seq, o.created])).toEqual([
          ['ab-new1', 3, true],
          ['ab1', 1, false],
          ['ca-new1', 2, true],
          ['ab2', 2, false],
          ['ca1', 1, false],
          ['ab-new2', 4, true],
          ['ab1', 1, false],
          ['ca-new2', 3, true],
        ]);
        for (const [x, y, n] of [[a, b, 4], [a, c, 3]] as const) {
          const history = await store.getHistory(directConversationId(x.id, y.id), null, 100);
          expect(history.map((m) => m.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        }
        // Positions stay unique and increasing in input order for the new ones.
        const page = await store.changesSince(a.id, 0, 100);
        expect(page.messages.map((m) => m.body)).toEqual(['ab1', 'ca1', 'ab2', 'ab-new1', 'ca-new1', 'ab-new2', 'ca-new2']);
      } finally {
        await store.close();
      }
    });
  });

  it('a clientId raced by another node resolves to the stored copy, and no seq is lost', async () => {
    const { plain: nodeA, racing: nodeB, armRace } = await openRacingPair('beforeInsert');
    try {
      const a = await newUser(nodeA);
      const b = await newUser(nodeA);
      const contested = req(a, b, 'contested');
      let winner: Message | undefined;
      // Node A stores the clientId after node B looked it up and before B inserts.
      armRace(async () => {
        const [o] = await nodeA.sendMessages([{ ...contested, body: 'stored by A' }]);
        winner = storedMessage(o!);
      });
      const outcomes = await nodeB.sendMessages([req(a, b, 'before'), contested, req(a, b, 'after')]);
      expect(winner).toBeDefined();
      expect(outcomes[1]).toEqual({ message: winner, created: false });
      expect(outcomes[0]!.created && outcomes[2]!.created).toBe(true);

      const history = await nodeB.getHistory(directConversationId(a.id, b.id), null, 100);
      expect(history.filter((m) => m.clientId === contested.clientId)).toEqual([winner]);
      expect(history.map((m) => m.body)).toEqual(['before', 'after', 'stored by A'].sort((x, y) => {
        const seqOf = (body: string) => history.find((m) => m.body === body)!.seq;
        return seqOf(x) - seqOf(y);
      }));
      // B had numbered its batch 1–3; A's message took 1 first, so B's insert was refused,
      // found A's copy of the contested send, and numbered the rest after it.
      expect(history.map((m) => m.seq)).toEqual([1, 2, 3]);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });
});
