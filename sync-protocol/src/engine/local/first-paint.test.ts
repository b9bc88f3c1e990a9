import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import type { User } from '../../model/user.ts';
import { applyServerCopies } from '../down/store-server-changes.ts';
import { commitSend } from '../up/outbox.ts';
import { commitCreateGroup, commitToConversation } from '../up/group-outbox.ts';
import { readDrafts, writeDraft } from './drafts.ts';
import { readFirstPaint, SCHEMA_VERSION } from './first-paint.ts';
import { LocalDb } from './local-db.ts';
import { createQueries } from './queries.ts';
import { VERSIONS } from './schema-versions.ts';
import { forgetSession, storeSession } from './session.ts';

const user = (id: string, displayName: string): User => ({ id, username: id, displayName, online: false, lastSeen: null });
const ME = user('ua', 'Ana');

/** A database as a signed-in engine leaves it: 1:1 chats (one acked, one with a pending message), a group created here. */
async function filled(idb: IDBFactory, name: string): Promise<LocalDb> {
  const db = new LocalDb(name, { indexedDB: idb, IDBKeyRange });
  await storeSession(db, { userId: ME.id, token: 't', refreshToken: 'r', receivedAt: Date.now() }, ME);
  await db.users.bulkPut([ME, user('ub', 'Bea'), user('uc', 'Cy')]);
  const withB = directConversationId('ua', 'ub');
  await applyServerCopies(
    db,
    [{ id: 'm1', clientId: 'c1', conversationId: withB, senderId: 'ub', recipientId: 'ua', body: 'hello', seq: 1, createdAt: '2026-12-01T10:00:00.000Z', status: 'sent' }],
    ME.id,
  );
  await commitSend(db, ME.id, 'uc', 'pending one');
  // A peer the device has no profile of: the list names them later; here the view's peer is null.
  await commitSend(db, ME.id, 'ux', 'to someone unknown');
  const group = await commitCreateGroup(db, ME.id, 'Climbing', ['ub', 'uc']);
  await commitToConversation(db, ME.id, group.id, 'in the group');
  await writeDraft(db, ME.id, group.id, 'half a thought');
  await writeDraft(db, ME.id, withB, 'see you at');
  return db;
}

describe('readFirstPaint', () => {
  it('reads the list exactly as queries.conversations() gives it, with the session user and the names groups show', async () => {
    const idb = new IDBFactory();
    const db = await filled(idb, 'fp-same');
    const expected = await createQueries(db).conversations();
    const drafts = await readDrafts(db, ME.id);
    db.close();

    const read = await readFirstPaint(idb, 'fp-same');
    expect(read).not.toBeNull();
    expect(read!.me).toEqual(ME);
    expect(read!.conversations).toEqual(expected);
    expect(read!.conversations.map((v) => v.conversation.type)).toContain('group');
    // The group's last message is ours: its sender's profile is there for the preview line.
    expect(read!.users.get('ua')).toEqual(ME);
    expect(read!.drafts).toEqual(drafts);
    expect(read!.drafts.size).toBe(2);
  });

  it('gives null, and creates nothing, when there is no database', async () => {
    const idb = new IDBFactory();
    expect(await readFirstPaint(idb, 'fp-none')).toBeNull();
    expect((await idb.databases()).map((d) => d.name)).not.toContain('fp-none');
  });

  it('gives null once the session has ended, though the data stays', async () => {
    const idb = new IDBFactory();
    const db = await filled(idb, 'fp-signed-out');
    await forgetSession(db, { userId: ME.id, reason: 'user' });
    db.close();
    expect(await readFirstPaint(idb, 'fp-signed-out')).toBeNull();
  });

  it('gives null for a database of an older schema (the engine upgrades it first), and leaves it as it was', async () => {
    const idb = new IDBFactory();
    const open = idb.open('fp-old', (SCHEMA_VERSION - 1) * 10);
    await new Promise((resolve, reject) => {
      open.onupgradeneeded = () => {
        for (const store of ['meta', 'users', 'conversations']) open.result.createObjectStore(store, { keyPath: store === 'meta' ? 'key' : 'id' });
      };
      open.onsuccess = resolve;
      open.onerror = reject;
    });
    open.result.close();
    expect(await readFirstPaint(idb, 'fp-old')).toBeNull();
    expect((await idb.databases()).find((d) => d.name === 'fp-old')?.version).toBe((SCHEMA_VERSION - 1) * 10);
  });

  it('never holds up the engine: its connection is closed when the read is done', async () => {
    const idb = new IDBFactory();
    (await filled(idb, 'fp-closed')).close();
    const reading = readFirstPaint(idb, 'fp-closed');
    // The engine opening (and here deleting) the database meanwhile is not blocked for good.
    const deleted = new Promise((resolve, reject) => {
      const request = idb.deleteDatabase('fp-closed');
      request.onsuccess = resolve;
      request.onerror = reject;
    });
    await reading;
    await deleted;
  });

  it('knows the schema version the engine opens', () => {
    expect(SCHEMA_VERSION).toBe(VERSIONS[VERSIONS.length - 1]!.version);
  });
});
