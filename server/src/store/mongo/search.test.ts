import { queryTerms, type Message, type MessageAction } from '@pigeon/sync-protocol';
import { expect, it } from 'vitest';
import { storedMessage, type ActionRequest } from '../store.ts';
import { searchDocOf, type MessageDoc, type UserDoc } from './documents.ts';
import type { MongoStore } from './mongo-store.ts';
import { describeMongo, freshDbName, newUser, openMongo, req } from './testing/mongo-test-db.ts';

let counter = 0;
const act = (store: MongoStore, actorId: string, m: Message, a: MessageAction) =>
  store.applyActions([{ actorId, clientId: `search-act-${++counter}`, messageId: m.id, at: new Date(Date.parse(m.createdAt) + 1000).toISOString(), ...a } as ActionRequest]);
const find = async (store: MongoStore, userId: string, q: string) => (await store.searchMessages(userId, queryTerms(q), { limit: 50 })).map((m) => m.body);
const messages = (store: MongoStore) => store.db.collection<MessageDoc>('messages');

describeMongo('MongoStore search words', () => {
  it('data stored before search is backfilled once at open: messages (current content, none once deleted) and people', async () => {
    const name = freshDbName();
    let store = await openMongo(name);
    try {
      await store.searchBackfill;
      const [a, b] = [await newUser(store), await newUser(store)];
      const carl = await store.createUser({ username: `carl_${counter}_${Date.now().toString(36)}`.slice(0, 32), displayName: 'Carl Andrews', passwordHash: 'h' });
      const plain = storedMessage((await store.sendMessages([req(a, b, 'legacy lantern')]))[0]!);
      const edited = storedMessage((await store.sendMessages([req(a, b, 'before words')]))[0]!);
      const gone = storedMessage((await store.sendMessages([req(a, b, 'vanished lantern')]))[0]!);
      await act(store, a.id, edited, { kind: 'edit', body: 'after words' });
      await act(store, a.id, gone, { kind: 'delete' });
      // As an earlier version left them: no search words anywhere, no backfill marker.
      await messages(store).updateMany({}, { $unset: { search: '' } });
      await store.db.collection<UserDoc>('users').updateMany({}, { $unset: { nameTokens: '' } });
      await store.db.collection('meta').deleteOne({ _id: 'search-backfill-v1' as never });
      expect(await find(store, b.id, 'lantern')).toEqual([]);
      expect((await store.searchUsers('andrews', 20)).map((u) => u.id)).toEqual([]);
      await store.close();

      store = await openMongo(name);
      // In the background of the open store: settled once done.
      expect(await store.searchBackfill).toEqual({ messages: 3, users: 3, stopped: false });
      expect(await find(store, b.id, 'lantern')).toEqual(['legacy lantern']);
      expect(await find(store, b.id, 'after')).toEqual(['after words']);
      expect(await find(store, b.id, 'before')).toEqual([]);
      expect((await messages(store).findOne({ _id: gone.id }))?.search).toEqual({ version: 1, tokens: [] });
      expect((await messages(store).findOne({ _id: plain.id }))?.search).toEqual({ version: 0, tokens: ['legacy', 'lantern'] });
      expect((await store.searchUsers('andrews', 20)).map((u) => u.id)).toEqual([carl.id]);
      // Only message documents: no receipt or action entry, no system message got words.
      expect(await messages(store).countDocuments({ search: { $exists: true }, kind: { $exists: true } })).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a later open skips the backfill once it completed (the marker)', async () => {
    const name = freshDbName();
    let store = await openMongo(name);
    try {
      await store.searchBackfill;
      const [a, b] = [await newUser(store), await newUser(store)];
      const m = storedMessage((await store.sendMessages([req(a, b, 'marker check')]))[0]!);
      await messages(store).updateOne({ _id: m.id }, { $unset: { search: '' } });
      await store.close();
      store = await openMongo(name);
      expect(await store.searchBackfill).toEqual({ messages: 0, users: 0, stopped: false });
      expect((await messages(store).findOne({ _id: m.id }))?.search).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('an older version’s words never replace a newer one’s ($max on the version, as the content)', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = [await newUser(store), await newUser(store)];
      const m = storedMessage((await store.sendMessages([req(a, b, 'first draft')]))[0]!);
      await act(store, a.id, m, { kind: 'edit', body: 'final text' });
      // A late write of version 0 (another node's backfill, a delayed update) changes nothing.
      await messages(store).updateOne({ _id: m.id }, { $max: { search: searchDocOf(0, 'first draft', false) } });
      expect((await messages(store).findOne({ _id: m.id }))?.search).toEqual({ version: 1, tokens: ['final', 'text'] });
    } finally {
      await store.close();
    }
  });

  it('words a document carries that its current body lacks are not a hit (documents behind their entries)', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b] = [await newUser(store), await newUser(store)];
      const m = storedMessage((await store.sendMessages([req(a, b, 'true words')]))[0]!);
      await messages(store).updateOne({ _id: m.id }, { $set: { 'search.tokens': ['true', 'words', 'stale'] } });
      expect(await find(store, a.id, 'stale')).toEqual([]);
      expect(await find(store, a.id, 'tru')).toEqual(['true words']);
    } finally {
      await store.close();
    }
  });
});

describeMongo('MongoStore search backfill and close', () => {
  it('close stops the backfill between chunks; the next open finishes it', async () => {
    const name = freshDbName();
    let store = await openMongo(name);
    try {
      await store.searchBackfill;
      const [a, b] = [await newUser(store), await newUser(store)];
      await store.sendMessages(Array.from({ length: 60 }, (_, n) => req(a, b, `stopword ${n}`)));
      await messages(store).updateMany({}, { $unset: { search: '' } });
      await store.db.collection('meta').deleteOne({ _id: 'search-backfill-v1' as never });
      await store.close();
      store = await openMongo(name);
      await store.close();
      const first = await store.searchBackfill;
      expect(first?.stopped).toBe(true);
      expect(first!.messages).toBeLessThan(60);
      store = await openMongo(name);
      const second = await store.searchBackfill;
      expect(second).toMatchObject({ stopped: false });
      expect(first!.messages + second!.messages).toBeGreaterThanOrEqual(60);
      expect((await store.searchMessages(b.id, queryTerms('stopword'), { limit: 50 })).length).toBe(50);
    } finally {
      await store.close();
    }
  }, 60_000);
});
