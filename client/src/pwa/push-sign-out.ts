/**
 * A device whose session ended stops showing that account's notifications: on `signed-out`
 * (here, in another tab, expired or revoked) the browser's push subscription is dropped. The
 * token is gone by then, so the server learns it from the push service (410 → the endpoint is
 * deleted) at its next push; a sign-out through useSignOut can tell it at once first
 * (unsubscribeThisDevice, while the token is still valid).
 */
import { whenEngineLoaded } from '../boot/engine-loader.ts';

let following = false;

export function dropPushOnSignOut(): void {
  if (following || !('serviceWorker' in navigator) || !('PushManager' in window)) return;
  following = true;
  // Not loading the engine for this: a page without it (the sign-in page) has no session to end.
  whenEngineLoaded((engine) => engine.on('signed-out', () => {
    void navigator.serviceWorker
      .getRegistration()
      .then((reg) => reg?.pushManager.getSubscription())
      .then((sub) => sub?.unsubscribe())
      .catch((e) => console.warn('[push] could not drop the subscription on sign-out', e));
  }));
}
