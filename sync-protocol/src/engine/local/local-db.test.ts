import { Dexie, RangeSet } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { LocalDb, META, watchTable } from './local-db.ts';
import { createQueries } from './queries.ts';

describe('schema v3 (groups)', () => {
  it('upgrades a v2 database in place: incoming rows get their reader, conversations their type and group fields', async () => {
    const indexedDB = new IDBFactory();
    // A database as a device running the v2 engine left it.
    const old = new Dexie('upgrade', { indexedDB, IDBKeyRange });
    old.version(1).stores({
      users: 'id',
      conversations: 'id, updatedAt',
      messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [recipientId+status]',
      outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt]',
      meta: 'key',
    });
    old.version(2).stores({ parked: '[owner+kind+key], owner' });
    const conversationId = directConversationId('me', 'peer');
    const base = { conversationId, body: 'x', createdAt: '2026-01-01T00:00:00.000Z', localCreatedAt: 1 };
    await old.table('meta').bulkPut([
      { key: META.owner, value: 'me' },
      { key: META.userId, value: 'me' },
    ]);
    await old.table('messages').bulkPut([
      { ...base, key: 'peer:c1', id: 'm1', clientId: 'c1', senderId: 'peer', recipientId: 'me', seq: 1, status: 'sent' },
      { ...base, key: 'me:c2', id: 'm2', clientId: 'c2', senderId: 'me', recipientId: 'peer', seq: 2, status: 'delivered' },
      { ...base, key: 'me:c3', id: null, clientId: 'c3', senderId: 'me', recipientId: 'peer', seq: null, status: 'pending', pendingAt: 5 },
    ]);
    await old.table('outbox').put({ clientId: 'c3', key: 'me:c3', conversationId, to: 'peer', body: 'x', localCreatedAt: 5, attempts: 0, socketFailures: 0 });
    await old.table('conversations').put({ id: conversationId, peerId: 'peer', lastMessage: null, unreadCount: 1, updatedAt: base.createdAt });
    old.close();

    const db = new LocalDb('upgrade', { indexedDB, IDBKeyRange });
    // The owed delivery receipt is found through the new index, and only the incoming message is.
    expect((await db.messages.where('[reader+status]').equals(['me', 'sent']).toArray()).map((m) => m.key)).toEqual(['peer:c1']);
    expect(await db.conversations.get(conversationId)).toMatchObject({ type: 'direct', peerId: 'peer', title: '', members: [], writable: true, unreadCount: 1 });
    expect(await db.outbox.get('c3')).toMatchObject({ key: 'me:c3', to: 'peer' });
    expect((await db.outbox.get('c3'))?.op).toBeUndefined();
    const [view] = await createQueries(db).conversations();
    expect(view).toMatchObject({ memberCount: 2, writable: true, conversation: { id: conversationId, type: 'direct' } });
    db.close();
  });
});

