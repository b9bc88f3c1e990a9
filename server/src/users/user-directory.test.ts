import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../store/store.ts';
import { UserDirectory } from './user-directory.ts';

function countingStore(ids: string[]) {
  const calls: string[][] = [];
  return {
    calls,
    async getUsers(query: readonly string[]): Promise<UserRecord[]> {
      calls.push([...query]);
      return query
        .filter((id) => ids.includes(id))
        .map((id) => ({ id, username: id, displayName: id, passwordHash: 'x', createdAt: '', lastSeen: null, about: '', avatar: null, profileVersion: 0 }));
    },
  };
}

describe('UserDirectory', () => {
  it('reads a known user once, then answers from memory', async () => {
    const store = countingStore(['u1']);
    const dir = new UserDirectory(store);
    expect(await Promise.all([dir.exists('u1'), dir.exists('u1')])).toEqual([true, true]);
    expect(await dir.exists('u1')).toBe(true);
    expect(store.calls).toEqual([['u1']]);
  });

  it('caches "unknown" for a while, bounded: a repeated unknown id costs one query', async () => {
    const store = countingStore([]);
    let t = 0;
    const dir = new UserDirectory(store, undefined, () => t);
    expect(await dir.exists('u2')).toBe(false);
    expect(await dir.exists('u2')).toBe(false);
    expect(store.calls).toHaveLength(1);
    t += 60_000; // the negative entry expires: a user registered on another node becomes visible
    expect(await dir.exists('u2')).toBe(false);
    expect(store.calls).toHaveLength(2);
    // Many distinct unknown ids: each costs its one query, and memory stays bounded (the LRU forgets).
    for (let i = 0; i < 10_050; i++) await dir.exists(`x${i}`);
    expect(await dir.exists('x0')).toBe(false);
    expect(store.calls.at(-1)).toEqual(['x0']);
  });

  it('ids asked about in one turn share one query', async () => {
    const store = countingStore(['u5']);
    const dir = new UserDirectory(store);
    const answers = await Promise.all(['u5', 'r1', 'r2', 'u5', 'r3'].map((id) => dir.exists(id)));
    expect(answers).toEqual([true, false, false, true, false]);
    expect(store.calls).toEqual([['u5', 'r1', 'r2', 'r3']]);
  });

  it('a failed query fails its waiters and caches nothing', async () => {
    let fail = true;
    const dir = new UserDirectory({
      getUsers: async (ids) => {
        if (fail) throw new Error('store down');
        return ids.map((id) => ({ id, username: id, displayName: id, passwordHash: 'x', createdAt: '', lastSeen: null, about: '', avatar: null, profileVersion: 0 }));
      },
    });
    await expect(dir.exists('u6')).rejects.toThrow('store down');
    fail = false;
    expect(await dir.exists('u6')).toBe(true);
  });

  it('remember() clears a cached "unknown" (the id registered here)', async () => {
    const store = countingStore([]);
    const dir = new UserDirectory(store);
    expect(await dir.exists('u4')).toBe(false);
    dir.remember('u4');
    expect(await dir.exists('u4')).toBe(true);
    expect(store.calls).toHaveLength(1);
  });

  it('remember() makes a fresh registration known without a query', async () => {
    const store = countingStore([]);
    const dir = new UserDirectory(store);
    dir.remember('u3');
    expect(await dir.exists('u3')).toBe(true);
    expect(store.calls).toHaveLength(0);
  });
});
