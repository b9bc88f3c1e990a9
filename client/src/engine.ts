import { createSyncEngine, type SyncEngine } from '@pigeon/sync-protocol/engine';

/**
 * The one sync engine of this page. Same origin as the server (serverUrl ''), so the
 * REST calls go to /api and the socket to /socket.io on whatever host served the PWA.
 * It follows the browser's online/offline events by itself (followBrowserNetwork, on by
 * default in a browser) and owns the typing policy: components only report input.
 * `describeImage` gives picked photos their size and ThumbHash on the device (a worker; its
 * module is loaded with the first photo, outside the initial JS).
 */
export const engine: SyncEngine = createSyncEngine({
  serverUrl: '',
  // A chunk that cannot load (offline before the service worker cached it): the server describes it.
  describeImage: (blob) => import('./lib/image/describe-image.ts').then((m) => m.describeImage(blob)).catch(() => null),
});
