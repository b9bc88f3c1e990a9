/**
 * Serializes runs of an async job and coalesces requests: a request while a run is
 * in progress schedules exactly one more run after it, and its promise settles after
 * that run. Used for catch-up and receipt flushing, where running twice at once would
 * only duplicate work, but a trigger must never be lost.
 */
export class SingleFlight {
  private current: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly active: () => boolean = () => true,
  ) {}

  get running(): boolean {
    return this.current !== null;
  }

  request(): Promise<void> {
    if (this.current) {
      this.again = true;
      return this.current;
    }
    const run = this.loop().finally(() => {
      if (this.current === run) this.current = null;
    });
    this.current = run;
    return run;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.job();
    } while (this.again && this.active());
  }
}
