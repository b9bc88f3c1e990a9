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
 * The wait never exceeds `RECEIPT_RETRY_MAX_MS`, whatever the backoff allows the drainer (30 s).
 * A re-sent receipt costs the server no write of its own: it waits for the call already running
 * for those ids (server ReceiptService, docs/reliability.md C9). A long wait, though, leaves the
 * device showing `delivered` for that long while the server says `sent`. In session 24 (load 25–35)
 * a device owed 10 receipts for 35 s with no emit, most likely waiting out a 15–30 s backoff with
 * nothing to cut it short.
 */
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';

/** The longest a failed receipt waits before it is sent again (ms). */
export const RECEIPT_RETRY_MAX_MS = 5_000;

export interface RetryDeps {
  /** The retry: flushes what is owed. */
  run: () => void;
  /** A retry can be sent now (started and connected); when not, the next connect flushes. */
  canRun: () => boolean;
  backoff?: BackoffOptions;
  random?: () => number;
}

export class ReceiptRetry {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  constructor(private readonly deps: RetryDeps) {}

  /** A retry is waiting for its time. */
  get pending(): boolean {
    return this.timer !== null;
  }

  /** An emit failed (not for good): one timer covers every kind of receipt. */
  failed(): void {
    if (this.timer || !this.deps.canRun()) return;
    const delay = Math.min(RECEIPT_RETRY_MAX_MS, backoffDelay(++this.failures, this.deps.backoff, this.deps.random));
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
