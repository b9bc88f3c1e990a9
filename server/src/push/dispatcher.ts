/**
 * Sends pushes in the background: a bounded FIFO queue, a few requests at once, retries on their
 * own timers (a push waiting to retry holds no sending slot), endpoints forgotten on 404/410.
 *
 *   enqueue ─▶ [queue ≤ queueMax] ─▶ pump (≤ concurrency in flight) ─▶ send
 *                  ▲  full: the oldest is dropped (warned)              │ failure
 *                  └──────────── retry timer ◀── retry-policy.ts ◀──────┘
 *                                                  404/410 → dropEndpoint; else give up
 *
 * The endpoint is checked against PUSH_ALLOWED_HOSTS again right before each request (it was
 * checked at subscribe time, but the list may have changed since), and the checked URL is the one
 * called. Nothing here throws into a caller: a push is best effort, a failure is logged.
 */
import type { Logger } from '../log.ts';
import type { Checked } from './allowed-hosts.ts';
import { decideAfterFailure, type PushFailure, type RetryPolicy } from './retry-policy.ts';

export interface PushJob {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The JSON text of the payload (payload.ts), encrypted by the sender. */
  payload: string;
  urgency: 'high' | 'normal';
  /** RFC 8030 Topic (topic.ts). */
  topic: string;
}

/** One request to a push service; rejects with a PushFailure-like error (statusCode, headers) or a network error. */
export type PushSender = (job: PushJob, url: string) => Promise<void>;

/** The part of Node's timers the dispatcher uses; tests pass fakes. */
export interface DispatcherTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const nodeTimers: DispatcherTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface DispatcherOptions {
  send: PushSender;
  /** The push service said the subscription is gone. */
  dropEndpoint(endpoint: string): Promise<void>;
  /** allowed-hosts.ts checkPushEndpoint with the configured rules. */
  checkEndpoint(endpoint: string): Checked<string>;
  queueMax: number;
  concurrency: number;
  retry: RetryPolicy;
  log: Logger;
  timers?: DispatcherTimers;
  now?: () => number;
  random?: () => number;
}

export interface DispatcherStats {
  queued: number;
  inFlight: number;
  waitingRetry: number;
  sent: number;
  /** Dropped because the queue was full. */
  overflowed: number;
  /** Given up (attempts used up, permanent refusal, endpoint not allowed) or endpoint gone. */
  failed: number;
  endpointsDropped: number;
}

interface Entry {
  job: PushJob;
  attempts: number;
}

export class PushDispatcher {
  private queue: Entry[] = [];
  private head = 0;
  private inFlight = new Set<Promise<void>>();
  private retryTimers = new Set<unknown>();
  private closed = false;
  private readonly timers: DispatcherTimers;
  private readonly counts = { sent: 0, overflowed: 0, failed: 0, endpointsDropped: 0 };

  constructor(private readonly o: DispatcherOptions) {
    this.timers = o.timers ?? nodeTimers;
  }

  get stats(): DispatcherStats {
    return { queued: this.queued, inFlight: this.inFlight.size, waitingRetry: this.retryTimers.size, ...this.counts };
  }

  /** Queues one push; when the queue (with the pushes waiting to retry) is full, the oldest queued push is dropped. */
  enqueue(job: PushJob): void {
    if (this.closed) return;
    if (this.queued + this.retryTimers.size >= this.o.queueMax) {
      if (this.queued === 0) return this.overflow();
      this.shift();
      this.overflow();
    }
    this.queue.push({ job, attempts: 0 });
    this.pump();
  }

  /** Stops: drops queued pushes, cancels retries, waits for the requests in flight (their outcome is then ignored). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) this.timers.clearTimeout(t);
    this.retryTimers.clear();
    this.queue = [];
    this.head = 0;
    await Promise.allSettled([...this.inFlight]);
  }

  private get queued(): number {
    return this.queue.length - this.head;
  }

  private shift(): Entry | undefined {
    if (this.head >= this.queue.length) return undefined;
    const entry = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Entry;
    // Compact now and then, so a long-lived queue does not keep a long dead prefix.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  private overflow(): void {
    this.counts.overflowed++;
    // The first and then every thousandth: a flood must not flood the log too.
    if (this.counts.overflowed % 1000 === 1) this.o.log.warn({ overflowed: this.counts.overflowed, queueMax: this.o.queueMax }, 'push queue full: dropped the oldest push');
  }

  private pump(): void {
    while (!this.closed && this.inFlight.size < this.o.concurrency) {
      const entry = this.shift();
      if (!entry) return;
      const run = this.attempt(entry).catch((err) => this.o.log.error({ err }, 'push dispatcher: unexpected error'));
      this.inFlight.add(run);
      void run.finally(() => {
        this.inFlight.delete(run);
        this.pump();
      });
    }
  }

  private async attempt(entry: Entry): Promise<void> {
    const checked = this.o.checkEndpoint(entry.job.endpoint);
    if (!checked.ok) {
      this.counts.failed++;
      this.o.log.warn({ reason: checked.reason }, 'push endpoint no longer allowed (PUSH_ALLOWED_HOSTS): not sent');
      return;
    }
    entry.attempts++;
    try {
      await this.o.send(entry.job, checked.value);
      if (!this.closed) this.counts.sent++;
      return;
    } catch (err) {
      if (!this.closed) await this.failed(entry, failureOf(err), err);
    }
  }

  private async failed(entry: Entry, failure: PushFailure, err: unknown): Promise<void> {
    const verdict = decideAfterFailure(failure, entry.attempts, this.o.retry, (this.o.now ?? Date.now)(), this.o.random);
    if (verdict.kind === 'drop-endpoint') {
      this.counts.endpointsDropped++;
      // An endpoint is a capability URL: log its host only.
      this.o.log.info({ host: hostOf(entry.job.endpoint), status: failure.statusCode }, 'push subscription gone: forgetting it');
      await this.o.dropEndpoint(entry.job.endpoint).catch((e) => this.o.log.warn({ err: e }, 'push: could not forget a gone subscription'));
      return;
    }
    if (verdict.kind === 'give-up') {
      this.counts.failed++;
      this.o.log.warn({ host: hostOf(entry.job.endpoint), status: failure.statusCode, reason: verdict.reason, err: failure.statusCode === undefined ? err : undefined }, 'push given up');
      return;
    }
    const timer = this.timers.setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.closed) return;
      this.queue.push(entry);
      this.pump();
    }, verdict.delayMs);
    this.retryTimers.add(timer);
  }
}

/** web-push rejects with a WebPushError (statusCode, headers) for an HTTP answer, and with the socket's error otherwise. */
function failureOf(err: unknown): PushFailure {
  const e = err as { statusCode?: unknown; headers?: Record<string, string | string[] | undefined> } | null;
  if (e && typeof e.statusCode === 'number') {
    const retryAfter = e.headers?.['retry-after'];
    return { statusCode: e.statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
  }
  return {};
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return '?';
  }
}
