import { createSyncEngine, type SyncEngine } from '@pigeon/sync-protocol/engine';
import { describeImage } from './lib/image/describe-image.ts';

/**
 * The one sync engine of this page. Same origin as the server (serverUrl ''), so the
 * REST calls go to /api and the socket to /socket.io on whatever host served the PWA.
 * It follows the browser's online/offline events by itself (followBrowserNetwork, on by
 * default in a browser) and owns the typing policy: components only report input.
 * `describeImage` gives picked photos their size and ThumbHash on the device (a worker).
 */
export const engine: SyncEngine = createSyncEngine({ serverUrl: '', describeImage });
