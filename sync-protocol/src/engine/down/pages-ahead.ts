/**
 * The sync pages a catch-up fetches ahead of the one it is storing (down/catch-up.ts). A page can
 * only be asked for once the one before it has arrived (its cursor), so the chain runs by itself:
 * each arrival asks for the next, up to `depth` pages not taken yet. The catch-up takes them in
 * order, a few at a time, to store them in one transaction (PageSizes.perCommit).
 *
 * A fetch that fails stays in the chain and fails the run when it is taken; nothing is asked for
 * after it. Pages dropped (the run ends, the cursor moved under them) are never stored.
 */
import type { SyncResponse } from '../../rest/sync.ts';

interface Ahead {
  page: Promise<SyncResponse>;
  /** Set once it arrived (not on failure). */
  arrived: SyncResponse | null;
  /** A fetch after it was asked for. */
  followed: boolean;
}

export class PagesAhead {
  private chain: Ahead[] = [];
  private dropped = false;

  constructor(
    private readonly fetchPage: (since: string, limit: number) => Promise<SyncResponse>,
    private readonly limit: number,
    private readonly depth: number,
  ) {}

  /** Starts the chain after `cursor` (a page with more behind it was just taken and nothing is ahead). */
  follow(cursor: string): void {
    if (this.chain.length === 0 && !this.dropped) this.ask(cursor);
  }

  get empty(): boolean {
    return this.chain.length === 0;
  }

  /** The next page, awaited (it may fail); null when none is ahead. */
  take(): Promise<SyncResponse> | null {
    const head = this.chain.shift();
    if (!head) return null;
    this.refill();
    return head.page;
  }

  /** Forgets every page ahead: none of them will be stored, and no more are asked for. */
  drop(): void {
    this.dropped = true;
    this.chain = [];
  }

  private ask(cursor: string): void {
    const entry: Ahead = { page: this.fetchPage(cursor, this.limit), arrived: null, followed: false };
    this.chain.push(entry);
    // The failure is the taker's (it awaits `page`); the empty handler keeps a page dropped before
    // it is taken from being an unhandled rejection.
    void entry.page.then(
      (page) => {
        entry.arrived = page;
        this.refill();
      },
      () => {},
    );
  }

  /** Asks for the page after the last one, if it arrived with more behind it and there is room. */
  private refill(): void {
    const last = this.chain.at(-1);
    if (this.dropped || !last?.arrived || last.followed || !last.arrived.hasMore || this.chain.length >= this.depth) return;
    last.followed = true;
    this.ask(last.arrived.cursor);
  }
}
