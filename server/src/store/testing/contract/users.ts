import { isPigeonError } from '@pigeon/sync-protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { UserRecord } from '../../store.ts';
import { ISO_RE, byId, type ContractFixture } from './fixture.ts';

export function describeUsersContract(fx: ContractFixture): void {
  const { user } = fx;
  describe('users', () => {
    it('createUser stores a lower-cased username and returns the full record', async () => {
      const u = await fx.store.createUser({ username: 'Alice', displayName: 'Alice Liddell', passwordHash: 'h1' });
      expect(u).toMatchObject({ username: 'alice', displayName: 'Alice Liddell', passwordHash: 'h1', lastSeen: null });
      expect(typeof u.id).toBe('string');
      expect(u.id.length).toBeGreaterThan(0);
      expect(u.createdAt).toMatch(ISO_RE);
    });

    it('gives every user a distinct id', async () => {
      const users = await Promise.all(['aa1', 'aa2', 'aa3', 'aa4'].map((n) => user(n)));
      expect(new Set(users.map((u) => u.id)).size).toBe(4);
    });

    it('findUserByUsername is case-insensitive and returns null for an unknown name', async () => {
      const u = await user('bob');
      expect(await fx.store.findUserByUsername('bob')).toEqual(u);
      expect(await fx.store.findUserByUsername('BoB')).toEqual(u);
      expect(await fx.store.findUserByUsername('bobby')).toBeNull();
    });

    it('rejects a taken username with USERNAME_TAKEN, whatever the case', async () => {
      await user('carol');
      for (const again of ['carol', 'CAROL', 'Carol']) {
        const err = await fx.store
          .createUser({ username: again, displayName: 'x', passwordHash: 'h' })
          .then(() => null, (e: unknown) => e);
        expect(isPigeonError(err), `createUser(${again}) should fail with a PigeonError`).toBe(true);
        expect(err).toMatchObject({ code: 'USERNAME_TAKEN' });
      }
      const found = await fx.store.searchUsers('carol', 10);
      expect(found).toHaveLength(1);
    });

    it('lets exactly one of many concurrent registrations of a name win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          fx.store.createUser({ username: i % 2 ? 'Dave' : 'dave', displayName: `d${i}`, passwordHash: 'h' }),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      for (const f of failed) expect(f.reason).toMatchObject({ code: 'USERNAME_TAKEN' });
    });

    it('getUsers returns the known users among the ids and skips unknown ones', async () => {
      const a = await user('gu_a');
      const b = await user('gu_b');
      await user('gu_c');
      const got = await fx.store.getUsers([b.id, 'no-such-user', a.id]);
      expect([...got].sort(byId)).toEqual([a, b].sort(byId));
      expect(await fx.store.getUsers([])).toEqual([]);
    });

    it('setLastSeen is visible on later reads', async () => {
      const u = await user('seen');
      const at = '2030-01-02T03:04:05.678Z';
      await fx.store.setLastSeen(u.id, at);
      expect((await fx.store.findUserByUsername('seen'))?.lastSeen).toBe(at);
      expect((await fx.store.getUsers([u.id]))[0]?.lastSeen).toBe(at);
    });

    describe('searchUsers', () => {
      beforeEach(async () => {
        await fx.store.createUser({ username: 'zoe', displayName: 'Zoe Zed', passwordHash: 'h' });
        await fx.store.createUser({ username: 'annie', displayName: 'Annie Hall', passwordHash: 'h' });
        await fx.store.createUser({ username: 'andy', displayName: 'Zebra Man', passwordHash: 'h' });
        await fx.store.createUser({ username: 'bert', displayName: 'Anders Bert', passwordHash: 'h' });
        await fx.store.createUser({ username: 'carl', displayName: 'Carl Andrews', passwordHash: 'h' });
        await fx.store.createUser({ username: 'a_b', displayName: 'Underscore', passwordHash: 'h' });
        await fx.store.createUser({ username: 'axb', displayName: 'Cross', passwordHash: 'h' });
        await fx.store.createUser({ username: 'a.c', displayName: 'Dot', passwordHash: 'h' });
      });

      const names = (users: UserRecord[]) => users.map((u) => u.username);

      it('matches a prefix of the username or of any word of the display name, ordered by username', async () => {
        // 'bert' through "Anders Bert", 'carl' through "Carl Andrews" (its second word).
        expect(names(await fx.store.searchUsers('an', 20))).toEqual(['andy', 'annie', 'bert', 'carl']);
        // 'andy' through "Zebra Man", 'zoe' through its username.
        expect(names(await fx.store.searchUsers('z', 20))).toEqual(['andy', 'zoe']);
        expect(names(await fx.store.searchUsers('hall', 20))).toEqual(['annie']);
      });

      it('needs every word of the query to start some word of the display name, in any order', async () => {
        await fx.store.createUser({ username: 'mcurie', displayName: 'Marie Curie', passwordHash: 'h' });
        await fx.store.createUser({ username: 'pcurie', displayName: 'Pierre Curie', passwordHash: 'h' });
        expect(names(await fx.store.searchUsers('cur', 20))).toEqual(['mcurie', 'pcurie']);
        expect(names(await fx.store.searchUsers('Marie Cur', 20))).toEqual(['mcurie']);
        expect(names(await fx.store.searchUsers('curie m', 20))).toEqual(['mcurie']);
        expect(names(await fx.store.searchUsers('marie x', 20))).toEqual([]);
        // The username prefix still works on its own.
        expect(names(await fx.store.searchUsers('mcu', 20))).toEqual(['mcurie']);
        expect(names(await fx.store.searchUsers('urie', 20))).toEqual([]);
      });

      it('ignores accents in the display name and the query', async () => {
        await fx.store.createUser({ username: 'elo', displayName: 'Élodie Dupré-Ångström', passwordHash: 'h' });
        expect(names(await fx.store.searchUsers('dupre', 20))).toEqual(['elo']);
        expect(names(await fx.store.searchUsers('ÉLOD angst', 20))).toEqual(['elo']);
        expect(names(await fx.store.searchUsers('elodie', 20))).toEqual(['elo']);
      });

      it('is case-insensitive on both fields', async () => {
        expect(names(await fx.store.searchUsers('AN', 20))).toEqual(['andy', 'annie', 'bert', 'carl']);
        expect(names(await fx.store.searchUsers('zOE z', 20))).toEqual(['zoe']);
      });

      it('never matches in the middle of a word', async () => {
        expect(names(await fx.store.searchUsers('ndy', 20))).toEqual([]);
        expect(names(await fx.store.searchUsers('all', 20))).toEqual([]);
        expect(names(await fx.store.searchUsers('ebra', 20))).toEqual([]);
      });

      it('treats wildcard-like characters literally', async () => {
        // '_' and '.' are legal in usernames and are wildcards in LIKE and regular expressions:
        // 'axb' must not match 'a_' (nor 'a.'). In the display name they separate words, so
        // "a_" there is the word "a" (annie, bert, carl).
        expect(names(await fx.store.searchUsers('a_', 20))).toEqual(['a_b', 'annie', 'bert', 'carl']);
        expect(names(await fx.store.searchUsers('a.', 20))).toEqual(['a.c', 'annie', 'bert', 'carl']);
        expect(names(await fx.store.searchUsers('%', 20))).toEqual([]);
        expect(names(await fx.store.searchUsers('.*', 20))).toEqual([]);
      });

      it('respects the limit, keeping the first usernames in order', async () => {
        expect(names(await fx.store.searchUsers('a', 2))).toEqual(['a.c', 'a_b']);
      });
    });
  });
}
