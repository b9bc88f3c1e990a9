import { PigeonError } from '@pigeon/sync-protocol';

/**
 * Group committer for sends. Every send — socket or REST, any user — is queued;
 * the queue is written with ONE store call per batch:
 *
 *   enqueue ─► [queue] ──(store idle?)──► commit(batch ≤ maxBatch) ──► resolve each ─► ack
 *                  ▲                                  │
 *                  └──── sends arriving meanwhile ────┘ (form the next batch)
 *
 * At most `maxInFlight` batches (default one) are in flight. Under light load a send waits one event-loop
 * turn (setImmediate, so every send read from the sockets in the same turn joins
 * it); under heavy load batches grow by themselves, which is what turns one
 * fsync per message into one fsync per batch. Callers ack only after their
 * promise resolves, i.e. after the batch committed.
 */
export interface SendBatcherOptions<Req, Out> {
  /** Stores the batch; outcomes in input order. Must be idempotent (the store dedupes by clientId). */
  commit(batch: readonly Req[]): Promise<Out[]>;
  maxBatch?: number;
  /**
   * Batches committing at once (default 1). A store that queues calls in order (the SQLite
   * worker thread) can take the next batch while the event loop is still acking the last,
   * so it never waits for the event loop; the store still commits them one after another.
   */
  maxInFlight?: number;
  /** How a flush is deferred; setImmediate by default. */
  schedule?: (run: () => void) => void;
  /** Told about a failed batch before its sends are retried one by one. */
  onBatchError?: (error: unknown, size: number) => void;
}

export interface BatcherStats {
  batches: number;
  sends: number;
  largestBatch: number;
  /** Wall time with at least one batch in flight (ms): busy / elapsed is how close the store is to saturation. */
  commitMs: number;
}

/** Sends queued together by `enqueueRun`: once one of them failed, the rest are not tried. */
interface Run {
  failed: { error: unknown } | null;
}

interface Pending<Req, Out> {
  req: Req;
  resolve(out: Out): void;
  reject(err: unknown): void;
  run?: Run;
}

export class SendBatcher<Req, Out> {
  private queue: Pending<Req, Out>[] = [];
  private inFlight = 0;
  private busySince = 0;
  private scheduled = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly schedule: (run: () => void) => void;
  readonly stats: BatcherStats = { batches: 0, sends: 0, largestBatch: 0, commitMs: 0 };

  constructor(private readonly options: SendBatcherOptions<Req, Out>) {
    this.maxBatch = options.maxBatch ?? 512;
    this.maxInFlight = options.maxInFlight ?? 1;
    this.schedule = options.schedule ?? ((run) => void setImmediate(run));
  }

  get size(): number {
    return this.queue.length;
  }

  enqueue(req: Req): Promise<Out> {
    if (this.closed) return Promise.reject(new PigeonError('UNAVAILABLE', 'server is shutting down'));
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.kick();
    });
  }

  /**
   * Queues `reqs` as ONE run, for a batched send (`send-messages`): they go to the same store call,
   * in order, never split across two batches (with two batches in flight, the later one could
   * commit while the earlier is retried). If that call fails and its sends are retried one by one,
   * the first of the run that fails again ends it: the ones after it are rejected with the same
   * error without being tried. So what a run stores is a prefix of it (refusals are outcomes, not
   * failures: they do not end it), which keeps a chat's seq order = the order its sender typed.
   */
  enqueueRun(reqs: readonly Req[]): Promise<Out>[] {
    if (this.closed) return reqs.map(() => Promise.reject(new PigeonError('UNAVAILABLE', 'server is shutting down')));
    const run: Run = { failed: null };
    const outcomes = reqs.map((req) => new Promise<Out>((resolve, reject) => this.queue.push({ req, resolve, reject, run })));
    this.kick();
    return outcomes;
  }

  /** Resolves once everything queued so far (and anything queued meanwhile) is committed. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new sends (UNAVAILABLE); what is queued still gets committed by drain(). */
  close(): void {
    this.closed = true;
  }

  /** Crash simulation: refuses new sends and fails the queued ones without committing them. */
  abort(): void {
    this.closed = true;
    const dropped = this.queue.splice(0);
    for (const p of dropped) p.reject(new PigeonError('UNAVAILABLE', 'server stopped'));
    this.notifyIfIdle();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  private kick(): void {
    if (this.inFlight >= this.maxInFlight || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    if (this.inFlight === 0) this.busySince = performance.now();
    this.inFlight += 1;
    const batch = this.queue.splice(0, this.takeCount());
    this.stats.batches += 1;
    this.stats.sends += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    try {
      const outcomes = await this.commitChecked(batch.map((p) => p.req));
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (error) {
      await this.commitOneByOne(batch, error);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.stats.commitMs += performance.now() - this.busySince;
    }
    // Everything that arrived while we were committing is the next batch. It is started on the
    // next turn, not right here: a synchronous store (better-sqlite3) would otherwise commit it
    // before this batch's acks — queued as microtasks — ever reach the sockets.
    if (this.queue.length > 0) this.kick();
    else this.notifyIfIdle();
  }

  /**
   * A failed batch is retried send by send, so one poisonous send (or a
   * transient error) doesn't fail hundreds of others. Safe because commits are
   * idempotent: a send the failed batch did store comes back as the same message.
   */
  private async commitOneByOne(batch: Pending<Req, Out>[], error: unknown): Promise<void> {
    if (batch.length === 1) {
      batch[0]!.reject(error);
      return;
    }
    this.options.onBatchError?.(error, batch.length);
    for (const p of batch) {
      if (p.run?.failed) {
        p.reject(p.run.failed.error);
        continue;
      }
      try {
        const [out] = await this.commitChecked([p.req]);
        p.resolve(out!);
      } catch (err) {
        if (p.run) p.run.failed = { error: err };
        p.reject(err);
      }
    }
  }

  /** maxBatch, stretched so that a run at the boundary goes whole (a run is at most SEND_BATCH.maxItems). */
  private takeCount(): number {
    let n = Math.min(this.maxBatch, this.queue.length);
    const last = this.queue[n - 1]?.run;
    while (last && n < this.queue.length && this.queue[n]!.run === last) n++;
    return n;
  }

  private async commitChecked(reqs: Req[]): Promise<Out[]> {
    const outcomes = await this.options.commit(reqs);
    if (outcomes.length !== reqs.length) {
      throw new Error(`store returned ${outcomes.length} outcomes for ${reqs.length} sends`);
    }
    return outcomes;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}
