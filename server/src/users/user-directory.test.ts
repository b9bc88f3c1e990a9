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
        .map((id) => ({ id, username: id, displayName: id, passwordHash: 'x', createdAt: '', lastSeen: null }));
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

  it('does not cache "unknown": the user may register later', async () => {
    const store = countingStore([]);
    const dir = new UserDirectory(store);
    expect(await dir.exists('u2')).toBe(false);
    expect(await dir.exists('u2')).toBe(false);
    expect(store.calls).toHaveLength(2);
  });

  it('remember() makes a fresh registration known without a query', async () => {
    const store = countingStore([]);
    const dir = new UserDirectory(store);
    dir.remember('u3');
    expect(await dir.exists('u3')).toBe(true);
    expect(store.calls).toHaveLength(0);
  });
});
