/**
 * The socket handlers still running on this node (bind-handler.ts tracks each run). A close waits
 * for them before the store closes: disconnecting the sockets stops new events, not a handler
 * already awaiting the store, which then failed with "client was closed" and an INTERNAL ack
 * (a receipt, at the end of the bench's MongoDB catch-up: issue #20, session 34).
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  track(run: Promise<unknown>): void {
    this.running.add(run);
    const done = () => void this.running.delete(run);
    run.then(done, done);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves once no tracked run is left (runs started meanwhile included), or after `ms`, whichever comes first. */
  async settled(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, left)));
      await Promise.race([Promise.allSettled([...this.running]), timeout]);
      clearTimeout(timer);
    }
  }
}
