import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { shouldRenewTyping, Typing } from './typing.ts';

describe('typing', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('renews at most once per renewMs', () => {
    expect(shouldRenewTyping(undefined, 0, 3000)).toBe(true);
    expect(shouldRenewTyping(1000, 3999, 3000)).toBe(false);
    expect(shouldRenewTyping(1000, 4000, 3000)).toBe(true);
  });

  it('throttles typing, sends typing-stopped only after a typing, and expires incoming states', () => {
    let now = 0;
    const emitted: string[] = [];
    const surfaced: boolean[] = [];
    const t = new Typing({ emit: (to, on) => emitted.push(`${to}:${on}`), surface: (e) => surfaced.push(e.typing), renewMs: 3000, ttlMs: 5000, now: () => now });
    t.set('bob', false); // never typed: nothing to stop
    t.set('bob', true);
    now = 1000;
    t.set('bob', true);
    now = 3000;
    t.set('bob', true);
    t.set('bob', false);
    expect(emitted).toEqual(['bob:true', 'bob:true', 'bob:false']);

    t.received({ from: 'bob', conversationId: 'c' }, true);
    vi.advanceTimersByTime(4000);
    t.received({ from: 'bob', conversationId: 'c' }, true); // renewal pushes the expiry back
    vi.advanceTimersByTime(4000);
    expect(surfaced).toEqual([true, true]);
    vi.advanceTimersByTime(1000);
    expect(surfaced).toEqual([true, true, false]);
    t.received({ from: 'bob', conversationId: 'c' }, true);
    t.received({ from: 'bob', conversationId: 'c' }, false);
    vi.advanceTimersByTime(10_000);
    expect(surfaced).toEqual([true, true, false, true, false]);
  });
});
