import { directConversationId, isPigeonError, type Message } from '@pigeon/sync-protocol';
import { MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { describeStoreContract } from '../testing/contract/describe-store-contract.ts';
import type { SendRequest, UserRecord } from '../store.ts';
import { INDEXES } from './indexes.ts';
import { messageIdFor } from './message-id.ts';
import { createMongoStore, dbNameFromUri, type MongoStore, type MongoStoreOptions } from './mongo-store.ts';
import { VisibilityGuard } from './visibility.ts';
import { SharedWriteLock, type LockDoc } from './write-lock.ts';

const mongoUri = inject('mongoUri');

// A skipped suite must say so: a silent skip reads as a pass.
const SKIP_REASON = mongoUri
  ? null
  : 'no Mongo-protocol server (mongoUri is null: PIGEON_TEST_MONGO=0?); set MONGODB_URI or let tests/setup/services.ts start FerretDB';
const describeMongo = mongoUri ? describe : describe.skip;
if (SKIP_REASON) console.warn(`[mongo-store.test] SKIPPED: ${SKIP_REASON}`);

const runId = `${process.pid}_${Date.now().toString(36)}`;
let dbCounter = 0;
const createdDbs = new Set<string>();

function freshDbName(): string {
  const name = `pigeon_test_${runId}_${++dbCounter}`;
  createdDbs.add(name);
  return name;
}

function open(dbName: string, extra: Partial<MongoStoreOptions> = {}): Promise<MongoStore> {
  return createMongoStore({ uri: mongoUri!, dbName, ...extra });
}

describeMongo(SKIP_REASON ? `MongoStore (skipped: ${SKIP_REASON})` : 'MongoStore', () => {
  let admin: MongoClient;

  beforeAll(async () => {
    admin = new MongoClient(mongoUri!);
    await admin.connect();
  });

  afterAll(async () => {
    // Leave nothing behind on a user-provided server.
    for (const name of createdDbs) await admin.db(name).dropDatabase();
    await admin.close();
  });

  let lastDb = '';
  describeStoreContract('mongodb', {
    open: () => open((lastDb = freshDbName())),
    reopen: () => open(lastDb),
  });

  describe('Mongo specifics', () => {
    let userCounter = 0;
    const newUser = (store: MongoStore) =>
      store.createUser({ username: `u${++userCounter}_${runId}`.slice(0, 32), displayName: 'U', passwordHash: 'h' });
    let clientCounter = 0;
    const req = (from: UserRecord, to: UserRecord, body = 'b', clientId = `cid-${++clientCounter}-${runId}`): SendRequest => ({
      senderId: from.id,
      recipientId: to.id,
      clientId,
      body,
    });

    /**
     * Two stores on one fresh database, `plain` opened first, then `racing`, whose `hook`
     * runs the race armed by `armRace` once. Both take the 'process' lock: under the
     * shared lock these races cannot happen (and the staged one would deadlock).
     */
    async function openRacingPair(hook: 'beforeInsert' | 'beforeStatusWrite') {
      const name = freshDbName();
      const plain = await open(name, { writeLock: 'process' });
      let raceOnce: (() => Promise<void>) | null = null;
      const runRaceOnce = async () => {
        const race = raceOnce;
        raceOnce = null;
        await race?.();
      };
      const racing = await open(name, { writeLock: 'process', hooks: { [hook]: runRaceOnce } });
      const armRace = (race: () => Promise<void>) => {
        raceOnce = race;
      };
      return { plain, racing, armRace };
    }

    it('creates the documented indexes', async () => {
      const store = await open(freshDbName());
      try {
        for (const [collection, wanted] of Object.entries(INDEXES)) {
          const actual = await store.db.collection(collection).listIndexes().toArray();
          for (const w of wanted) {
            const found = actual.find((a) => a.name === w.name);
            expect(found, `${collection}.${w.name}`).toBeDefined();
            expect(found!.key).toEqual(w.key);
            expect(Boolean(found!.unique)).toBe(Boolean(w.unique));
          }
        }
      } finally {
        await store.close();
      }
    });

    it('detects the server and picks the write lock for it', async () => {
      const store = await open(freshDbName());
      try {
        const info = await store.db.command({ buildInfo: 1 });
        expect(store.server).toBe(info.ferretdbVersion ? 'ferretdb' : 'mongodb');
        expect(store.writeLock).toBe(store.server === 'ferretdb' ? 'shared' : 'process');
      } finally {
        await store.close();
      }
    });

    it('the shared write lock admits one section at a time across processes', async () => {
      const name = freshDbName();
      const stores = [await open(name), await open(name)];
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
      const store = await open(freshDbName());
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

    it('opening twice over the same database is fine (indexes are idempotent)', async () => {
      const name = freshDbName();
      const first = await open(name);
      await first.close();
      const second = await open(name);
      await second.close();
    });

    const LOOKUPS = ['before-insert', 'on-conflict'] as const;

    it.each(LOOKUPS)('stores a 500-message batch in a bounded number of round trips (lookup %s)', async (sendLookup) => {
      const commands: CommandStartedEvent[] = [];
      const store = await open(freshDbName(), { sendLookup, clientOptions: { monitorCommands: true } });
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
        const users = await Promise.all(Array.from({ length: 6 }, () => newUser(store)));
        // Five conversations: users[0] with each of the others, both directions.
        const batch = Array.from({ length: 500 }, (_, i) => {
          const peer = users[1 + (i % 5)]!;
          return i % 2 ? req(users[0]!, peer, `m${i}`) : req(peer, users[0]!, `m${i}`);
        });
        const first = await record(() => store.sendMessages(batch));
        const outcomes = first.result;

        expect(outcomes.every((o) => o.created)).toBe(true);
        expect(first.onLocks).toBe(store.writeLock === 'shared' ? 2 : 0);
        // [lookup (find)] + positions + 5 conversation seqs (findAndModify) + insert; the
        // conversation pointers wait for the next allocation.
        expect(first.names.filter((n) => n === 'insert')).toHaveLength(1);
        expect(first.names.filter((n) => n === 'find')).toHaveLength(sendLookup === 'before-insert' ? 1 : 0);
        expect(first.names.filter((n) => n === 'findAndModify')).toHaveLength(1 + 5);
        expect(first.names.length, first.names.join(', ')).toBe(sendLookup === 'before-insert' ? 8 : 7);

        const conversations = store.db.collection<{ _id: string }>('conversations');
        for (const peer of users.slice(1)) {
          const id = directConversationId(users[0]!.id, peer.id);
          const history = await store.getHistory(id, null, 1000);
          expect(history.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
          expect(await conversations.findOne({ _id: id })).toMatchObject({ lastSeq: 100 });
        }

        // Resending the whole batch writes no message and leaves every seq counter as it was.
        const again = await record(() => store.sendMessages(batch));
        expect(again.result.map((o) => o.message)).toEqual(outcomes.map((o) => o.message));
        expect(again.result.some((o) => o.created)).toBe(false);
        if (sendLookup === 'before-insert') {
          expect(again.names).toEqual(['find']);
        } else {
          // The refused insert, one lookup of the rest, and the return of the unused seqs.
          expect(again.names.filter((n) => n === 'insert')).toHaveLength(1);
          expect(again.names.filter((n) => n === 'find')).toHaveLength(1);
          expect(again.names.length, again.names.join(', ')).toBeLessThanOrEqual(10);
        }
        for (const peer of users.slice(1)) {
          expect(await conversations.findOne({ _id: directConversationId(users[0]!.id, peer.id) })).toMatchObject({ lastSeq: 100 });
        }
        expect(await store.db.collection('messages').countDocuments()).toBe(500);
        const [next] = await store.sendMessages([req(users[0]!, users[1]!, 'next')]);
        expect(next!.message.seq).toBe(101);
        // That allocation carried the pointer of the first batch.
        const id = directConversationId(users[0]!.id, users[1]!.id);
        const newestOfFirst = outcomes.map((o) => o.message).find((m) => m.conversationId === id && m.seq === 100)!;
        expect(await conversations.findOne({ _id: id })).toMatchObject({
          lastSeq: 101,
          lastCommittedSeq: 100,
          updatedAt: newestOfFirst.createdAt,
        });
      } finally {
        await store.close();
      }
    });

    it('derives a message id from (sender, clientId): opaque, stable, distinct per sender', async () => {
      const store = await open(freshDbName());
      try {
        const [a, b] = await Promise.all([newUser(store), newUser(store)]);
        const [fromA, fromB] = await store.sendMessages([req(a, b, 'x', 'same-client-id'), req(b, a, 'y', 'same-client-id')]);
        expect(fromA!.message.id).toBe(messageIdFor(a.id, 'same-client-id'));
        expect(fromB!.message.id).toBe(messageIdFor(b.id, 'same-client-id'));
        expect(fromA!.message.id).toMatch(/^[0-9a-f]{32}$/);
        expect(fromA!.message.id).not.toBe(fromB!.message.id);
        expect(messageIdFor('ab', 'c')).not.toBe(messageIdFor('a', 'bc'));
      } finally {
        await store.close();
      }
    });

    describe.each(LOOKUPS)('resends (lookup %s)', (sendLookup) => {
      /** Gives a stored message the ObjectId-hex `_id` that messages had before ids were derived. */
      async function makeLegacy(store: MongoStore, m: Message): Promise<Message> {
        const messages = store.db.collection<{ _id: string }>('messages');
        const doc = (await messages.findOne({ _id: m.id }))!;
        const legacyId = new ObjectId().toHexString();
        await messages.deleteOne({ _id: m.id });
        await messages.insertOne({ ...doc, _id: legacyId });
        return { ...m, id: legacyId };
      }

      it('a resend of a message stored before ids were derived returns it and uses no seq', async () => {
        const store = await open(freshDbName(), { sendLookup });
        try {
          const [a, b] = await Promise.all([newUser(store), newUser(store)]);
          const [old] = await store.sendMessages([req(a, b, 'old', 'legacy-client-1')]);
          const legacy = await makeLegacy(store, old!.message);
          const outcomes = await store.sendMessages([req(a, b, 'before'), req(a, b, 'old', 'legacy-client-1'), req(a, b, 'after')]);
          expect(outcomes[1]).toEqual({ message: legacy, created: false });
          expect(outcomes.map((o) => [o.message.body, o.message.seq, o.created])).toEqual([
            ['before', 2, true],
            ['old', 1, false],
            ['after', 3, true],
          ]);
          const history = await store.getHistory(legacy.conversationId, null, 100);
          expect(history.map((m) => m.seq)).toEqual([1, 2, 3]);
          expect((await store.sendMessages([req(a, b, 'next')]))[0]!.message.seq).toBe(4);
        } finally {
          await store.close();
        }
      });

      it('resends interleaved with new sends across conversations keep every conversation gap-free', async () => {
        const store = await open(freshDbName(), { sendLookup });
        try {
          const [a, b, c] = await Promise.all([newUser(store), newUser(store), newUser(store)]);
          const stored = await store.sendMessages([req(a, b, 'ab1', 'r-ab1'), req(c, a, 'ca1', 'r-ca1'), req(a, b, 'ab2', 'r-ab2')]);
          await makeLegacy(store, stored[2]!.message);
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
          expect(outcomes.map((o) => [o.message.body, o.message.seq, o.created])).toEqual([
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

    it('two stores on one database (two nodes) share seqs and positions without gaps or repeats', async () => {
      const name = freshDbName();
      const nodeA = await open(name);
      const nodeB = await open(name);
      try {
        const a = await newUser(nodeA);
        const b = await newUser(nodeA);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? nodeA : nodeB).sendMessages(Array.from({ length: 3 }, () => (i % 3 ? req(a, b) : req(b, a)))),
          ),
        );
        const seqs = results.flat().map((o) => o.message.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        const changes = await nodeB.changesSince(a.id, 0, 1000);
        expect(changes.messages).toHaveLength(60);
        expect(new Set(changes.messages.map((m) => m.id)).size).toBe(60);

        // Receipts from both nodes at once: every status ends at read, positions stay unique.
        const conv = directConversationId(a.id, b.id);
        const toB = results.flat().map((o) => o.message).filter((m) => m.recipientId === b.id);
        const at = new Date().toISOString();
        await Promise.all([
          nodeA.markDelivered(b.id, toB.map((m) => m.id), at),
          nodeB.markRead(b.id, conv, 30, at),
          nodeB.markDelivered(b.id, toB.map((m) => m.id), at),
          nodeA.markRead(b.id, conv, 60, at),
        ]);
        const stored = await nodeA.db.collection<{ changePos: number; status: string; recipientId: string }>('messages').find().toArray();
        expect(stored.filter((m) => m.recipientId === b.id).map((m) => m.status)).toEqual(toB.map(() => 'read'));
        expect(new Set(stored.map((m) => m.changePos)).size).toBe(stored.length);
      } finally {
        await nodeA.close();
        await nodeB.close();
      }
    });

    it('a clientId raced by another node resolves to the stored copy (and burns one seq)', async () => {
      const { plain: nodeA, racing: nodeB, armRace } = await openRacingPair('beforeInsert');
      try {
        const a = await newUser(nodeA);
        const b = await newUser(nodeA);
        const contested = req(a, b, 'contested');
        let winner: Message | undefined;
        // Node A stores the clientId after node B looked it up and before B inserts.
        armRace(async () => {
          const [o] = await nodeA.sendMessages([{ ...contested, body: 'stored by A' }]);
          winner = o!.message;
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
        // B took seqs 1–3, A took 4. B's 'after' moves down into the contested seq 2, and
        // B cannot give back 3 once A took 4: it stays unused (docs/operations.md).
        expect(history.map((m) => m.seq)).toEqual([1, 2, 4]);
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
      const store = await open(freshDbName(), {
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

    it('a receipt overtaken by one with a later position retries instead of moving the message back', async () => {
      const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeStatusWrite');
      try {
        const a = await newUser(nodeA);
        const b = await newUser(nodeA);
        const [m] = (await nodeA.sendMessages([req(a, b)])).map((o) => o.message);
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

    it('returns messages in the user’s own change order even when the batch interleaves conversations', async () => {
      const store = await open(freshDbName());
      try {
        const [a, b, c] = await Promise.all([newUser(store), newUser(store), newUser(store)]);
        const outcomes = await store.sendMessages([req(a!, b!), req(c!, a!), req(a!, c!), req(b!, a!)]);
        const page = await store.changesSince(a!.id, 0, 10);
        expect(page.messages).toEqual(outcomes.map((o) => o.message));
      } finally {
        await store.close();
      }
    });

    // FerretDB never answers a bulkWrite of 100+ operations; the store must split them.
    it('delivers 150 receipts in one call and sends one batch into 120 conversations', { timeout: 30_000 }, async () => {
      const store = await open(freshDbName());
      try {
        const [a, b] = await Promise.all([newUser(store), newUser(store)]);
        const sent = await store.sendMessages(Array.from({ length: 150 }, () => req(a!, b!)));
        const delivered = await store.markDelivered(b!.id, sent.map((o) => o.message.id), new Date().toISOString());
        expect(delivered).toHaveLength(150);
        expect(delivered.every((m) => m.status === 'delivered')).toBe(true);
        const read = await store.markRead(b!.id, sent[0]!.message.conversationId, 150, new Date().toISOString());
        expect(read).toHaveLength(150);

        const peers = await Promise.all(Array.from({ length: 120 }, () => newUser(store)));
        const fanOut = await store.sendMessages(peers.map((p) => req(a!, p)));
        expect(fanOut.map((o) => o.message.seq)).toEqual(peers.map(() => 1));
        const conversations = await store.listConversations(a!.id);
        expect(conversations).toHaveLength(121);
      } finally {
        await store.close();
      }
    });
  });
});

describe('MongoStore without a server', () => {
  it('reports an unreachable server as UNAVAILABLE', async () => {
    const err = await createMongoStore({
      // Port 1 on loopback: nothing listens there.
      uri: 'mongodb://127.0.0.1:1/',
      clientOptions: { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isPigeonError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('takes the database name from the URI, if any', () => {
    expect(dbNameFromUri('mongodb://h:1/chat?w=majority')).toBe('chat');
    expect(dbNameFromUri('mongodb+srv://u:p@cluster.example.net/pigeon')).toBe('pigeon');
    expect(dbNameFromUri('mongodb://a:1,b:2/')).toBeNull();
    expect(dbNameFromUri('mongodb://a:1,b:2/?replicaSet=rs0')).toBeNull();
    expect(dbNameFromUri('mongodb://a:1')).toBeNull();
  });
});

describe('VisibilityGuard', () => {
  it('caps a read at the bound of a write that was in flight during it', async () => {
    const guard = new VisibilityGuard();
    guard.observe(10);
    const before = guard.begin(); // bound 11
    let inside = 0;
    const { ceiling } = await guard.read(async () => {
      inside = guard.begin(); // begins during the read: bound 11 as well
      return null;
    });
    expect(ceiling).toBe(11);
    guard.allocated(before, 20, 5);
    guard.end(before);
    guard.allocated(inside, 25, 5);
    // A read starting now only sees the exact start of the one still in flight.
    expect((await guard.read(async () => null)).ceiling).toBe(21);
    guard.end(inside);
    expect((await guard.read(async () => null)).ceiling).toBe(Infinity);
  });

  it('settled waits for the writes in flight, not for later ones', async () => {
    const guard = new VisibilityGuard();
    const first = guard.begin();
    let done = false;
    const settled = guard.settled().then(() => (done = true));
    const later = guard.begin();
    await Promise.resolve();
    expect(done).toBe(false);
    guard.end(first);
    await settled;
    expect(done).toBe(true);
    expect(guard.pendingWrites).toBe(1);
    guard.end(later);
  });
});
