import { afterEach, describe, expect, it, vi } from 'vitest';
import { History } from './history.ts';

describe('History.story', () => {
  afterEach(() => void vi.useRealTimers());

  it('a message’s entries, its devices’ account switches, and what a device was told of its groups just before it stored the message', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const h = new History();
    const at = (ms: number, kind: string, detail: string) => {
      vi.setSystemTime(ms);
      h.add(kind, detail);
    };
    at(1_000, 'list', 'u1d0 17b4ef read 2 delivered 2'); // more than 3 s before: left out
    at(5_000, 'account', 'u1d0 signed in as c3u1');
    at(6_000, 'list', 'u1d0 17b4ef read 18 delivered 18');
    at(6_050, 'sync-page', 'u1d0 since (start): 17b4ef 10s 11s');
    at(6_060, 'list', 'u2d0 17b4ef read 5 delivered 5'); // another device: left out
    at(6_100, 'applied', 'u1d0 a:k1 seq=10 sent');
    at(7_000, 'list', 'u1d0 17b4ef read 19 delivered 19'); // after the device's last change: left out
    at(9_000, 'list', 'u2d1 17b4ef read 19 delivered 19'); // u2d1 names the message only later, and never changed it: left out
    at(9_500, 'op', 'u2d1 react on a:k1 → skipped');
    expect(h.story(['a:k1']).map((e) => e.detail)).toEqual([
      'u1d0 signed in as c3u1',
      'u1d0 17b4ef read 18 delivered 18',
      'u1d0 since (start): 17b4ef 10s 11s',
      'u1d0 a:k1 seq=10 sent',
      'u2d1 react on a:k1 → skipped',
    ]);
  });
});
