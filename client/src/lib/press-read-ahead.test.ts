import { describe, expect, it } from 'vitest';
import { pressReadAhead, TOUCH_WAIT_MS } from './press-read-ahead.ts';

function setup() {
  const reads: string[] = [];
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const ahead = pressReadAhead((id) => reads.push(id), {
    set: (fn, ms) => (pending.set(++next, { fn, ms }), next),
    clear: (handle) => pending.delete(handle as number),
  });
  const elapse = () => {
    for (const [handle, { fn }] of [...pending]) {
      pending.delete(handle);
      fn();
    }
  };
  return { reads, pending, ahead, elapse };
}

describe('pressReadAhead', () => {
  it('a mouse or pen press reads at once', () => {
    const { reads, pending, ahead } = setup();
    ahead.press('dm:a:b', 'mouse');
    ahead.press('g:1', 'pen');
    expect(reads).toEqual(['dm:a:b', 'g:1']);
    expect(pending.size).toBe(0);
  });

  it('a touch reads once it has lasted TOUCH_WAIT_MS', () => {
    const { reads, pending, ahead, elapse } = setup();
    ahead.press('dm:a:b', 'touch');
    expect(reads).toEqual([]);
    expect([...pending.values()].map((p) => p.ms)).toEqual([TOUCH_WAIT_MS]);
    elapse();
    expect(reads).toEqual(['dm:a:b']);
  });

  it('a touch that became a scroll (pointercancel) reads nothing', () => {
    const { reads, pending, ahead, elapse } = setup();
    ahead.press('dm:a:b', 'touch');
    ahead.cancel();
    elapse();
    expect(reads).toEqual([]);
    expect(pending.size).toBe(0);
  });

  it('a new press replaces a touch still waiting: only the last row is read', () => {
    const { reads, ahead, elapse } = setup();
    ahead.press('dm:a:b', 'touch');
    ahead.press('g:1', 'touch');
    elapse();
    expect(reads).toEqual(['g:1']);
  });

  it('a cancel after the read changes nothing (the read is already under way)', () => {
    const { reads, ahead, elapse } = setup();
    ahead.press('dm:a:b', 'touch');
    elapse();
    ahead.cancel();
    expect(reads).toEqual(['dm:a:b']);
  });
});
