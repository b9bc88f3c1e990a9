/** How pieces of work of one key combine (see CoalescingRunner). */
export interface Coalescing<W> {
  /**
   * What `earlier` leaves of `next`: `covered` when `earlier` does some of `next`'s work
   * (its caller then waits for it), `rest` the part still to do (null: none).
   */
  rest(earlier: W, next: W): { covered: boolean; rest: W | null };
  /** `more` joined into the queued `queued`, or null when that would make it too big. */
  join(queued: W, more: W): W | null;
}

interface Batch<W> {
  work: W;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Per key, one call of `run` at a time; work submitted meanwhile joins the batch queued behind
 * it, and work already in flight or queued is waited for instead of done again. Each submit
 * settles when every batch holding a part of its work has (with the first error among them).
 *
 * Why: a receipt costs a write section on the store's one lane (store/mongo/fair-lane.ts), and
 * under load a client whose ack timed out sends the same receipt again. Queued one section per
 * emit, the re-sends made the queue longer the longer it was (session 23, chaos-cluster seed 2:
 * receipts owed for more than 15 s). Here a reader has at most one section running and one
 * waiting per key, whatever its devices resend.
 */
export class CoalescingRunner<W> {
  /** Per key: the batch in flight first, then those waiting. A key is dropped when its last batch ends. */
  private readonly batches = new Map<string, Batch<W>[]>();

  constructor(
    private readonly coalescing: Coalescing<W>,
    private readonly run: (key: string, work: W) => Promise<void>,
  ) {}

  /** Keys with work running or waiting (for tests and metrics). */
  get activeKeys(): number {
    return this.batches.size;
  }

  submit(key: string, work: W): Promise<void> {
    const queue = this.batches.get(key) ?? [];
    const waits: Promise<void>[] = [];
    let rest: W | null = work;
    for (const batch of queue) {
      const left = this.coalescing.rest(batch.work, rest);
      if (left.covered) waits.push(batch.done);
      rest = left.rest;
      if (rest === null) break;
    }
    if (rest !== null) {
      const last = queue.length > 1 ? queue[queue.length - 1]! : undefined;
      const joined = last ? this.coalescing.join(last.work, rest) : null;
      if (last && joined !== null) {
        last.work = joined;
        waits.push(last.done);
      } else {
        waits.push(this.enqueue(key, queue, rest));
      }
    }
    if (waits.length <= 1) return waits[0] ?? Promise.resolve();
    return Promise.all(waits).then(() => undefined);
  }

  private enqueue(key: string, queue: Batch<W>[], work: W): Promise<void> {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    queue.push({ work, done, resolve, reject });
    if (queue.length === 1) {
      this.batches.set(key, queue);
      this.start(key, queue);
    }
    return done;
  }

  private start(key: string, queue: Batch<W>[]): void {
    const batch = queue[0]!;
    // Through a promise, so a `run` that throws before its first await still ends its batch.
    Promise.resolve()
      .then(() => this.run(key, batch.work))
      .then(batch.resolve, batch.reject)
      .finally(() => {
        queue.shift();
        if (queue.length > 0) this.start(key, queue);
        else this.batches.delete(key);
      });
  }
}
