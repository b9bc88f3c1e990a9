import { directConversationId } from '@pigeon/sync-protocol';
import { expect, it } from 'vitest';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req } from './testing/mongo-test-db.ts';
import { storedMessage } from '../store.ts';

describeMongo('MongoStore receipts', () => {
  it('a receipt racing one from another node: both are logged, and a reader past the delivery still sees the read', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeStatusWrite');
    try {
      const a = await newUser(nodeA);
      const b = await newUser(nodeA);
      const [m] = (await nodeA.sendMessages([req(a, b)])).map((o) => storedMessage(o));
      let deliveredAt = 0;
      // While node A's read receipt holds its position, node B's delivery takes a later one and lands.
      armRace(async () => {
        expect(await nodeB.markDelivered(b.id, [m!.id], new Date().toISOString())).toHaveLength(1);
        deliveredAt = (await nodeB.changesSince(a.id, 0, 100)).position;
      });
      const read = await nodeA.markRead(b.id, m!.conversationId, m!.seq, new Date().toISOString());
      expect(read).toEqual([{ ...m!, status: 'read' }]);
      expect(deliveredAt).toBeGreaterThan(0);
      // A client that synced the delivery still sees the read after it.
      const page = await nodeA.changesSince(a.id, deliveredAt, 100);
      expect(page.messages).toEqual([{ ...m!, status: 'read' }]);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('two stores on one database (two nodes) share seqs and positions without gaps or repeats', async () => {
    const name = freshDbName();
    const nodeA = await openMongo(name);
    const nodeB = await openMongo(name);
    try {
      const a = await newUser(nodeA);
      const b = await newUser(nodeA);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? nodeA : nodeB).sendMessages(Array.from({ length: 3 }, () => (i % 3 ? req(a, b) : req(b, a)))),
        ),
      );
      const seqs = results.flat().map((o) => storedMessage(o).seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const changes = await nodeB.changesSince(a.id, 0, 1000);
      expect(changes.messages).toHaveLength(60);
      expect(new Set(changes.messages.map((m) => m.id)).size).toBe(60);

      // Receipts from both nodes at once: every status ends at read, positions stay unique.
      const conv = directConversationId(a.id, b.id);
      const toB = results.flat().map((o) => storedMessage(o)).filter((m) => m.recipientId === b.id);
      const at = new Date().toISOString();
      await Promise.all([
        nodeA.markDelivered(b.id, toB.map((m) => m.id), at),
        nodeB.markRead(b.id, conv, 30, at),
        nodeB.markDelivered(b.id, toB.map((m) => m.id), at),
        nodeA.markRead(b.id, conv, 60, at),
      ]);
      const log = await nodeA.db.collection<{ changePos: number; status?: string; recipientId: string; kind?: string }>('messages').find().toArray();
      const messages = log.filter((d) => d.kind === undefined);
      expect(messages.filter((m) => m.recipientId === b.id).map((m) => m.status)).toEqual(toB.map(() => 'read'));
      // One delivered and one read entry per message to b, and every position once.
      expect(log.filter((d) => d.kind === 'receipt')).toHaveLength(toB.length * 2);
      expect(new Set(log.map((m) => m.changePos)).size).toBe(log.length);
      // The change log hands every message out once, at its latest state.
      const final = await nodeA.changesSince(b.id, 0, 1000);
      expect(final.messages).toHaveLength(60);
      expect(final.messages.filter((m) => m.recipientId === b.id).every((m) => m.status === 'read')).toBe(true);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  // FerretDB never answers a bulkWrite of 100+ operations; the store must split them.
  it('delivers 150 receipts in one call and sends one batch into 120 conversations', { timeout: 30_000 }, async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = await Promise.all([newUser(store), newUser(store)]);
      const sent = await store.sendMessages(Array.from({ length: 150 }, () => req(a!, b!)));
      const delivered = await store.markDelivered(b!.id, sent.map((o) => storedMessage(o).id), new Date().toISOString());
      expect(delivered).toHaveLength(150);
      expect(delivered.every((m) => m.status === 'delivered')).toBe(true);
      const read = await store.markRead(b!.id, storedMessage(sent[0]!).conversationId, 150, new Date().toISOString());
      expect(read).toHaveLength(150);

      const peers = await Promise.all(Array.from({ length: 120 }, () => newUser(store)));
      const fanOut = await store.sendMessages(peers.map((p) => req(a!, p)));
      expect(fanOut.map((o) => storedMessage(o).seq)).toEqual(peers.map(() => 1));
      const conversations = await store.listConversations(a!.id);
      expect(conversations).toHaveLength(121);
    } finally {
      await store.close();
    }
  });

  it('a send waits behind one receipt at most, however many receipts are queued (finding C4)', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holdNext = true;
    const store = await openMongo(freshDbName(), {
      hooks: {
        beforeStatusWrite: async () => {
          order.push('receipt');
          if (holdNext) {
            holdNext = false;
            await held;
          }
        },
        beforeInsert: async (messages) => {
          order.push(messages.some((m) => m.body === 'late') ? 'late send' : 'send');
        },
      },
    });
    try {
      const a = await newUser(store);
      const b = await newUser(store);
      const sent = (await store.sendMessages(Array.from({ length: 6 }, () => req(a, b)))).map((o) => storedMessage(o));
      order.length = 0;
      const at = new Date().toISOString();
      // Six receipts queue up behind one that is held; then a send comes.
      const receipts = sent.map((m) => store.markDelivered(b.id, [m.id], at));
      while (order.length === 0) await new Promise((r) => setTimeout(r, 5));
      const late = store.sendMessages([req(a, b, 'late')]);
      release();
      await Promise.all([...receipts, late]);
      expect(order.slice(0, 3)).toEqual(['receipt', 'late send', 'receipt']);
      expect(order.filter((o) => o === 'receipt')).toHaveLength(6);
    } finally {
      await store.close();
    }
  });
});
