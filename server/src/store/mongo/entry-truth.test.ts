import { expect, it } from 'vitest';
import { storedMessage, type ActionRequest, type AppliedAction } from '../store.ts';
import type { Message, MessageAction } from '@pigeon/sync-protocol';
import type { MessageDoc } from './documents.ts';
import type { MongoStore } from './mongo-store.ts';
import { describeMongo, freshDbName, newUser, openMongo, req } from './testing/mongo-test-db.ts';

/**
 * On FerretDB an update is read-modify-write of the whole document: an update on another node
 * that read the document before this one's update landed writes the old fields back (the 2-node
 * chaos run, seed 2: a delivered receipt undid a reaction, and the history kept version 0). Each
 * test writes the document back to such a stale state directly, then checks that every read
 * answers what the log entries record (entry-truth.ts).
 */
let counter = 0;
const at = (m: Message, s: number) => new Date(Date.parse(m.createdAt) + s * 1000).toISOString();
const act = async (store: MongoStore, actorId: string, m: Message, a: MessageAction, s = 1): Promise<AppliedAction> => {
  const r: ActionRequest = { actorId, clientId: `truth-${++counter}`, messageId: m.id, at: at(m, s), ...a };
  const o = (await store.applyActions([r]))[0]!;
  expect(o.refused, o.refused?.message).toBeUndefined();
  return o as AppliedAction;
};
const raw = (store: MongoStore) => store.db.collection<MessageDoc>('messages');
/** What another node's update, having read `before`, writes over the document (every field it read). */
const undo = async (store: MongoStore, before: MessageDoc, keep: Partial<MessageDoc>) => {
  const { _id, ...rest } = before;
  await raw(store).replaceOne({ _id }, { ...rest, ...keep });
};
const inFeed = async (store: MongoStore, userId: string, id: string) => (await store.changesSince(userId, 0, 100)).messages.find((x) => x.id === id);

describeMongo('MongoStore reads: the log entries are the truth, the document a cache', () => {
  it("a receipt's update that undid a reaction and a hide: every read still has them", async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = [await newUser(store), await newUser(store)];
      const m = storedMessage((await store.sendMessages([req(a, b, 'react to me')]))[0]!);
      const before = (await raw(store).findOne({ _id: m.id }))!;
      const reacted = await act(store, b.id, m, { kind: 'react', emoji: '👍' });
      const hid = await act(store, a.id, m, { kind: 'hide' }, 2);
      await store.markDelivered(b.id, [m.id], at(m, 3));
      const after = (await raw(store).findOne({ _id: m.id }))!;
      // The receipt read the document before the reaction and the hide: status and position are its own.
      await undo(store, before, { status: 'delivered', deliveredAt: after.deliveredAt!, lastChangePos: after.lastChangePos! });
      expect((await raw(store).findOne({ _id: m.id }))!.content).toBeUndefined();

      const latest = { ...reacted.message, status: 'delivered' };
      expect(latest).toMatchObject({ version: 1, reactions: [{ userId: b.id, emoji: '👍' }] });
      expect.soft(await store.getMessage(m.id)).toEqual(latest);
      expect.soft(await store.getHistory(m.conversationId, null, 50, b.id)).toEqual([latest]);
      expect.soft(await store.getHistory(m.conversationId, null, 50, a.id)).toEqual([{ ...latest, hiddenAt: hid.message.hiddenAt }]);
      expect.soft((await store.listConversations(a.id))[0]!.lastMessage).toEqual(latest);
      expect.soft((await store.listConversations(b.id))[0]!.lastMessage).toEqual(latest);
      expect.soft(await inFeed(store, b.id, m.id)).toEqual(latest);
      expect.soft(await inFeed(store, a.id, m.id)).toEqual({ ...latest, hiddenAt: hid.message.hiddenAt });

      // The actor's answer: a second hide finds the first (not the document's absence of it).
      const again = await act(store, a.id, m, { kind: 'hide' }, 4);
      expect.soft(again).toMatchObject({ applied: false, message: { ...latest, hiddenAt: hid.message.hiddenAt } });
      // A second reaction builds on version 1 as the entries have it.
      const more = await act(store, a.id, m, { kind: 'react', emoji: '😂' }, 5);
      expect.soft(more.message).toMatchObject({ version: 2, reactions: [{ userId: b.id, emoji: '👍' }, { userId: a.id, emoji: '😂' }], status: 'delivered' });
    } finally {
      await store.close();
    }
  });

  it("an action's update that undid a read receipt: every read still has status read, and nothing unread", async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = [await newUser(store), await newUser(store)];
      const m = storedMessage((await store.sendMessages([req(a, b, 'read me')]))[0]!);
      const before = (await raw(store).findOne({ _id: m.id }))!;
      await store.markDelivered(b.id, [m.id], at(m, 1));
      await store.markRead(b.id, m.conversationId, m.seq, at(m, 2));
      const edited = await act(store, a.id, m, { kind: 'edit', body: 'read me, please' }, 3);
      const after = (await raw(store).findOne({ _id: m.id }))!;
      // The edit's update read the document before both receipts: its content and position, status sent.
      await undo(store, before, { content: after.content!, lastChangePos: after.lastChangePos! });
      expect((await raw(store).findOne({ _id: m.id }))!.status).toBe('sent');

      const latest = { ...edited.message, status: 'read' };
      expect(latest).toMatchObject({ version: 1, body: 'read me, please' });
      expect.soft(await store.getMessage(m.id)).toEqual(latest);
      expect.soft(await store.getHistory(m.conversationId, null, 50, a.id)).toEqual([latest]);
      const [entry] = await store.listConversations(b.id);
      expect.soft(entry).toMatchObject({ lastMessage: latest, unreadCount: 0 });
      expect.soft(await inFeed(store, a.id, m.id)).toEqual(latest);
      expect.soft(await inFeed(store, b.id, m.id)).toEqual(latest);
    } finally {
      await store.close();
    }
  });
});
