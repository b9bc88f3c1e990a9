import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const opts = { baseMs: 100, maxMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles the step per attempt, half of it fixed', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(50);
    expect(backoffDelay(1, opts, () => 1)).toBe(100);
    expect(backoffDelay(2, opts, () => 0)).toBe(100);
    expect(backoffDelay(3, opts, () => 1)).toBe(400);
  });

  it('never exceeds the cap, even for huge attempt counts', () => {
    for (const attempt of [20, 100, 10_000]) {
      const d = backoffDelay(attempt, opts, () => 1);
      expect(d).toBe(10_000);
      expect(backoffDelay(attempt, opts, () => 0)).toBe(5_000);
    }
  });

  it('stays within [step/2, step] for any random value, including out-of-range ones', () => {
    for (const r of [-1, 0, 0.25, 0.999, 2]) {
      const d = backoffDelay(4, opts, () => r);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });

  it('treats attempt < 1 as the first retry', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(50);
    expect(backoffDelay(-5, opts, () => 1)).toBe(100);
  });
});
