/**
 * The client sync engine: offline-first storage (Dexie), a durable outbox drained
 * over Socket.io with a REST fallback, cursor-based catch-up and receipts.
 * Runs unchanged in browsers and in Node (pass fake-indexeddb through the options).
 *
 * @example
 * const engine = createSyncEngine({ serverUrl: '', dbName: 'pigeon' });
 * (await engine.resume()) ?? (await engine.signIn('ada', 'correct horse'));
 * await engine.send(peerId, 'hello'); // committed locally; delivered when possible
 */
import type { SyncEngine, SyncEngineOptions } from './api.ts';
import { Engine } from './engine.ts';

export type * from './api.ts';
/** The catch-up's default page sizes (the bench pages its baselines the same way). */
export { CATCH_UP_PAGES } from './options.ts';

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  return new Engine(options);
}
