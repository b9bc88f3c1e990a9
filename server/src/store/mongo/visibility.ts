/**
 * Change-log positions come from a counter (`$inc`), so a position is handed out
 * before the document carrying it is written. Two writers can therefore commit out
 * of order: A takes 100, B takes 101, B commits, a sync reads 101 and hands the
 * client a cursor past 100, and when A commits the client never sees it.
 *
 * This guard closes that gap for the writers of this process (the group committer's
 * batches, receipts): a sync read never returns a position at or above the lowest
 * position that a write of this process may still commit. A write's position is not
 * known until its `$inc` returns, but it is known to be above every position this
 * process has already seen (the counter only grows), so until then that bound
 * stands in for it. Writers on other nodes are out of its reach; see
 * docs/operations.md ("Several server nodes on one MongoDB").
 */
export class VisibilityGuard {
  /** Lower bounds of the positions of writes that may still commit. */
  private readonly inFlight = new Map<number, number>();
  private readonly finished = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  /** Reads in progress: each keeps the lowest bound of any write in flight during it. */
  private readonly readers = new Set<{ ceiling: number }>();
  private nextToken = 1;
  private highestSeen = 0;

  /** Call before asking the counter for positions; `end` the token once the write settled. */
  begin(): number {
    const token = this.nextToken++;
    const bound = this.highestSeen + 1;
    this.inFlight.set(token, bound);
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.finished.set(token, { promise, resolve });
    for (const r of this.readers) r.ceiling = Math.min(r.ceiling, bound);
    return token;
  }

  /** The counter answered: positions (end − count, end] belong to this write. */
  allocated(token: number, end: number, count: number): void {
    this.observe(end);
    // The exact start is ≥ the bound recorded at `begin`; readers keep the older, lower
    // bound, which only makes them more careful.
    if (this.inFlight.has(token)) this.inFlight.set(token, end - count + 1);
  }

  end(token: number): void {
    this.inFlight.delete(token);
    this.finished.get(token)?.resolve();
    this.finished.delete(token);
  }

  /** Resolves once every write in flight now has ended (later ones are not waited for). */
  async settled(): Promise<void> {
    await Promise.all([...this.finished.values()].map((f) => f.promise));
  }

  /** Any committed position proves the counter has reached it. */
  observe(position: number): void {
    if (position > this.highestSeen) this.highestSeen = position;
  }

  /**
   * Runs a read; returns its result and the ceiling: positions ≥ ceiling must not be
   * returned (Infinity when no write of this process overlapped the read).
   */
  async read<T>(fn: () => Promise<T>): Promise<{ result: T; ceiling: number }> {
    const reader = { ceiling: Math.min(Infinity, ...this.inFlight.values()) };
    this.readers.add(reader);
    try {
      const result = await fn();
      return { result, ceiling: reader.ceiling };
    } finally {
      this.readers.delete(reader);
    }
  }

  /** For tests and diagnostics. */
  get pendingWrites(): number {
    return this.inFlight.size;
  }
}
