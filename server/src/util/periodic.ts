/**
 * A background task on a timer, the one way the server runs them (the session purge, the
 * attachment sweep): the first run `firstDelayMs` after start, then one `intervalMs` after the
 * previous one *finished* (a slow run never overlaps the next); `runOnce()` while one runs shares
 * it; `close()` stops the timer and waits for a run in progress, so the store can be closed after.
 * The task itself must not reject (it logs and answers what it managed): a timer has nobody to
 * report to.
 */

/** The part of Node's timers a periodic task uses; tests pass fakes. */
export interface PeriodicTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: a pending run never keeps the process alive. */
export const nodeTimers: PeriodicTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Periodic<T> {
  /** One run now (shared with one in progress); `idle` once closed. */
  runOnce(): Promise<T>;
  /** Idempotent. */
  close(): Promise<void>;
}

export function startPeriodic<T>(o: { run: () => Promise<T>; idle: T; firstDelayMs: number; intervalMs: number; timers?: PeriodicTimers }): Periodic<T> {
  const timers = o.timers ?? nodeTimers;
  let timer: unknown = null;
  let running: Promise<T> | null = null;
  let closed = false;

  function runOnce(): Promise<T> {
    if (closed) return Promise.resolve(o.idle); // the store may be closed already
    running ??= o.run().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(ms: number): void {
    timer = timers.setTimeout(() => {
      timer = null;
      void runOnce().then(() => {
        if (!closed) schedule(o.intervalMs);
      });
    }, ms);
  }

  schedule(o.firstDelayMs);
  return {
    runOnce,
    async close() {
      closed = true;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
