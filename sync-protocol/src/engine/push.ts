/**
 * `engine.push` (api.ts EnginePush): Web Push for this device, straight over REST. Never queued: a
 * subscription saved "later" could outlive the browser's own (a new endpoint meanwhile), so each
 * call needs the server now and refuses at once offline (UNAVAILABLE with `details.network`), like
 * the management calls.
 */
import type { EnginePush } from './api.ts';
import type { Transport } from './transport/transport.ts';

export function enginePush(transport: Transport, requireOnline: () => void): EnginePush {
  return {
    async config() {
      requireOnline();
      return { vapidPublicKey: (await transport.pushConfig()).vapidPublicKey };
    },
    async subscribe(subscription) {
      requireOnline();
      await transport.addPushSubscription(subscription);
    },
    async unsubscribe(endpoint) {
      requireOnline();
      await transport.removePushSubscription(endpoint);
    },
  };
}
