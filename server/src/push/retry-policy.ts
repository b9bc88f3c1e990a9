/**
 * What to do after a push service refused or failed a push (RFC 8030 §5, web-push's
 * WebPushError.statusCode): pure, so the rules are tested without a network or timers.
 *
 *   404, 410            the subscription is gone (unsubscribed, expired): forget the endpoint
 *   429                 retry after Retry-After (or the backoff), if attempts remain
 *   5xx, network error  retry with exponential backoff (jittered), if attempts remain
 *   other 4xx           give up: the request itself is wrong (bad VAPID, payload too large), a retry
 *                       would be refused alike
 */
export interface PushFailure {
  /** The push service's answer; undefined for a network error or a timeout. */
  statusCode?: number;
  /** Its Retry-After header, if any (seconds or an HTTP date). */
  retryAfter?: string | undefined;
}

export interface RetryPolicy {
  /** Tries of one push, the first included. */
  maxAttempts: number;
  /** The first retry's delay; each later one doubles it. */
  baseMs: number;
  /** The longest wait; a push service asking for longer gets the push given up. */
  maxMs: number;
}

export type PushVerdict = { kind: 'drop-endpoint' } | { kind: 'retry'; delayMs: number } | { kind: 'give-up'; reason: string };

/** `attempts`: tries made so far (1 after the first failure). `random` in [0, 1) spreads retries of many pushes. */
export function decideAfterFailure(failure: PushFailure, attempts: number, policy: RetryPolicy, nowMs: number, random: () => number = Math.random): PushVerdict {
  const status = failure.statusCode;
  if (status === 404 || status === 410) return { kind: 'drop-endpoint' };
  const retryable = status === undefined || status === 429 || status >= 500;
  if (!retryable) return { kind: 'give-up', reason: `push service answered ${status}` };
  if (attempts >= policy.maxAttempts) return { kind: 'give-up', reason: `${attempts} attempts failed (last: ${status ?? 'network error'})` };
  const asked = parseRetryAfter(failure.retryAfter, nowMs);
  if (asked !== null) {
    if (asked > policy.maxMs) return { kind: 'give-up', reason: `Retry-After ${asked} ms is beyond ${policy.maxMs} ms` };
    return { kind: 'retry', delayMs: asked };
  }
  const full = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempts - 1));
  // "Equal jitter": at least half the backoff, so retries never bunch up at zero.
  return { kind: 'retry', delayMs: Math.round(full / 2 + (random() * full) / 2) };
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date → ms from now; null if absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
