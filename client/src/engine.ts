import { createSyncEngine, type SyncEngine } from '@pigeon/sync-protocol/engine';
import { createdOnFirstUse } from './lib/created-on-first-use.ts';

/**
 * The one sync engine of this page. Same origin as the server (serverUrl ''), so the
 * REST calls go to /api and the socket to /socket.io on whatever host served the PWA.
 * It follows the browser's online/offline events by itself (followBrowserNetwork, on by
 * default in a browser) and owns the typing policy: components only report input.
 * `describeImage` gives picked photos their size and ThumbHash on the device (a worker; its
 * module is loaded with the first photo, outside the initial JS).
 *
 * Created on first use, not when this module is evaluated: the engine loader (boot/start-engine.ts)
 * creates it in a task after the one that evaluated the engine's chunk. Evaluating the chunk
 * (Dexie, Socket.io, the engine's modules) and creating the engine were one long task on a phone
 * (~300 ms at 4x CPU, most of the total blocking time Lighthouse measured on an open chat, #20).
 */
let created: SyncEngine | null = null;

export function createEngine(): SyncEngine {
  return (created ??= createSyncEngine({
    serverUrl: '',
    // A chunk that cannot load (offline before the service worker cached it): the server describes it.
    describeImage: (blob) => import('./lib/image/describe-image.ts').then((m) => m.describeImage(blob)).catch(() => null),
  }));
}

export const engine: SyncEngine = createdOnFirstUse(createEngine);
