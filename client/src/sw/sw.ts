/**
 * Pigeon's service worker (vite-plugin-pwa `injectManifest`: this file is bundled into /sw.js
 * and the build injects the precache list at `self.__WB_MANIFEST`).
 *
 *   - the app shell is precached, and every navigation (offline too) gets index.html, except
 *     /api and /socket.io, which always go to the network and are never cached;
 *   - 'prompt' updates: a new worker waits until the page (UpdatePrompt.vue, workbox-window)
 *     posts SKIP_WAITING, so a half-typed message is never lost to a forced reload;
 *   - Web Push: `push` shows a message notification, `notificationclick` opens the chat
 *     (push-handlers.ts).
 */
// First: zod (the push payload's schema) must not probe `new Function` under the strict CSP.
import '../boot/strict-csp.ts';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { onNotificationClick, onPush } from './push-handlers.ts';
import type { ServiceWorkerScope } from './sw-types.ts';

declare const self: ServiceWorkerScope & { __WB_MANIFEST: Parameters<typeof precacheAndRoute>[0] };

self.addEventListener('message', (event) => {
  const data = event.data as { type?: unknown } | null;
  if (data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api/, /^\/socket\.io/] }));

// A failure is logged (the worker's console is the only place it can be seen), and still fails the event.
const logged = (what: string, work: Promise<void>) =>
  work.catch((error: unknown) => {
    console.error(`[sw] ${what} failed`, error);
    throw error;
  });
self.addEventListener('push', (event) => event.waitUntil(logged('push', onPush(self, event))));
self.addEventListener('notificationclick', (event) => event.waitUntil(logged('notificationclick', onNotificationClick(self, event))));
