/**
 * When receipts whose emit failed are tried again (up/receipts.ts).
 *
 * After a failure while the socket stays up (an ack timed out: a stalled link, a busy server) the
 * retry waits with backoff, growing with consecutive failures as the drainer's does. But the
 * backoff is only a guess that the link or the server is in trouble, and the guess is dropped as
 * soon as the connection shows otherwise:
 *  - a new connection (`reset`): failures on the old one say nothing about it; the connect's
 *    own flush is the retry;
 *  - something else just went through (`proven`: a send acked, a sync page or a live event
 *    stored, another receipt acked): a pending retry runs now instead of at its time.
 * Why: under load (chaos-cluster seed 2, acks up to 9 s against the 5 s ack timeout) a run of
 * timed-out receipts pushed the next try 15–30 s out, while sends were being acked again; with
 * receipts shown `delivered` before the server has them (local/owed-receipts.ts) the devices then
 * differed from the server for that long.
 *
 * A proven retry keeps the failure count: if the receipt times out again (the server is slow for
 * receipts only), the next backoff goes on growing, and only the next proof cuts it short.
 *
 * An emit left unanswered (the ack timed out: a slow server, a stalled link) waits at most
 * `unansweredCapMs` (2 s) before it goes again, however many came before it: the ack timeout
 * already spaces those tries (5 s each), the server skips ids it has (a repeated receipt changes
 * nothing, server/src/realtime/acknowledged-ids.ts), and a receiving device often has nothing
 * else going on that could prove the connection. Seen in chaos-cluster seed 2 at load 10–12: an
 * idle receiver's receipts, timed out while the server was busy, waited 15–22 s of backoff after
 * the server had caught up. Answered failures (a rate limit, a server error) keep the full backoff.
 */
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';

export interface RetryDeps {
  /** The retry: flushes what is owed. */
  run: () => void;
  /** A retry can be sent now (started and connected); when not, the next connect flushes. */
  canRun: () => boolean;
  backoff?: BackoffOptions;
  random?: () => number;
  /** Longest wait after an emit left unanswered (default UNANSWERED_RETRY_CAP_MS). */
  unansweredCapMs?: number;
}

export const UNANSWERED_RETRY_CAP_MS = 2_000;

export class ReceiptRetry {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  constructor(private readonly deps: RetryDeps) {}

  /** A retry is waiting for its time. */
  get pending(): boolean {
    return this.timer !== null;
  }

  /** An emit failed (not for good; `unanswered`: no answer came, e.g. a timeout): one timer covers every kind of receipt. */
  failed(unanswered = false): void {
    if (this.timer || !this.deps.canRun()) return;
    const backoff = backoffDelay(++this.failures, this.deps.backoff, this.deps.random);
    const delay = unanswered ? Math.min(backoff, this.deps.unansweredCapMs ?? UNANSWERED_RETRY_CAP_MS) : backoff;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.deps.run();
    }, delay);
  }

  /** An emit was acked: the next failure starts the backoff over. */
  succeeded(): void {
    this.failures = 0;
  }

  /** The connection carried something else just now: a waiting retry runs at once. */
  proven(): void {
    if (!this.timer || !this.deps.canRun()) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.deps.run();
  }

  /** A new connection (its connect flushes), or the engine stopped: no retry waits, no failure counts. */
  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.failures = 0;
  }
}
