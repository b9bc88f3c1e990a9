import { directConversationId } from '@pigeon/sync-protocol';
import { expect, it } from 'vitest';
import { POINTER_STRIDE } from './send-batch.ts';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req } from './testing/mongo-test-db.ts';
import { storedMessage } from '../store.ts';

describeMongo('MongoStore reads', () => {
  it('the conversation list shows the newest message while pointers lag, across nodes', async () => {
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

      // While B holds a numbered batch before its insert, the list still shows b5.
      let during: (string | undefined)[] = [];
      armRace(async () => {
        during = await newest();
      });
      await nodeB.sendMessages([req(b, a, 'b6'), req(b, a, 'b7')]);
      expect(during).toEqual(['b5', 'b5']);
      expect(await newest()).toEqual(['b7', 'b7']);

      // Past a stride of messages the pointer moves; behind it the list still finds the newest.
      const conversations = nodeA.db.collection<{ _id: string; lastCommittedSeq?: number }>('conversations');
      expect((await conversations.findOne({ _id: id }))?.lastCommittedSeq).toBeUndefined();
      await nodeA.sendMessages(Array.from({ length: POINTER_STRIDE }, (_, i) => req(a, b, `bulk${i}`)));
      expect((await conversations.findOne({ _id: id }))?.lastCommittedSeq).toBe(7 + POINTER_STRIDE);
      await nodeA.sendMessages([req(a, b, 'last')]);
      expect(await newest()).toEqual(['last', 'last']);
      // A wrote its pointer one message ago: this one leaves it where it is.
      expect((await conversations.findOne({ _id: id }))?.lastCommittedSeq).toBe(7 + POINTER_STRIDE);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('a reader never skips a change another node commits later: the later commit gets the later position', async () => {
    const { plain: nodeA, racing: nodeB, armRace } = await openRacingPair('beforeInsert');
    try {
      const [a, b] = await Promise.all([newUser(nodeA), newUser(nodeA)]);
      await nodeA.sendMessages([req(a, b, 'first')]);
      await nodeB.sendMessages([req(b, a, 'warm-up')]); // B's guesses are current
      let readDuring = 0;
      let seenDuring: string[] = [];
      // B has numbered its message (the next position), and before it inserts, A commits
      // one of its own under that very position and a reader passes it.
      armRace(async () => {
        await nodeA.sendMessages([req(a, b, 'from A, first to commit')]);
        const page = await nodeA.changesSince(b.id, 0, 100);
        readDuring = page.position;
        seenDuring = page.messages.map((m) => m.body);
      });
      const [held] = await nodeB.sendMessages([req(b, a, 'from B, held')]);
      expect(seenDuring).toEqual(['first', 'warm-up', 'from A, first to commit']);
      const next = await nodeA.changesSince(b.id, readDuring, 100);
      expect(next.messages).toEqual([storedMessage(held!)]);
      // Gap-free all the same: B's message moved to the next seq.
      const history = await nodeA.getHistory(directConversationId(a.id, b.id), null, 100);
      expect(history.map((m) => [m.seq, m.body])).toEqual([
        [1, 'first'],
        [2, 'warm-up'],
        [3, 'from A, first to commit'],
        [4, 'from B, held'],
      ]);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('returns messages in the user’s own change order even when the batch interleaves conversations', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b, c] = await Promise.all([newUser(store), newUser(store), newUser(store)]);
      const outcomes = await store.sendMessages([req(a!, b!), req(c!, a!), req(a!, c!), req(b!, a!)]);
      const page = await store.changesSince(a!.id, 0, 10);
      expect(page.messages).toEqual(outcomes.map((o) => storedMessage(o)));
    } finally {
      await store.close();
    }
  });
});
