import { expect, it } from 'vitest';
import { createContext } from './context.ts';
import { moveId, type MoveDoc } from './documents.ts';
import { ownMoves } from './group-reads.ts';
import { describeMongo, freshDbName, openMongo } from './testing/mongo-test-db.ts';

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
});
