/**
 * Retry delays for the outbox drainer and catch-up. Pure: the random source is
 * injected so tests can pin it.
 *
 * "Equal jitter": half of the exponential step is fixed, half is random. The
 * fixed half keeps a floor under the delay (a flapping server is not hammered
 * by a 0 ms retry), the random half spreads the retries of many devices that
 * lost the same server at the same moment.
 */
export interface BackoffOptions {
  /** Delay of the first retry before jitter (ms). */
  baseMs: number;
  /** Cap of the exponential step (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (1 = first retry).
 * @example backoffDelay(3, { baseMs: 100, maxMs: 10_000 }, () => 0.5) // 300
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2 ** 30 already dwarfs any sane cap; clamping the exponent avoids Infinity.
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(n - 1, 30));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(step / 2 + (step / 2) * r);
}