describe('schema v4 (message actions)', () => {
  it('opens a v3 database with its outbox as is, and finds action entries by their target', async () => {
    const indexedDB = new IDBFactory();
    const old = new Dexie('upgrade-v4', { indexedDB, IDBKeyRange });
    old.version(1).stores({ users: 'id', conversations: 'id, updatedAt', messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [recipientId+status]', outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt]', meta: 'key' });
    old.version(2).stores({ parked: '[owner+kind+key], owner' });
    old.version(3).stores({ messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [reader+status]' });
    const conversationId = directConversationId('me', 'peer');
    await old.table('outbox').put({ clientId: 'c3', key: 'me:c3', conversationId, to: 'peer', body: 'x', localCreatedAt: 5, attempts: 0, socketFailures: 0 });
    old.close();

    const db = new LocalDb('upgrade-v4', { indexedDB, IDBKeyRange });
    expect(await db.outbox.get('c3')).toMatchObject({ key: 'me:c3', body: 'x' });
    await db.outbox.put({ clientId: 'a1', key: 'me:a1', conversationId, to: 'peer', body: '', localCreatedAt: 6, attempts: 0, socketFailures: 0, action: { kind: 'react', emoji: '👍', targetId: null }, targetKey: 'me:c3' });
    // The index is sparse: the message entry has no target and is not in it.
    expect((await db.outbox.where('targetKey').equals('me:c3').toArray()).map((e) => e.clientId)).toEqual(['a1']);
    expect(await db.outbox.where('targetKey').anyOf(['me:c3', 'peer:c1']).count()).toBe(1);
    db.close();
  });
});

describe('schema v5 (attachments)', () => {
  it('opens a v4 database as is and stores Blobs in files and the media cache (structured clone, also in fake-indexeddb)', async () => {
    const indexedDB = new IDBFactory();
    const old = new Dexie('upgrade-v5', { indexedDB, IDBKeyRange });
    old.version(1).stores({ users: 'id', conversations: 'id, updatedAt', messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [recipientId+status]', outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt]', meta: 'key' });
    old.version(2).stores({ parked: '[owner+kind+key], owner' });
    old.version(3).stores({ messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [reader+status]' });
    old.version(4).stores({ outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt], targetKey' });
    await old.table('meta').put({ key: META.owner, value: 'me' });
    old.close();

    const db = new LocalDb('upgrade-v5', { indexedDB, IDBKeyRange });
    expect(await db.getMeta(META.owner)).toBe('me');
    const blob = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
    await db.files.put({ clientId: 'u1', owner: 'me', messageKey: 'me:c1', blob, name: 'a.png', type: 'image/png', size: 3, sha256: '' });
    await db.mediaBytes.put({ key: 'att1', blob });
    db.close();

    const reopened = new LocalDb('upgrade-v5', { indexedDB, IDBKeyRange });
    const stored = await reopened.files.where('messageKey').equals('me:c1').first();
    expect(stored?.blob).toBeInstanceOf(Blob);
    expect([stored!.blob.type, [...new Uint8Array(await stored!.blob.arrayBuffer())]]).toEqual(['image/png', [1, 2, 3]]);
    expect((await reopened.mediaBytes.get('att1'))?.blob.size).toBe(3);
    reopened.close();
  });
});

describe('watchTable', () => {
  it('with keys, tells of the writes that touch them only: a put, a delete, a clear; not another key, not another table', async () => {
    const db = new LocalDb(`watch-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    // Opening writes to meta too: told before the watchers start.
    await db.open();
    await new Promise((r) => setTimeout(r, 20));
    const all: string[] = [];
    const session: string[] = [];
    const owed: string[] = [];
    let step = '';
    const unwatch = [
      watchTable(db, 'meta', () => all.push(step)),
      watchTable(db, 'meta', () => session.push(step), new RangeSet().addKeys([META.token, META.userId])),
      watchTable(db, 'meta', () => owed.push(step), new RangeSet('owed:', 'owed:\uffff')),
    ];
    const write = async (name: string, run: () => Promise<unknown>) => {
      step = name;
      await run();
      // Dexie tells its subscribers after the commit, in a later task.
      await new Promise((r) => setTimeout(r, 20));
    };
    await write('cursor', () => db.setMeta(META.syncCursor, 'c1'));
    await write('token', () => db.setMeta(META.token, 't1'));
    await write('owed record', () => db.meta.put({ key: 'owed:me:1:3', value: ['a'] }));
    await write('read marks in bulk', () => db.meta.bulkPut(Array.from({ length: 10 }, (_, i) => ({ key: `${META.readPrefix}c${i}`, value: i }))));
    // From 50 rows Dexie names no keys but a range over every string key: told (a read for nothing, never a change missed).
    await write('60 read marks', () => db.meta.bulkPut(Array.from({ length: 60 }, (_, i) => ({ key: `${META.readPrefix}c${i}`, value: i }))));
    await write('token deleted', () => db.meta.delete(META.token));
    await write('a user', () => db.users.put({ id: 'u1', username: 'u1', displayName: 'U' } as never));
    await write('cleared', () => db.meta.clear());
    unwatch.forEach((u) => u());
    expect(all).toEqual(['cursor', 'token', 'owed record', 'read marks in bulk', '60 read marks', 'token deleted', 'cleared']);
    expect(session).toEqual(['token', '60 read marks', 'token deleted', 'cleared']);
    expect(owed).toEqual(['owed record', '60 read marks', 'cleared']);
    db.close();
  });
});
