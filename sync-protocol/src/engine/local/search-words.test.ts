import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { searchDevice } from '../search/device-search.ts';
import { LocalDb, META, type StoredMessage } from './local-db.ts';

const conversationId = directConversationId('me', 'peer');
const base = { conversationId, createdAt: '2026-01-01T00:00:00.000Z', localCreatedAt: 1, status: 'delivered' as const };
const row = (key: string, body: string, more: Partial<StoredMessage> = {}): StoredMessage => {
  const [senderId, clientId] = key.split(':') as [string, string];
  return { ...base, key, id: `id-${clientId}`, clientId, senderId, recipientId: senderId === 'me' ? 'peer' : 'me', body, seq: Number(clientId.slice(1)), ...more };
};
const ids = (rows: { key: string }[]) => rows.map((r) => r.key).sort();

describe('schema v6 (search words)', () => {
  it('upgrades a v5 database: existing rows get their words (none for system, deleted, hidden ones)', async () => {
    const indexedDB = new IDBFactory();
    const old = new Dexie('upgrade-v6', { indexedDB, IDBKeyRange });
    old.version(1).stores({ users: 'id', conversations: 'id, updatedAt', messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [recipientId+status]', outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt]', meta: 'key' });
    old.version(2).stores({ parked: '[owner+kind+key], owner' });
    old.version(3).stores({ messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [reader+status]' });
    old.version(4).stores({ outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt], targetKey' });
    old.version(5).stores({ files: 'clientId, owner, messageKey, attachmentId', media: 'key, usedAt', mediaBytes: 'key' });
    await old.table('meta').bulkPut([{ key: META.owner, value: 'me' }, { key: META.userId, value: 'me' }]);
    await old.table('messages').bulkPut([
      row('peer:c1', 'Élan vital, ÉLAN!', { reader: 'me' }),
      row('me:c2', 'photo of the elephant'),
      row('me:c3', '', { type: 'system' }),
      row('me:c4', '', { deletedAt: '2026-01-01T00:01:00.000Z' }),
      row('peer:c5', 'elastic band', { reader: 'me', hiddenAt: '2026-01-01T00:01:00.000Z' }),
    ]);
    old.close();

    const db = new LocalDb('upgrade-v6', { indexedDB, IDBKeyRange });
    expect((await db.messages.get('peer:c1'))?.words).toEqual(['elan', 'vital']);
    expect((await db.messages.get('me:c3'))?.words).toEqual([]);
    expect((await db.messages.get('peer:c5'))?.words).toEqual([]);
    expect(ids(await db.messages.where('words').startsWith('el').distinct().toArray())).toEqual(['me:c2', 'peer:c1']);
    db.close();
  });

  it('keeps words right on every kind of write (add, put of a row without words, update, modify) and searches only the signed-in user', async () => {
    const db = new LocalDb('hooks', { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.meta.bulkPut([{ key: META.owner, value: 'me' }, { key: META.userId, value: 'me' }]);
    await db.messages.add(row('me:c1', 'first draft'));
    const search = (q: string[]) => searchDevice(db, 'me', q, { limit: 10 });
    expect(ids(await search(['draft']))).toEqual(['me:c1']);
    // A writer that knows nothing of words (a server copy merged from the row's other fields).
    const { words: _words, ...without } = (await db.messages.get('me:c1'))!;
    await db.messages.put({ ...without, body: 'second version' });
    expect(ids(await search(['draft']))).toEqual([]);
    expect(ids(await search(['vers', 'sec']))).toEqual(['me:c1']);
    await db.messages.put({ ...without, body: 'second version', status: 'read' });
    expect(ids(await search(['second']))).toEqual(['me:c1']);
    await db.messages.update('me:c1', { body: 'third take' });
    expect(ids(await search(['third']))).toEqual(['me:c1']);
    await db.messages.where('key').equals('me:c1').modify((m) => {
      m.body = '';
      m.deletedAt = '2026-01-01T00:05:00.000Z';
    });
    expect(ids(await search(['third']))).toEqual([]);
    // Not the signed-in user's (left by nobody's writer, but never shown): not found.
    await db.messages.add(row('other:c9', 'third party', { recipientId: 'someone' }));
    expect(ids(await search(['third']))).toEqual([]);
    await db.setMeta(META.userId, 'other');
    expect(ids(await search(['third']))).toEqual([]);
    db.close();
  });
});
