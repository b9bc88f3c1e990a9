import { rateLimited } from '../limits/rate-limited.ts';

export interface HashQueueOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks allowed to wait; one more is refused with RATE_LIMITED. */
  maxWaiting: number;
  /** First guess of a task's duration, for Retry-After before anything was measured. */
  initialTaskMs?: number;
  now?: () => number;
}

/**
 * Runs password hashes with bounded concurrency and a bounded wait list. Each
 * scrypt run holds a libuv thread (and 128 MiB at the default cost) for ~0.3 s;
 * unbounded, a login flood fills the 4-thread pool that file reads and the
 * JWT check also need, and every request of every user waits behind it. Past
 * the wait list the caller gets RATE_LIMITED at once, with a Retry-After
 * estimated from the measured task time, instead of a growing queue.
 */
export class HashQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private avgTaskMs: number;
  private readonly now: () => number;

  constructor(private readonly options: HashQueueOptions) {
    this.avgTaskMs = options.initialTaskMs ?? 300;
    this.now = options.now ?? Date.now;
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Throws RATE_LIMITED now if a task would be refused now: lets a caller skip the
   * work that leads up to a hash (a store lookup) when the hash cannot run anyway.
   */
  assertRoom(): void {
    if (this.running >= this.options.concurrency && this.waiting.length >= this.options.maxWaiting) {
      throw rateLimited('the server is busy checking passwords; try again shortly', this.estimatedWaitMs());
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      this.assertRoom();
      await new Promise<void>((resume) => this.waiting.push(resume));
    } else {
      this.running++;
    }
    const started = this.now();
    try {
      return await task();
    } finally {
      // Moving average, so Retry-After follows the machine's real speed and load.
      this.avgTaskMs = 0.8 * this.avgTaskMs + 0.2 * (this.now() - started);
      // The slot passes straight to the next waiter; `running` only drops when nobody waits.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Time until a newcomer would start: every waiter ahead, `concurrency` at a time. */
  private estimatedWaitMs(): number {
    const rounds = Math.ceil((this.waiting.length + 1) / this.options.concurrency);
    return rounds * this.avgTaskMs;
  }
}
