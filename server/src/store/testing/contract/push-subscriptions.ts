import { describe, expect, it } from 'vitest';
import type { PushSubscriptionRecord, UserRecord } from '../../store.ts';
import { byId, type ContractFixture } from './fixture.ts';

/**
 * Push subscriptions (notification-records.ts): one record per endpoint, which moves to whoever
 * saves it last; a per-user cap that drops the least recently saved; deletion by the user, and by
 * endpoint when the push service says it is gone.
 */
export function describePushSubscriptionsContract(fx: ContractFixture): void {
  const { user } = fx;
  let counter = 0;
  const base = Date.parse('2026-12-01T00:00:00.000Z');
  /** savedAt strictly increasing with each call, so "least recently saved" is well defined. */
  const at = () => new Date(base + ++counter * 1000).toISOString();
  const sub = (u: UserRecord, endpoint: string, extra: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord => ({
    userId: u.id,
    endpoint,
    p256dh: `p256dh-${endpoint.length}-${counter}`,
    auth: `auth-${counter}`,
    preview: true,
    savedAt: at(),
    ...extra,
  });
  const endpoints = (records: readonly PushSubscriptionRecord[]) => records.map((r) => r.endpoint).sort();
  const byEndpoint = (a: PushSubscriptionRecord, b: PushSubscriptionRecord) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0);

  describe('push subscriptions', () => {
    it('saves a new subscription (created) and returns it whole from pushSubscriptionsOf', async () => {
      const a = await user();
      const record = sub(a, 'https://push.example/ep-1');
      expect(await fx.store.savePushSubscription(record, 20)).toEqual({ created: true });
      expect(await fx.store.pushSubscriptionsOf([a.id])).toEqual([record]);
    });

    it('saving the same endpoint again replaces it (not created): new keys, preview and savedAt', async () => {
      const a = await user();
      await fx.store.savePushSubscription(sub(a, 'https://push.example/ep-2'), 20);
      const again = sub(a, 'https://push.example/ep-2', { p256dh: 'new-key', auth: 'new-auth', preview: false });
      expect(await fx.store.savePushSubscription(again, 20)).toEqual({ created: false });
      expect(await fx.store.pushSubscriptionsOf([a.id])).toEqual([again]);
    });

    it('an endpoint saved by another user moves to them (created for them), the first loses it', async () => {
      const [a, b] = [await user(), await user()];
      await fx.store.savePushSubscription(sub(a, 'https://push.example/shared'), 20);
      await fx.store.savePushSubscription(sub(a, 'https://push.example/a-only'), 20);
      const moved = sub(b, 'https://push.example/shared');
      expect(await fx.store.savePushSubscription(moved, 20)).toEqual({ created: true });
      expect(endpoints(await fx.store.pushSubscriptionsOf([a.id]))).toEqual(['https://push.example/a-only']);
      expect(await fx.store.pushSubscriptionsOf([b.id])).toEqual([moved]);
    });

    it('past maxPerUser, the user loses their least recently saved subscriptions, nobody else’s', async () => {
      const [a, b] = [await user(), await user()];
      const other = sub(b, 'https://push.example/b-1');
      await fx.store.savePushSubscription(other, 3);
      for (const n of [1, 2, 3]) await fx.store.savePushSubscription(sub(a, `https://push.example/cap-${n}`), 3);
      // Saving cap-1 again makes cap-2 the least recently saved.
      expect(await fx.store.savePushSubscription(sub(a, 'https://push.example/cap-1'), 3)).toEqual({ created: false });
      expect(await fx.store.savePushSubscription(sub(a, 'https://push.example/cap-4'), 3)).toEqual({ created: true });
      expect(endpoints(await fx.store.pushSubscriptionsOf([a.id]))).toEqual([
        'https://push.example/cap-1', 'https://push.example/cap-3', 'https://push.example/cap-4',
      ]);
      await fx.store.savePushSubscription(sub(a, 'https://push.example/cap-5'), 2);
      expect(endpoints(await fx.store.pushSubscriptionsOf([a.id]))).toEqual(['https://push.example/cap-4', 'https://push.example/cap-5']);
      expect(await fx.store.pushSubscriptionsOf([b.id])).toEqual([other]);
    });

    it('deletePushSubscription deletes only the user’s own: true once, then false', async () => {
      const [a, b] = [await user(), await user()];
      await fx.store.savePushSubscription(sub(a, 'https://push.example/del'), 20);
      expect(await fx.store.deletePushSubscription(b.id, 'https://push.example/del')).toBe(false);
      expect(endpoints(await fx.store.pushSubscriptionsOf([a.id]))).toEqual(['https://push.example/del']);
      expect(await fx.store.deletePushSubscription(a.id, 'https://push.example/del')).toBe(true);
      expect(await fx.store.deletePushSubscription(a.id, 'https://push.example/del')).toBe(false);
      expect(await fx.store.pushSubscriptionsOf([a.id])).toEqual([]);
    });

    it('dropPushEndpoint deletes the endpoint whoever holds it, and is idempotent', async () => {
      const [a, b] = [await user(), await user()];
      await fx.store.savePushSubscription(sub(a, 'https://push.example/gone'), 20);
      await fx.store.savePushSubscription(sub(b, 'https://push.example/kept'), 20);
      await fx.store.dropPushEndpoint('https://push.example/gone');
      await fx.store.dropPushEndpoint('https://push.example/gone');
      await fx.store.dropPushEndpoint('https://push.example/never-saved');
      expect(await fx.store.pushSubscriptionsOf([a.id])).toEqual([]);
      expect(endpoints(await fx.store.pushSubscriptionsOf([b.id]))).toEqual(['https://push.example/kept']);
    });

    it('pushSubscriptionsOf gives the subscriptions of exactly the users asked for', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const mine = [sub(a, 'https://push.example/a1'), sub(a, 'https://push.example/a2'), sub(b, 'https://push.example/b1')];
      for (const r of [...mine, sub(c, 'https://push.example/c1')]) await fx.store.savePushSubscription(r, 20);
      expect([...(await fx.store.pushSubscriptionsOf([a.id, b.id, 'no-such-user']))].sort(byEndpoint)).toEqual([...mine].sort(byEndpoint));
      expect(await fx.store.pushSubscriptionsOf([])).toEqual([]);
      expect(await fx.store.pushSubscriptionsOf(['no-such-user'])).toEqual([]);
      // Users are untouched by it (no accidental join writes).
      expect([...(await fx.store.getUsers([a.id, b.id]))].sort(byId)).toEqual([a, b].sort(byId));
    });
  });
}
