import type { SyncEngine } from '@pigeon/sync-protocol/engine';

/**
 * Mirrors the browser's online/offline events into the engine. `navigator.onLine === false`
 * is reliable (no network interface), so the engine stops trying at once and the banner says
 * "offline"; `true` only means "worth trying" — the socket decides whether we are really online.
 */
export function followBrowserNetwork(engine: SyncEngine, target: Window = window): () => void {
  const update = () => engine.setNetworkEnabled(target.navigator.onLine);
  update();
  target.addEventListener('online', update);
  target.addEventListener('offline', update);
  return () => {
    target.removeEventListener('online', update);
    target.removeEventListener('offline', update);
  };
}
