import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.ts';

describe('createRateLimiter', () => {
  it('allows `limit` sends, then refuses until tokens refill', () => {
    let t = 0;
    const rl = createRateLimiter({ limit: 3, windowMs: 3000, now: () => t });
    expect([rl.tryTake('a'), rl.tryTake('a'), rl.tryTake('a'), rl.tryTake('a')]).toEqual([true, true, true, false]);
    t += 999;
    expect(rl.tryTake('a')).toBe(false);
    t += 1;
    expect(rl.tryTake('a')).toBe(true);
    expect(rl.tryTake('a')).toBe(false);
  });

  it('keeps users apart', () => {
    const rl = createRateLimiter({ limit: 1, now: () => 0 });
    expect(rl.tryTake('a')).toBe(true);
    expect(rl.tryTake('a')).toBe(false);
    expect(rl.tryTake('b')).toBe(true);
  });

  it('never holds more than `limit` tokens after a long pause', () => {
    let t = 0;
    const rl = createRateLimiter({ limit: 2, windowMs: 1000, now: () => t });
    t = 1_000_000;
    expect([rl.tryTake('a'), rl.tryTake('a'), rl.tryTake('a')]).toEqual([true, true, false]);
  });

  it('limit 0 turns it off', () => {
    const rl = createRateLimiter({ limit: 0, now: () => 0 });
    for (let i = 0; i < 1000; i++) expect(rl.tryTake('a')).toBe(true);
  });
});
