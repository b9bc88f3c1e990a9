/**
 * Follows the browser's network state. `navigator.onLine === false` is reliable (no
 * network interface), so the engine stops trying at once and reports offline; `true`
 * only means "worth trying": the socket decides whether the device is really online.
 */
export type NetworkTarget = Pick<Window, 'addEventListener' | 'removeEventListener'> & { navigator: Pick<Navigator, 'onLine'> };

/** Calls `onChange` now and on every `online` / `offline` event; returns the unsubscribe. */
export function followBrowserNetwork(target: NetworkTarget, onChange: (online: boolean) => void): () => void {
  const update = () => onChange(target.navigator.onLine);
  update();
  target.addEventListener('online', update);
  target.addEventListener('offline', update);
  return () => {
    target.removeEventListener('online', update);
    target.removeEventListener('offline', update);
  };
}
