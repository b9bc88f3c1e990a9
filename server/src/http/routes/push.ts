import { Hono } from 'hono';
import { LIMITS, PigeonError, pushSubscriptionInputSchema, pushUnsubscribeInputSchema } from '@pigeon/sync-protocol';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson } from '../validate.ts';

/**
 * Web Push subscriptions (contract v2, "Notifications and search"; model/notifications.ts):
 *
 *   GET    /api/push/config          → 200 { vapidPublicKey }
 *   POST   /api/push/subscriptions   { endpoint, keys: { p256dh, auth }, preview? } → 201 new, 200 saved again
 *   DELETE /api/push/subscriptions   { endpoint } → 204 (also when the caller held no such endpoint)
 *
 * An endpoint off PUSH_ALLOWED_HOSTS is VALIDATION (push/allowed-hosts.ts): the server would POST
 * to it. Saving an endpoint another user held moves it to the caller (a browser profile signed
 * into another account); past LIMITS.pushSubscriptionsPerUserMax the caller's oldest is replaced.
 * Saving counts against SEND_RATE_LIMIT (writeLimit), so a client cannot churn the table.
 */
export function pushRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.get('/config', (c) => c.json({ vapidPublicKey: s.push.vapidPublicKey }));

  routes.post('/subscriptions', async (c) => {
    const me = c.get('userId');
    const input = await readJson(c, pushSubscriptionInputSchema);
    const checked = s.push.checkEndpoint(input.endpoint);
    if (!checked.ok) throw new PigeonError('VALIDATION', `endpoint: ${checked.reason}`);
    await s.writeLimit.take(me);
    const preview = input.preview ?? true;
    const savedAt = new Date().toISOString();
    const { created } = await s.store.savePushSubscription(
      { userId: me, endpoint: input.endpoint, p256dh: input.keys.p256dh, auth: input.keys.auth, preview, savedAt },
      LIMITS.pushSubscriptionsPerUserMax,
    );
    return c.json({ subscription: { endpoint: input.endpoint, preview, savedAt } }, created ? 201 : 200);
  });

  routes.delete('/subscriptions', async (c) => {
    const { endpoint } = await readJson(c, pushUnsubscribeInputSchema);
    await s.store.deletePushSubscription(c.get('userId'), endpoint);
    return c.body(null, 204);
  });

  return routes;
}
