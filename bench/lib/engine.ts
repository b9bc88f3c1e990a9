/** Sync engines in Node for the bench: fake-indexeddb, no Web Locks, WebSocket only. */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createSyncEngine, type EngineState, type SyncEngine } from '@pigeon/sync-protocol/engine';

/** `indexedDB`: the factory its database lives in (a fresh one by default), for a caller that reads it too. */
export function benchEngine(serverUrl: string, dbName: string, indexedDB: IDBFactory = new IDBFactory()): SyncEngine {
  return createSyncEngine({
    serverUrl,
    dbName,
    indexedDB,
    IDBKeyRange,
    locks: null,
    transports: ['websocket'],
  });
}

/** Resolves when `pred` holds for the engine state (checked now and on every change). */
export function untilState(engine: SyncEngine, pred: (s: EngineState) => boolean, timeoutMs = 600_000, what = 'engine state'): Promise<EngineState> {
  return new Promise((resolve, reject) => {
    const now = engine.getState();
    if (pred(now)) return resolve(now);
    const t = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what} (state ${JSON.stringify(engine.getState())})`));
    }, timeoutMs);
    const off = engine.on('state', (s) => {
      if (!pred(s)) return;
      clearTimeout(t);
      off();
      resolve(s);
    });
  });
}
