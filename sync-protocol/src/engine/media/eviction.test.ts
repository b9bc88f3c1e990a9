import { describe, expect, it } from 'vitest';
import { evictionPlan } from './eviction.ts';

const e = (key: string, size: number, usedAt: number) => ({ key, size, usedAt });

describe('evictionPlan', () => {
  it('evicts nothing within the budget, or with no budget', () => {
    expect(evictionPlan([e('a', 10, 1), e('b', 10, 2)], 20)).toEqual([]);
    expect(evictionPlan([e('a', 10 ** 9, 1)], null)).toEqual([]);
  });

  it('evicts the least recently used first, only as many as needed', () => {
    const entries = [e('new', 10, 30), e('old', 10, 10), e('mid', 10, 20)];
    expect(evictionPlan(entries, 25)).toEqual(['old']);
    expect(evictionPlan(entries, 10)).toEqual(['old', 'mid']);
  });

  it('evicts even the newest when it alone is over the budget', () => {
    expect(evictionPlan([e('a', 5, 1), e('big', 50, 2)], 40)).toEqual(['a', 'big']);
  });

  it('orders equal times by key', () => {
    expect(evictionPlan([e('b', 10, 1), e('a', 10, 1)], 10)).toEqual(['a']);
  });
});
