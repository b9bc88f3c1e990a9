/**
 * Opening a chat marks its unread rows read (markReadLocally), and a group's read position from
 * another device does the same (applyPositions). Both used to read every unread row of every chat
 * through [reader+status] and keep one chat's: 20,000 rows after a long catch-up, on every open
 * (issue #20). Schema v8's [reader+status+conversationId] reads the one chat's alone; this counts the
 * rows each reads, through a cursor or a getAll, a filter's rejects included.
 */
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import type { Message } from '../../model/message.ts';
import { applyServerCopies } from '../down/store-server-changes.ts';
import { applyPositions } from '../down/read-positions.ts';
import { markReadLocally } from '../up/receipts.ts';
import { LocalDb, META, type StoredMessage } from './local-db.ts';
import { VERSIONS } from './schema-versions.ts';
import { storeSession } from './session.ts';
import { messageStore, messageTables } from './message-store.ts';
import { spyOnReads, storedMessages } from '../../testing/index.ts';

const user = (id: string) => ({ id, username: id, displayName: id, online: false, lastSeen: null });
const copy = (conversationId: string, senderId: string, seq: number): Message => ({
  id: `${conversationId}-${String(seq).padStart(5, '0')}`,
  clientId: `${conversationId}-c${seq}`,
  conversationId,
  senderId,
  recipientId: conversationId.startsWith('g') ? conversationId : 'me',
  body: `message ${seq}`,
  seq,
  createdAt: new Date(seq * 1000).toISOString(),
  status: 'sent',
});

async function open(name: string): Promise<{ db: LocalDb; read: () => string[] }> {
  const db = new LocalDb(name, { indexedDB: new IDBFactory(), IDBKeyRange });
  let read: string[] = [];
  const note = (row: unknown) => read.push((row as StoredMessage).conversationId);
  // Every row the messages table hands out, and every block (local/message-blocks.ts), through a cursor (a filter's rejects too) or a getAll.
  spyOnReads(db, ['messages', 'messageBlocks'], ({ values }) => values.forEach((v) => v && note(v)));
  await storeSession(db, { userId: 'me', token: 't', refreshToken: null, receivedAt: 1 }, user('me'));
  return { db, read: () => [...new Set(read.splice(0))] };
}

describe('unread rows of one chat', () => {
  it('opening a chat reads its own unread rows, none of the other chats', async () => {
    const { db, read } = await open('unread-direct');
    const open1 = directConversationId('me', 'ann');
    const other = directConversationId('me', 'bo');
    await applyServerCopies(db, [...Array.from({ length: 30 }, (_, i) => copy(open1, 'ann', i + 1)), ...Array.from({ length: 300 }, (_, i) => copy(other, 'bo', i + 1))], 'me');
    read();
    expect(await markReadLocally(db, open1, 'me')).toBe(30);
    expect(read()).toEqual([open1]);
    expect((await storedMessages(db)).filter((r) => r.conversationId === open1).every((r) => r.status === 'read')).toBe(true);
    expect((await db.conversations.get(other))?.unreadCount).toBe(300);
    db.close();
  });

  it("a group's read position from another device reads that group's unread rows alone", async () => {
    const { db, read } = await open('unread-group');
    const other = directConversationId('me', 'bo');
    await applyServerCopies(db, [...Array.from({ length: 20 }, (_, i) => copy('g1', 'ann', i + 1)), ...Array.from({ length: 200 }, (_, i) => copy(other, 'bo', i + 1))], 'me');
    read();
    expect(await applyPositions(db, 'me', 'g1', { readSeq: 12 })).toBe(12);
    expect(read()).toEqual(['g1']);
    db.close();
  });

  it('a v7 database keeps its owed receipts and unread rows through the upgrade to v8', async () => {
    const indexedDB = new IDBFactory();
    const old = new Dexie('upgrade-v8', { indexedDB, IDBKeyRange });
    for (const v of VERSIONS.filter((v) => v.version <= 7)) old.version(v.version).stores(v.stores);
    const dm = directConversationId('me', 'ann');
    const row = (clientId: string, seq: number, status: 'sent' | 'delivered' | 'read') =>
      ({ key: `ann:${clientId}`, id: `id-${clientId}`, clientId, conversationId: dm, senderId: 'ann', recipientId: 'me', reader: 'me', body: clientId, seq, createdAt: '2026-01-01T00:00:00.000Z', localCreatedAt: 1, status, words: [] }) satisfies StoredMessage;
    await old.table('meta').bulkPut([{ key: META.owner, value: 'me' }, { key: META.userId, value: 'me' }]);
    await old.table('messages').bulkPut([row('c1', 1, 'read'), row('c2', 2, 'delivered'), row('c3', 3, 'sent')]);
    old.close();

    const db = new LocalDb('upgrade-v8', { indexedDB, IDBKeyRange });
    expect((await db.transaction('r', messageTables(db), () => messageStore(db).sentIncoming('me', 100))).map((r) => r.key)).toEqual(['ann:c3']);
    expect((await db.transaction('r', messageTables(db), () => messageStore(db).unreadIn('me', dm))).map((r) => r.key).sort()).toEqual(['ann:c2', 'ann:c3']);
    db.close();
  });
});
