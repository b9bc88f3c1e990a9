import type { CommandStartedEvent } from 'mongodb';
import { expect, it } from 'vitest';
import { storedMessage, type ActionRequest, type AppliedAction, type SendRequest } from '../store.ts';
import type { Message, MessageAction } from '@pigeon/sync-protocol';
import type { MongoStore } from './mongo-store.ts';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req } from './testing/mongo-test-db.ts';

let counter = 0;
const action = (actorId: string, m: Message, a: MessageAction, clientId = `act-${++counter}-x`): ActionRequest => ({
  actorId,
  clientId,
  messageId: m.id,
  at: new Date(Date.parse(m.createdAt) + 1000).toISOString(),
  ...a,
});
const one = async (store: MongoStore, r: ActionRequest) => (await store.applyActions([r]))[0]!;
const applied = (o: Awaited<ReturnType<typeof one>>): AppliedAction => {
  expect(o.refused, o.refused?.message).toBeUndefined();
  return o as AppliedAction;
};
const sendOne = async (store: MongoStore, r: SendRequest) => storedMessage((await store.sendMessages([r]))[0]!);

/** Two nodes on one database acting on one message at once (the racing node's insert waits for the other's action). */
describeMongo('MongoStore message actions across nodes', () => {
  it('an edit racing a delete on another node is judged again after it: CONFLICT, and the message stays deleted', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeActionInsert');
    try {
      const [a, b] = [await newUser(nodeA), await newUser(nodeA)];
      const m = await sendOne(nodeB, req(a, b, 'first words'));
      let deleted: Message | undefined;
      armRace(async () => {
        deleted = applied(await one(nodeB, action(a.id, m, { kind: 'delete' }))).message;
      });
      const edit = await one(nodeA, action(a.id, m, { kind: 'edit', body: 'second thoughts' }));
      expect(edit.refused?.code).toBe('CONFLICT');
      expect(deleted).toMatchObject({ body: '', version: 1 });
      expect(await nodeA.getMessage(m.id)).toEqual(deleted);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('a delete racing an edit on another node applies after it (version 2); reactions racing on two nodes are both kept', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeActionInsert');
    try {
      const [a, b] = [await newUser(nodeA), await newUser(nodeA)];
      const m = await sendOne(nodeB, req(a, b, 'hello'));
      armRace(async () => {
        applied(await one(nodeB, action(a.id, m, { kind: 'edit', body: 'hello there' })));
      });
      const del = applied(await one(nodeA, action(a.id, m, { kind: 'delete' })));
      expect(del).toMatchObject({ applied: true, message: { body: '', version: 2 } });
      expect((await nodeB.getMessage(m.id))!.version).toBe(2);

      const n = await sendOne(nodeB, req(a, b, 'react to me'));
      armRace(async () => {
        applied(await one(nodeB, action(a.id, n, { kind: 'react', emoji: '😂' })));
      });
      const mine = applied(await one(nodeA, action(b.id, n, { kind: 'react', emoji: '👍' })));
      const both = [
        { userId: a.id, emoji: '😂' },
        { userId: b.id, emoji: '👍' },
      ];
      expect(mine.message).toMatchObject({ reactions: both, version: 2 });
      expect(await nodeB.getMessage(n.id)).toEqual(mine.message);
      // Each version is one entry, and the feed hands out the latest.
      const page = await nodeB.changesSince(b.id, 0, 100);
      expect(page.messages.find((x) => x.id === n.id)).toEqual(mine.message);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('one clientId applied on another node meanwhile: applied once, this call answers applied false', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeActionInsert');
    try {
      const [a, b] = [await newUser(nodeA), await newUser(nodeA)];
      const m = await sendOne(nodeB, req(a, b));
      const r = action(b.id, m, { kind: 'react', emoji: '👍' });
      armRace(async () => {
        expect(applied(await one(nodeB, r)).applied).toBe(true);
      });
      const replay = applied(await one(nodeA, r));
      expect(replay).toMatchObject({ applied: false, message: { reactions: [{ userId: b.id, emoji: '👍' }], version: 1 } });
      expect((await nodeA.getMessage(m.id))!.version).toBe(1);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('a reply racing the delete of its original on another node gets an empty quote', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeInsert');
    try {
      const [a, b] = [await newUser(nodeA), await newUser(nodeA)];
      const original = await sendOne(nodeB, req(a, b, 'soon gone'));
      // The reply has quoted the original and is numbered; the delete finds no reply yet.
      armRace(async () => {
        expect(applied(await one(nodeB, action(a.id, original, { kind: 'delete' }))).affected).toEqual([]);
      });
      const reply = await sendOne(nodeA, { ...req(b, a, 'what was it?'), replyTo: original.id });
      expect(reply).toMatchObject({ replyTo: { id: original.id, senderId: a.id, preview: '' }, version: 1 });
      expect(await nodeB.getMessage(reply.id)).toEqual(reply);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });
});

describeMongo('MongoStore message actions', () => {
  it('a document behind its entries (its node died before the update): reads take the entry, the next action builds on it, a replay repairs it', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = [await newUser(store), await newUser(store)];
      const m = await sendOne(store, req(a, b, 'hi'));
      const r = action(b.id, m, { kind: 'react', emoji: '👍' });
      const reacted = applied(await one(store, r)).message;
      const undo = () => store.db.collection<{ _id: string }>('messages').updateOne({ _id: m.id }, { $unset: { content: '' } });
      await undo();
      // Every read takes the entry (entry-truth.ts), the feed as getMessage and histories.
      expect(await store.getMessage(m.id)).toEqual(reacted);
      expect(await store.getHistory(m.conversationId, null, 10, a.id)).toEqual([reacted]);
      expect((await store.changesSince(a.id, 0, 100)).messages).toEqual([reacted]);
      // The document itself is still behind: the replay below repairs it.
      expect((await store.db.collection<{ _id: string; content?: unknown }>('messages').findOne({ _id: m.id }))!.content).toBeUndefined();
      expect(applied(await one(store, r))).toEqual({ message: reacted, applied: false, affected: [] });
      expect(await store.getMessage(m.id)).toEqual(reacted);

      await undo();
      const edited = applied(await one(store, action(a.id, m, { kind: 'edit', body: 'hi all' })));
      expect(edited.message).toMatchObject({ body: 'hi all', reactions: [{ userId: b.id, emoji: '👍' }], version: 2 });
      expect(await store.getMessage(m.id)).toEqual(edited.message);
    } finally {
      await store.close();
    }
  });

  it('histories carry hiddenAt for the viewer who hid the message only', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = [await newUser(store), await newUser(store)];
      const m = await sendOne(store, req(a, b, 'forget me'));
      const hidden = applied(await one(store, action(b.id, m, { kind: 'hide' }))).message;
      expect(hidden.hiddenAt).toBeTruthy();
      expect(await store.getHistory(m.conversationId, null, 10, b.id)).toEqual([hidden]);
      expect(await store.getHistory(m.conversationId, null, 10, a.id)).toEqual([m]);
      expect(await store.getHistory(m.conversationId, null, 10)).toEqual([m]);
      expect(await store.getMessage(m.id)).toEqual(m);
    } finally {
      await store.close();
    }
  });

  it('a group member’s feed never has the changes of a message before their period (an entry’s own seq is a version)', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b, c] = [await newUser(store), await newUser(store), await newUser(store)];
      const now = new Date().toISOString();
      const { group } = await store.createGroup({ creatorId: a.id, clientId: `grp-${++counter}-x`, title: 't', memberIds: [b.id], at: now });
      const m = await sendOne(store, { senderId: a.id, recipientId: group.id, conversationId: group.id, clientId: `gm-${++counter}-x`, body: 'before c' });
      await store.changeGroup({ conversationId: group.id, actorId: a.id, clientId: `add-${++counter}-x`, at: now, kind: 'add', userIds: [c.id] });
      const from = (await store.memberPeriods(group.id, c.id))[0]!.fromSeq;
      // Versions 1..from+2 of m: their entries' seqs fall inside c's period [from, …).
      for (let v = 1; v <= from + 2; v++) applied(await one(store, action(b.id, m, { kind: 'react', emoji: v % 2 ? '👍' : '😂' })));
      const feed = await store.changesSince(c.id, 0, 100);
      expect(feed.messages.map((x) => x.id)).not.toContain(m.id);
      expect((await store.changesSince(b.id, 0, 100)).messages.find((x) => x.id === m.id)).toMatchObject({ version: from + 2 });
    } finally {
      await store.close();
    }
  });

  it('a 1:1 action reads the messages by `_id`, and their entries once; a delete adds one lookup of the replies', async () => {
    const store = await openMongo(freshDbName(), { clientOptions: { monitorCommands: true } });
    await store.searchBackfill; // its background finds are not the counted ones (backfill.ts)
    try {
      const [a, b] = [await newUser(store), await newUser(store)];
      const [m, n] = [await sendOne(store, req(a, b, 'one')), await sendOne(store, req(a, b, 'two'))];
      const filters: unknown[] = [];
      store.client.on('commandStarted', (ev: CommandStartedEvent) => {
        if (ev.commandName === 'find' && ev.command.find === 'messages') filters.push(ev.command.filter);
      });
      applied(await one(store, action(b.id, m, { kind: 'react', emoji: '👍' })));
      const byId = (f: unknown) => typeof (f as { _id?: unknown })._id === 'string';
      // The message's entries (entry-truth.ts: the document may be behind them): one read per batch.
      const entries = (id: string) => expect.objectContaining({ messageId: id });
      expect(filters.filter((f) => !byId(f))).toEqual([entries(m.id)]);
      // The replay lookup, the message and its entries, side by side; on FerretDB the read back of the update.
      expect(filters).toHaveLength(store.server === 'ferretdb' ? 4 : 3);

      filters.length = 0;
      applied(await one(store, action(a.id, n, { kind: 'delete' })));
      expect(filters.filter((f) => !byId(f))).toEqual([entries(n.id), { 'replyTo.id': n.id }]);
    } finally {
      await store.close();
    }
  });
});
