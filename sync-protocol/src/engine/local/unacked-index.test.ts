import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { LocalDb, META, type StoredMessage } from './local-db.ts';
import { createQueries } from './queries.ts';
import { VERSIONS } from './schema-versions.ts';
import { storedRange } from '../../testing/index.ts';

const chatA = directConversationId('me', 'ann');
const chatB = directConversationId('me', 'bob');
const base = { body: 'x', createdAt: '2026-01-01T00:00:00.000Z', senderId: 'me' };
const acked = (clientId: string, conversationId: string, seq: number): StoredMessage => ({
  ...base, key: `me:${clientId}`, id: `id-${clientId}`, clientId, conversationId, recipientId: conversationId === chatA ? 'ann' : 'bob', seq, status: 'delivered', localCreatedAt: seq,
});
const unacked = (clientId: string, conversationId: string, at: number, status: 'pending' | 'failed' = 'pending'): StoredMessage => ({
  ...base, key: `me:${clientId}`, id: null, clientId, conversationId, recipientId: conversationId === chatA ? 'ann' : 'bob', seq: null, status, localCreatedAt: at, pendingAt: at,
});
const keys = (rows: { key: string }[]) => rows.map((r) => r.key);

describe('the *unacked index (schema v9)', () => {
  it('upgrades a v8 database: its pending and failed rows are found overall and per conversation, in the order typed; acked rows are in neither', async () => {
    const indexedDB = new IDBFactory();
    const old = new Dexie('upgrade-v9', { indexedDB, IDBKeyRange });
    for (const v of VERSIONS.filter((v) => v.version <= 8)) old.version(v.version).stores(v.stores);
    await old.table('meta').bulkPut([{ key: META.owner, value: 'me' }, { key: META.userId, value: 'me' }]);
    await old.table('messages').bulkPut([acked('a1', chatA, 1), unacked('b2', chatB, 30), unacked('a3', chatA, 20, 'failed'), unacked('a4', chatA, 40), acked('b5', chatB, 2)]);
    old.close();

    const db = new LocalDb('upgrade-v9', { indexedDB, IDBKeyRange });
    expect(keys(await db.unackedRows().toArray())).toEqual(['me:a3', 'me:b2', 'me:a4']);
    expect(keys(await db.inConversation('unacked', chatA).toArray())).toEqual(['me:a3', 'me:a4']);
    expect(keys(await db.inConversation('unacked', chatB).toArray())).toEqual(['me:b2']);
    expect((await db.messages.get('me:a1'))?.unacked).toEqual([]);
    // The acked rows still by their server order, and the public outbox query through the new index.
    expect(keys(await storedRange(db, chatA, 0, Infinity))).toEqual(['me:a1']);
    expect(keys(await createQueries(db).outbox())).toEqual(['me:a3', 'me:b2', 'me:a4']);
    // The UI never sees the index field.
    expect((await createQueries(db).outbox())[0]).not.toHaveProperty('unacked');
    db.close();
  });

  it('follows every kind of write: an ack written from a copy of the stored row leaves it, a retry puts it back, update and modify too', async () => {
    const db = new LocalDb(`unacked-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.messages.bulkAdd([unacked('a1', chatA, 10), unacked('a2', chatA, 20)]);
    const newest = async () => (await db.unackedRows().last())?.key;
    expect(await newest()).toBe('me:a2');

    // The ack: a merge of the stored row (which carries its index keys) without pendingAt.
    const { pendingAt: _p, ...ackedCopy } = (await db.messages.get('me:a2'))!;
    expect(ackedCopy.unacked).toEqual([20, [chatA, 20]]);
    await db.messages.put({ ...ackedCopy, id: 'id-a2', seq: 1, status: 'sent' });
    expect(keys(await db.inConversation('unacked', chatA).toArray())).toEqual(['me:a1']);
    expect(await newest()).toBe('me:a1');

    // A failed row retried later is typed again: newest again, and last in its conversation.
    await db.messages.update('me:a1', { pendingAt: 30, status: 'pending' });
    expect(keys(await db.inConversation('unacked', chatA).toArray())).toEqual(['me:a1']);
    expect((await db.messages.get('me:a1'))?.unacked).toEqual([30, [chatA, 30]]);
    await db.messages.add(unacked('a3', chatA, 25));
    expect(keys(await db.unackedRows().toArray())).toEqual(['me:a3', 'me:a1']);

    // Acked through modify: out of both views.
    await db.messages.where('key').equals('me:a3').modify((m) => {
      delete m.pendingAt;
      m.status = 'sent';
    });
    expect(keys(await db.unackedRows().toArray())).toEqual(['me:a1']);
    expect(keys(await db.inConversation('unacked', chatB).toArray())).toEqual([]);
    db.close();
  });
});
