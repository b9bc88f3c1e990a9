import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pairKey, TypingTracker } from './typing.ts';

describe('TypingTracker', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function tracker(ttl = 5000) {
    const events: string[] = [];
    const t = new TypingTracker((from, to, e) => events.push(`${e}:${from}->${to}`), ttl, {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    }, () => Date.now());
    return { t, events };
  }

  it('expires by itself after the TTL', () => {
    const { t, events } = tracker();
    t.start('a', 'b');
    vi.advanceTimersByTime(4999);
    expect(events).toEqual(['typing:a->b']);
    vi.advanceTimersByTime(1);
    expect(events).toEqual(['typing:a->b', 'typing-stopped:a->b']);
    expect(t.size).toBe(0);
  });

  it('a renewal pushes the expiry back and re-announces only after half the TTL', () => {
    const { t, events } = tracker();
    t.start('a', 'b');
    vi.advanceTimersByTime(1000);
    t.start('a', 'b'); // quick renewal: no second `typing`
    vi.advanceTimersByTime(4000);
    expect(events).toEqual(['typing:a->b']);
    t.start('a', 'b'); // 5 s after the last emit: announce again
    expect(events).toEqual(['typing:a->b', 'typing:a->b']);
    vi.advanceTimersByTime(5000);
    expect(events.at(-1)).toBe('typing-stopped:a->b');
  });

  it('an explicit stop emits once and cancels the timer', () => {
    const { t, events } = tracker();
    t.start('a', 'b');
    t.stop('a', 'b');
    t.stop('a', 'b');
    vi.advanceTimersByTime(10_000);
    expect(events).toEqual(['typing:a->b', 'typing-stopped:a->b']);
  });

  it('stopAllFrom ends every pair of that user only', () => {
    const { t, events } = tracker();
    t.start('a', 'b');
    t.start('a', 'c');
    t.start('c', 'a');
    t.stopAllFrom('a');
    expect(events.filter((e) => e.startsWith('typing-stopped'))).toEqual(['typing-stopped:a->b', 'typing-stopped:a->c']);
    expect(t.size).toBe(1);
    t.clear();
    vi.advanceTimersByTime(10_000);
    expect(events.filter((e) => e.startsWith('typing-stopped'))).toHaveLength(2);
  });
});

describe('TypingTracker across nodes', () => {
  it('tells its observer when an indicator starts and ends (renewals and repeated stops say nothing)', () => {
    const changes: string[] = [];
    const t = new TypingTracker(() => {}, 5000);
    t.observe({ started: (p) => changes.push(`+${p}`), ended: (p) => changes.push(`-${p}`) });
    t.start('a', 'b');
    t.start('a', 'b');
    t.start('a', 'c');
    t.stop('a', 'b');
    t.stop('a', 'b');
    expect(changes).toEqual([`+${pairKey('a', 'b')}`, `+${pairKey('a', 'c')}`, `-${pairKey('a', 'b')}`]);
    expect(t.activePairs()).toEqual([pairKey('a', 'c')]);
    t.clear();
  });

  it('stops an orphaned indicator of a dead node, unless the typist types on here', () => {
    const events: string[] = [];
    const t = new TypingTracker((from, to, e) => events.push(`${e}:${from}->${to}`), 5000);
    t.stopOrphaned(pairKey('a', 'b'));
    expect(events).toEqual(['typing-stopped:a->b']);
    t.start('c', 'd');
    t.stopOrphaned(pairKey('c', 'd'));
    expect(events).toEqual(['typing-stopped:a->b', 'typing:c->d']);
    t.clear();
  });
});
