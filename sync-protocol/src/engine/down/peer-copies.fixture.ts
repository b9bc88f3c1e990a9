/**
 * Test fixture for the catch-up's unit tests: the server's copies of the messages `peer` sent to
 * `me` in their 1:1 chat, and a device database signed in as `me`.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { directConversationId } from '../../conversation-id.ts';
import type { Message } from '../../model/message.ts';
import { LocalDb } from '../local/local-db.ts';
import { storeSession } from '../local/session.ts';

export const conversationId = directConversationId('me', 'peer');

/** The copy of peer's message `seq`. Ids grow with seq, as the server's UUIDv7 do. */
export const copy = (seq: number, over: Partial<Message> = {}): Message => ({
  id: `m${String(seq).padStart(6, '0')}`,
  clientId: `c${seq}`,
  conversationId,
  senderId: 'peer',
  recipientId: 'me',
  body: `message ${seq}`,
  seq,
  createdAt: new Date(seq * 1000).toISOString(),
  status: 'sent',
  ...over,
});

/** A fresh device database (fake-indexeddb) with `me` signed in. */
export async function signedInDevice(name: string): Promise<LocalDb> {
  const db = new LocalDb(name, { indexedDB: new IDBFactory(), IDBKeyRange });
  await storeSession(db, { userId: 'me', token: 't-me', refreshToken: null, receivedAt: 1 }, { id: 'me', username: 'me', displayName: 'me', online: false, lastSeen: null });
  return db;
}
