import { describe, expect, it } from 'vitest';
import type { ContractFixture } from './fixture.ts';

export function describeBlocksContract(fx: ContractFixture): void {
  const { user } = fx;
  const at = () => new Date().toISOString();

  describe('blocks', () => {
    it('block and unblock are idempotent; blockedBy lists whom a user blocked', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      expect(await fx.store.blockedBy(a.id)).toEqual([]);
      await fx.store.blockUser(a.id, b.id, at());
      await fx.store.blockUser(a.id, b.id, at());
      await fx.store.blockUser(a.id, c.id, at());
      expect([...(await fx.store.blockedBy(a.id))].sort()).toEqual([b.id, c.id].sort());
      expect(await fx.store.blockedBy(b.id)).toEqual([]);

      await fx.store.unblockUser(a.id, b.id);
      await fx.store.unblockUser(a.id, b.id);
      expect(await fx.store.blockedBy(a.id)).toEqual([c.id]);
      await fx.store.unblockUser(b.id, a.id); // never blocked: nothing happens
      expect(await fx.store.blockedBy(a.id)).toEqual([c.id]);
    });

    it('blockersOf lists who blocked a user, and follows unblocking', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      await fx.store.blockUser(a.id, c.id, at());
      await fx.store.blockUser(b.id, c.id, at());
      await fx.store.blockUser(c.id, a.id, at());
      expect([...(await fx.store.blockersOf(c.id))].sort()).toEqual([a.id, b.id].sort());
      expect(await fx.store.blockersOf(a.id)).toEqual([c.id]);
      await fx.store.unblockUser(a.id, c.id);
      expect(await fx.store.blockersOf(c.id)).toEqual([b.id]);
      expect(await fx.store.blockersOf(b.id)).toEqual([]);
    });

    it('concurrent blocks of the same pair store one block', async () => {
      const [a, b] = [await user(), await user()];
      await Promise.all(Array.from({ length: 5 }, () => fx.store.blockUser(a.id, b.id, at())));
      expect(await fx.store.blockedBy(a.id)).toEqual([b.id]);
    });

    it('isBlockedEitherWay sees a block from either side, and only between the two', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      expect(await fx.store.isBlockedEitherWay(a.id, b.id)).toBe(false);
      await fx.store.blockUser(a.id, b.id, at());
      expect(await fx.store.isBlockedEitherWay(a.id, b.id)).toBe(true);
      expect(await fx.store.isBlockedEitherWay(b.id, a.id)).toBe(true);
      expect(await fx.store.isBlockedEitherWay(a.id, c.id)).toBe(false);
      expect(await fx.store.isBlockedEitherWay(c.id, b.id)).toBe(false);

      await fx.store.blockUser(b.id, a.id, at());
      await fx.store.unblockUser(a.id, b.id);
      // b's block of a remains.
      expect(await fx.store.isBlockedEitherWay(a.id, b.id)).toBe(true);
      await fx.store.unblockUser(b.id, a.id);
      expect(await fx.store.isBlockedEitherWay(b.id, a.id)).toBe(false);
    });
  });
}
