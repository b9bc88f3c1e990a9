import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { User } from '../../model/user.ts';
import { storeServerUser } from '../up/profile.ts';
import { LocalDb } from './local-db.ts';
import { storeSession } from './session.ts';
import { copyToStore, newerCopy, putUsers } from './user-copies.ts';
import { storeListedPeers } from './users.ts';

const copy = (version: number | undefined, name: string, presence: Partial<User> = {}): User => ({
  id: 'u-bo',
  username: 'bo',
  displayName: name,
  online: false,
  lastSeen: null,
  about: `about ${name}`,
  avatar: null,
  ...(version === undefined ? {} : { profileVersion: version }),
  ...presence,
});

describe('which copy of a user a device keeps', () => {
  it('the profile of the higher version, the presence of the copy heard last', () => {
    const newer = copy(3, 'Bo 3', { avatar: { id: 'photo-3', preview: null } });
    const late = copy(2, 'Bo 2', { online: true, lastSeen: '2026-12-05T10:00:00.000Z' });
    expect(newerCopy(newer, late)).toEqual({ ...newer, online: true, lastSeen: '2026-12-05T10:00:00.000Z' });
    expect(newerCopy(late, newer)).toEqual(newer);
    expect(newerCopy(newer, copy(3, 'Bo 3 again'))).toEqual(copy(3, 'Bo 3 again')); // same version: the copy heard last
  });

  it('takes a copy whole when either has no version (a server before it), or nothing is stored', () => {
    expect(newerCopy(copy(5, 'stored'), copy(undefined, 'old server'))).toEqual(copy(undefined, 'old server'));
    expect(newerCopy(copy(undefined, 'stored'), copy(1, 'new'))).toEqual(copy(1, 'new'));
    expect(newerCopy(undefined, copy(1, 'new'))).toEqual(copy(1, 'new'));
  });

  it('a stored profile without an about line or photo keeps none, not undefined fields', () => {
    const { about: _a, avatar: _p, ...bare } = copy(4, 'bare');
    const kept = newerCopy(bare, copy(1, 'old'));
    expect(kept).toEqual(bare);
    expect('about' in kept || 'avatar' in kept).toBe(false);
  });
});

describe('a refresh answer over a user heard of since it was asked for', () => {
  // Soak seed 11000: a peer's profile refresh at the heal crossed that peer's user-online event,
  // and the whole copy was skipped; the device kept a name the peer had changed twice since.
  it('takes its newer profile but keeps the presence heard since', () => {
    const row = copy(1, 'Bo', { online: true, lastSeen: null });
    expect(copyToStore(row, copy(3, 'Bo renamed', { online: false, lastSeen: '2026-12-05T09:00:00.000Z' }), true)).toEqual(copy(3, 'Bo renamed', { online: true, lastSeen: null }));
    expect(copyToStore(copy(4, 'Bo 4'), copy(3, 'Bo renamed'), true)).toEqual(copy(4, 'Bo 4'));
  });

  it('without versions to compare, keeps the row (the only order known); not heard of since, takes the copy', () => {
    expect(copyToStore(copy(undefined, 'Bo'), copy(undefined, 'Bo older'), true)).toBeNull();
    expect(copyToStore(copy(2, 'Bo'), copy(undefined, 'Bo older'), true)).toBeNull();
    expect(copyToStore(copy(2, 'Bo'), copy(3, 'Bo 3', { online: true }), false)).toEqual(copy(3, 'Bo 3', { online: true }));
    expect(copyToStore(undefined, copy(3, 'Bo 3'), true)).toEqual(copy(3, 'Bo 3'));
    // The last copy of our profile kept in meta may be the previous account's: not compared.
    expect(copyToStore({ ...copy(9, 'someone else'), id: 'u-other' }, copy(3, 'Bo 3'), true)).toEqual(copy(3, 'Bo 3'));
  });
});

describe('stores of users', () => {
  const me: User = { id: 'u-me', username: 'me', displayName: 'Me', online: true, lastSeen: null, about: '', avatar: null, profileVersion: 1 };
  const signedIn = async () => {
    const db = new LocalDb(`copies-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    await storeSession(db, { userId: me.id, token: 't', refreshToken: 'r', receivedAt: 1 }, me);
    return db;
  };

  it('a conversation list fetched before a change and answered after its event does not undo it', async () => {
    const db = await signedIn();
    await putUsers(db, [copy(2, 'Bo renamed')]); // the user-updated event
    await storeListedPeers(db, me.id, [{ peer: copy(1, 'Bo', { online: true }) } as never]);
    expect(await db.users.get('u-bo')).toMatchObject({ displayName: 'Bo renamed', about: 'about Bo renamed', profileVersion: 2, online: true });
    db.close();
  });

  it('our own profile: an answer and another device\'s event, in either order, end on the later change', async () => {
    for (const order of [[2, 3], [3, 2]]) {
      const db = await signedIn();
      for (const v of order) await storeServerUser(db, me.id, { ...me, displayName: `Me ${v}`, profileVersion: v });
      expect(await db.users.get(me.id)).toMatchObject({ displayName: 'Me 3', profileVersion: 3 });
      db.close();
    }
  });
});
