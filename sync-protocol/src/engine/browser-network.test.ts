import { describe, expect, it } from 'vitest';
import { followBrowserNetwork, type NetworkTarget } from './browser-network.ts';

describe('followBrowserNetwork', () => {
  it('reports navigator.onLine now and on every online/offline event, until unsubscribed', () => {
    const events = new EventTarget();
    const target = Object.assign(events, { navigator: { onLine: false } }) as unknown as NetworkTarget & { navigator: { onLine: boolean } };
    const seen: boolean[] = [];
    const stop = followBrowserNetwork(target, (online) => seen.push(online));
    target.navigator.onLine = true;
    events.dispatchEvent(new Event('online'));
    target.navigator.onLine = false;
    events.dispatchEvent(new Event('offline'));
    stop();
    target.navigator.onLine = true;
    events.dispatchEvent(new Event('online'));
    expect(seen).toEqual([false, true, false]);
  });
});
