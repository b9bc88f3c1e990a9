import { directConversationId } from '@pigeon/sync-protocol';
import { expect, it } from 'vitest';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req } from './testing/mongo-test-db.ts';

describeMongo('MongoStore reads', () => {
  it('the conversation list shows the newest committed message while pointers lag, across nodes', async () => {
    const { plain: nodeA, racing: nodeB, armRace } = await openRacingPair('beforeInsert');
    try {
      const [a, b] = await Promise.all([newUser(nodeA), newUser(nodeA)]);
      const id = directConversationId(a.id, b.id);
      const newest = async () => {
        const lists = await Promise.all([nodeA.listConversations(a.id), nodeB.listConversations(b.id)]);
        return lists.map((l) => l.find((c) => c.id === id)?.lastMessage?.body);
      };
      await nodeA.sendMessages([req(a, b, 'a1'), req(a, b, 'a2'), req(a, b, 'a3')]);
      expect(await newest()).toEqual(['a3', 'a3']);
      await nodeB.sendMessages([req(b, a, 'b4'), req(b, a, 'b5')]);
      expect(await newest()).toEqual(['b5', 'b5']);

      // While B holds a batch between its allocation (seqs 6–7) and its insert, lastSeq
      // runs ahead of every stored message: the list must still find b5.
      let during: (string | undefined)[] = [];
      armRace(async () => {
        during = await newest();
      });
      await nodeB.sendMessages([req(b, a, 'b6'), req(b, a, 'b7')]);
      expect(during).toEqual(['b5', 'b5']);
      expect(await newest()).toEqual(['b7', 'b7']);
      const conversations = nodeA.db.collection<{ _id: string; lastSeq: number; lastCommittedSeq?: number }>('conversations');
      // B's second allocation carried the pointer of its first batch; A's is still pending.
      expect(await conversations.findOne({ _id: id })).toMatchObject({ lastSeq: 7, lastCommittedSeq: 5 });
      await nodeA.sendMessages([req(a, b, 'a8')]);
      expect(await newest()).toEqual(['a8', 'a8']);
      // A's pointer (3) never moves it back.
      expect(await conversations.findOne({ _id: id })).toMatchObject({ lastSeq: 8, lastCommittedSeq: 5 });
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('changesSince waits for a write of this process holding a lower position', async () => {
    let release!: () => void;
    let holding: Promise<void> | null = null;
    let hold = false;
    // 'process': the receipt below must be able to commit while the send is held.
    const store = await openMongo(freshDbName(), {
      writeLock: 'process',
      hooks: {
        beforeInsert: async () => {
          if (!hold) return;
          hold = false;
          holding = new Promise<void>((r) => (release = r));
          await holding;
        },
      },
    });
    try {
      const a = await newUser(store);
      const b = await newUser(store);
      const [early] = await store.sendMessages([req(a, b, 'early')]);
      const start = (await store.changesSince(b.id, 0, 100)).position;

      hold = true;
      const slowSend = store.sendMessages([req(a, b, 'slow')]); // takes a position, then waits
      while (!holding) await new Promise((r) => setTimeout(r, 5));
      // A later position commits first.
      const [delivered] = await store.markDelivered(b.id, [early!.message.id], new Date().toISOString());
      expect(delivered).toBeDefined();

      let answered = false;
      const sync = store.changesSince(b.id, start, 100).finally(() => (answered = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(answered).toBe(false);
      release();
      const [slow] = await slowSend;
      const page = await sync;
      // Nothing skipped: the held message comes first, then the receipt.
      expect(page.messages).toEqual([slow!.message, { ...early!.message, status: 'delivered' }]);
      expect(page.hasMore).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('returns messages in the user’s own change order even when the batch interleaves conversations', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b, c] = await Promise.all([newUser(store), newUser(store), newUser(store)]);
      const outcomes = await store.sendMessages([req(a!, b!), req(c!, a!), req(a!, c!), req(b!, a!)]);
      const page = await store.changesSince(a!.id, 0, 10);
      expect(page.messages).toEqual(outcomes.map((o) => o.message));
    } finally {
      await store.close();
    }
  });
});
