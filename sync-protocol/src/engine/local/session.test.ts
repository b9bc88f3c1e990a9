import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LocalDb, META } from './local-db.ts';
import { loadSession, storeRefreshed, storeSession, type Session } from './session.ts';

const user = (id: string) => ({ id, username: id, displayName: id, online: false, lastSeen: null });

describe('the stored session', () => {
  it('opens a version 1 database (token and user only) as a session without a refresh token', async () => {
    const indexedDB = new IDBFactory();
    const v1 = new Dexie('old', { indexedDB, IDBKeyRange });
    v1.version(1).stores({ users: 'id', conversations: 'id, updatedAt', messages: 'key', outbox: 'clientId', meta: 'key' });
    await v1.table('meta').bulkPut([
      { key: 'token', value: 'old-token' },
      { key: 'userId', value: 'u1' },
      { key: 'owner', value: 'u1' },
    ]);
    v1.close();

    const db = new LocalDb('old', { indexedDB, IDBKeyRange });
    expect(await loadSession(db)).toMatchObject({ userId: 'u1', token: 'old-token', refreshToken: null });
    expect(await db.parked.count()).toBe(0); // the new store exists
    db.close();
  });

  it('stores a refreshed pair only over the refresh token that was presented (another tab may have rotated it)', async () => {
    const db = new LocalDb('cas', { indexedDB: new IDBFactory(), IDBKeyRange });
    const first: Session = { userId: 'u1', token: 'a1', refreshToken: 'r1', receivedAt: 1 };
    await storeSession(db, first, user('u1'));

    const tab1 = { ...first, token: 'a2', refreshToken: 'r2', receivedAt: 2 };
    expect(await storeRefreshed(db, tab1, 'r1')).toEqual(tab1);
    // The other tab presented r1 too and got an answer later: the stored pair wins.
    const late = { ...first, token: 'a2-late', refreshToken: 'r2-late', receivedAt: 3 };
    expect(await storeRefreshed(db, late, 'r1')).toEqual(tab1);
    expect(await loadSession(db)).toEqual(tab1);

    await db.meta.bulkDelete([META.token, META.userId]);
    expect(await storeRefreshed(db, { ...tab1, token: 'a3', refreshToken: 'r3' }, 'r2')).toBeNull();
    db.close();
  });
});
