import { describe, expect, it } from 'vitest';
import { RedisBreaker } from './redis-breaker.ts';

describe('RedisBreaker', () => {
  it('closed: every call goes to Redis', () => {
    const b = new RedisBreaker(1_000, () => 0);
    expect([b.allow(), b.allow(), b.allow()]).toEqual([true, true, true]);
  });

  it('a failure keeps calls in memory for openMs, then lets ONE probe through; its success closes it', () => {
    let t = 0;
    const b = new RedisBreaker(1_000, () => t);
    expect(b.failed()).toBe(true);
    expect(b.failed()).toBe(false); // already open: no second log line
    t = 999;
    expect(b.allow()).toBe(false);
    t = 1_000;
    expect([b.allow(), b.allow()]).toEqual([true, false]);
    b.succeeded();
    expect([b.allow(), b.allow(), b.isOpen]).toEqual([true, true, false]);
  });

  it('a failed probe reopens it for another openMs', () => {
    let t = 0;
    const b = new RedisBreaker(1_000, () => t);
    b.failed();
    t = 1_500;
    expect(b.allow()).toBe(true);
    b.failed();
    t = 2_499;
    expect(b.allow()).toBe(false);
    t = 2_500;
    expect(b.allow()).toBe(true);
  });
});
