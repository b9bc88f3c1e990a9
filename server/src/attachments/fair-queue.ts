/**
 * At most `concurrency` tasks at once (image decoding: CPU and memory heavy), the waiting ones
 * taken in turn per owner (round robin), so one user's twenty large photos wait behind each
 * other while another user's single photo gets the next free slot. Bounded: past `maxWaiting`
 * waiting tasks a new one is refused at once (the caller answers 429).
 */
export class FairQueue {
  private running = 0;
  private waiting = 0;
  /** Per owner, in the order owners first queued; Map keeps insertion order, so turns rotate. */
  private readonly queues = new Map<string, (() => void)[]>();

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number = Infinity,
  ) {}

  /** Runs `task` when a slot is free; null when the queue is full (nothing run). */
  async run<T>(owner: string, task: () => Promise<T>): Promise<T | null> {
    if (this.running >= this.concurrency) {
      if (this.waiting >= this.maxWaiting) return null;
      this.waiting += 1;
      await new Promise<void>((resolve) => {
        const queue = this.queues.get(owner) ?? [];
        queue.push(resolve);
        this.queues.set(owner, queue);
      });
      this.waiting -= 1;
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Hands the slot to the first waiting task of the next owner (the slot stays taken), else frees it. */
  private release(): void {
    const next = this.queues.entries().next();
    if (next.done) {
      this.running -= 1;
      return;
    }
    const [owner, queue] = next.value;
    const resolve = queue.shift()!;
    // The owner goes to the back of the line (or leaves it when nothing of theirs waits).
    this.queues.delete(owner);
    if (queue.length > 0) this.queues.set(owner, queue);
    resolve();
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting };
  }
}
