/**
 * A wake-up signal: `wait(ms)` sleeps until the time is up or `notify()` is called,
 * whichever comes first. Lanes of the drainer sleep on it between retries, and a
 * reconnect notifies it so nobody keeps sleeping through a working connection.
 */
export class Signal {
  private waiters = new Set<() => void>();

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  notify(): void {
    for (const done of [...this.waiters]) done();
  }
}
