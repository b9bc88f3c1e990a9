import { describe, expect, it } from 'vitest';
import { EventBudget } from './event-budget.ts';

describe('EventBudget', () => {
  it('allows `limit` events per window, refuses the rest with the time left, and flags 3× the limit as abusive', () => {
    let t = 1_000;
    const budget = new EventBudget({ limit: 5, windowMs: 10_000, now: () => t });
    const kinds = () => budget.take().kind;
    expect(Array.from({ length: 5 }, kinds)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    t += 4_000;
    expect(budget.take()).toEqual({ kind: 'over', retryAfterMs: 6_000 });
    // Refused events count: events 7..15 are still "over", the 16th (> 3 × 5) is abusive.
    expect(Array.from({ length: 9 }, kinds).every((k) => k === 'over')).toBe(true);
    expect(budget.take().kind).toBe('abusive');
  });

  it('a new window starts afresh', () => {
    let t = 0;
    const budget = new EventBudget({ limit: 1, windowMs: 100, now: () => t });
    expect(budget.take().kind).toBe('ok');
    expect(budget.take().kind).toBe('over');
    t = 100;
    expect(budget.take().kind).toBe('ok');
  });

  it('limit 0 means no budget', () => {
    const budget = new EventBudget({ limit: 0, windowMs: 100 });
    for (let i = 0; i < 1000; i++) expect(budget.take().kind).toBe('ok');
  });
});
