import { describe, expect, it } from 'vitest';
import { decideAfterFailure, parseRetryAfter } from './retry-policy.ts';

const policy = { maxAttempts: 4, baseMs: 1000, maxMs: 60_000 };
const now = Date.parse('2026-12-01T00:00:00Z');
const half = () => 0.5;

describe('decideAfterFailure', () => {
  it('404 and 410 forget the endpoint, at any attempt', () => {
    expect(decideAfterFailure({ statusCode: 410 }, 1, policy, now)).toEqual({ kind: 'drop-endpoint' });
    expect(decideAfterFailure({ statusCode: 404 }, 4, policy, now)).toEqual({ kind: 'drop-endpoint' });
  });

  it('5xx and network errors back off exponentially with jitter, capped', () => {
    expect(decideAfterFailure({ statusCode: 500 }, 1, policy, now, () => 0)).toEqual({ kind: 'retry', delayMs: 500 });
    expect(decideAfterFailure({ statusCode: 503 }, 2, policy, now, () => 0.999999)).toEqual({ kind: 'retry', delayMs: 2000 });
    expect(decideAfterFailure({}, 3, policy, now, half)).toEqual({ kind: 'retry', delayMs: 3000 });
    expect(decideAfterFailure({}, 3, { ...policy, maxMs: 1000 }, now, () => 0)).toEqual({ kind: 'retry', delayMs: 500 });
  });

  it('429 honours Retry-After in seconds or as a date', () => {
    expect(decideAfterFailure({ statusCode: 429, retryAfter: '7' }, 1, policy, now)).toEqual({ kind: 'retry', delayMs: 7000 });
    expect(decideAfterFailure({ statusCode: 429, retryAfter: new Date(now + 3000).toUTCString() }, 1, policy, now)).toEqual({ kind: 'retry', delayMs: 3000 });
    expect(decideAfterFailure({ statusCode: 429 }, 1, policy, now, () => 0)).toEqual({ kind: 'retry', delayMs: 500 });
  });

  it('gives up after maxAttempts, on a Retry-After beyond maxMs, and on other 4xx', () => {
    expect(decideAfterFailure({ statusCode: 500 }, 4, policy, now).kind).toBe('give-up');
    expect(decideAfterFailure({ statusCode: 429, retryAfter: '3600' }, 1, policy, now).kind).toBe('give-up');
    for (const statusCode of [400, 401, 403, 413]) expect(decideAfterFailure({ statusCode }, 1, policy, now).kind).toBe('give-up');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and dates, ignores garbage, never negative', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 12 ', now)).toBe(12_000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
