import { expect, it } from 'vitest';
import type { Collection, Filter } from 'mongodb';
import { createContext, type MongoContext } from './context.ts';
import { moveId, type MessageDoc, type MoveDoc } from './documents.ts';
import { groupConversations, ownMoves } from './group-reads.ts';
import { describeMongo, freshDbName, newUser, openMongo } from './testing/mongo-test-db.ts';

const move = (conversationId: string, userId: string, kind: MoveDoc['kind'], seq: number): MoveDoc => ({
  _id: moveId(conversationId, userId, kind, seq),
  conversationId,
  userId,
  kind,
  seq,
  at: '2027-01-01T00:00:00.000Z',
});

describeMongo('MongoStore group reads', () => {
  // The contract suites run on one server only (FerretDB here), so both query plans are checked here.
  it('ownMoves: the user’s largest delivered and read move in the group, the same with MongoDB’s seeks and FerretDB’s one query', async () => {
    const store = await openMongo(freshDbName());
    try {
      await store.db.collection<MoveDoc>('positionMoves').insertMany([
        move('g:1', 'u', 'delivered', 3),
        move('g:1', 'u', 'delivered', 7),
        move('g:1', 'u', 'read', 2),
        move('g:1', 'u', 'read', 5),
        move('g:1', 'v', 'delivered', 9),
        move('g:1', 'v', 'read', 9),
        move('g:2', 'u', 'delivered', 8),
        move('g:2', 'u', 'read', 8),
      ]);
      for (const server of ['mongodb', 'ferretdb'] as const) {
        const ctx = createContext(store.db, server, 'none', 'on-conflict', {});
        expect(await ownMoves(ctx, 'g:1', 'u'), server).toEqual({ delivered: 7, read: 5 });
        expect(await ownMoves(ctx, 'g:1', 'w'), server).toEqual({ delivered: 0, read: 0 });
        expect(await ownMoves(ctx, 'g:3', 'u'), server).toEqual({ delivered: 0, read: 0 });
      }
    } finally {
      await store.close();
    }
  });

  it('a group entry never shows a membership change as its last message with the members from before it (MongoDB plan)', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [owner, leaver, viewer] = [await newUser(store), await newUser(store), await newUser(store)];
      const at = () => new Date().toISOString();
      const { group } = await store.createGroup({ creatorId: owner.id, clientId: 'create', title: 'G', memberIds: [leaver.id, viewer.id], at: at() });
      // The removal commits at the worst moment for the entry: after any state read already under way
      // (it finishes first), right before the newest message is read.
      let stateRead: Promise<unknown> | null = null;
      let removed = false;
      const real = store.db.collection<MessageDoc>('messages');
      const messages = new Proxy(real, {
        get(target, key, receiver) {
          if (key !== 'find') return Reflect.get(target, key, receiver);
          return (filter: Filter<MessageDoc>, options?: object) => {
            const cursor = target.find(filter, options);
            const toArray = cursor.toArray.bind(cursor);
            if ((filter as { type?: string }).type === 'system') stateRead ??= new Promise((resolve) => (cursor.toArray = () => toArray().finally(() => resolve(null))));
            else if (!removed && (filter as { conversationId?: string }).conversationId === group.id)
              cursor.toArray = async () => {
                removed = true;
                await stateRead;
                await store.changeGroup({ conversationId: group.id, actorId: owner.id, clientId: 'remove', at: at(), kind: 'remove', userId: leaver.id });
                return toArray();
              };
            return cursor;
          };
        },
      }) as Collection<MessageDoc>;
      const ctx: MongoContext = { ...createContext(store.db, 'mongodb', 'none', 'on-conflict', {}), messages };
      const [entry] = await groupConversations(ctx, viewer.id);
      expect(removed).toBe(true);
      expect(entry!.lastMessage).toMatchObject({ type: 'system', system: { kind: 'member-removed', userIds: [leaver.id] } });
      expect(entry!.members.map((m) => m.userId).sort()).toEqual([owner.id, viewer.id].sort());
    } finally {
      await store.close();
    }
  });
});
