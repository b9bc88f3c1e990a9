import type { SyncEngine } from '@pigeon/sync-protocol/engine';

/**
 * The engine follows the browser's online/offline events itself (SyncEngineOptions
 * `followBrowserNetwork`, on by default in a browser; sync-protocol engine/browser-network.ts).
 * Kept so existing callers compile; it does nothing and returns a no-op unsubscribe.
 */
export function followBrowserNetwork(_engine: SyncEngine): () => void {
  return () => {};
}
