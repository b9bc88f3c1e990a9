/**
 * Catch-up through `GET /api/sync`: the REST cursor is the truth; socket events
 * are only a fast path and may be missed (disconnects, no connection-state recovery).
 *
 * Each page and the cursor that follows it are committed in ONE transaction
 * (`commitPage`). A crash between pages leaves the cursor at the last
 * committed page, so the next run re-fetches (idempotently) rather than skips —
 * the reverse of RxDB #5571, where the checkpoint moved past documents that were
 * never stored. Socket events arriving during a run are stored by their own
 * transactions and never touch the cursor, so nothing is dropped either way.
 *
 * The people a page names (1:1 peers, senders, who a system message speaks of) are stored in
 * the page's transaction: the profiles the device lacks are asked for (`fetchUsers`) before it
 * opens. A new device that loses the network right after its catch-up, or restarts offline,
 * still shows every name (issue #19). A page whose lookup fails on the network fails the run
 * (retried, as a failed page is); any other refusal stores the page without them, and the
 * lookups after it (background.ts requestPeers, requestUsers) ask again.
 *
 * The next pages are fetched while the current ones are stored (the network and the database work
 * side by side: down/pages-ahead.ts), and stored after them, by the next transaction, with the
 * cursor of the last: up to `PageSizes.perCommit` pages a transaction (what a transaction costs beyond
 * its messages, a read and a write of each chat and a block per chat, is then paid once for both; the
 * contract caps a page at 1,000), in order. A message in
 * two of them is merged in page order, so it ends in its latest state. A page fetched ahead is
 * dropped when the run ends or the cursor moved under it (another tab); a failed one fails the run
 * once the pages before it are stored.
 *
 * Runs are serialized: a request during a run is coalesced into one more run after
 * it (the caller's promise resolves after that run), because what triggered the
 * request (a reconnect, a gap) may have happened after the running one fetched its page.
 */
import type { User } from '../../model/user.ts';
import type { CatchUpProgress } from '../api.ts';
import type { SyncResponse } from '../../rest/sync.ts';
import { fetchMissingUsers, storeNewUsers, usersReferredBy } from '../local/users.ts';
import { META, type LocalDb } from '../local/local-db.ts';
import { applyServerCopies, storingTables, type ApplyResult } from './store-server-changes.ts';
import { SingleFlight } from '../util/single-flight.ts';
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';
import { isNetworkError } from '../transport/transport.ts';
import type { PageSizes } from '../options.ts';
import { PagesAhead } from './pages-ahead.ts';

export interface CatchUpDeps {
  db: LocalDb;
  fetchPage: (since: string, limit: number) => Promise<SyncResponse>;
  /** `GET /api/users?ids=`: the profiles of the people a page names that the device has none of. */
  fetchUsers?: (ids: readonly string[]) => Promise<{ users: User[] }>;
  me: () => string | null;
  active: () => boolean;
  /** The first page's size, and the size of the pages after a full one (options.ts CATCH_UP_PAGES). */
  pages: Readonly<PageSizes>;
  /**
   * Before the first page of a catch-up from the very start (cursor empty: a first sign-in, or the
   * device's data cleared by another account's sign-in): what its pages need to be stored right,
   * the groups' positions (down/read-positions.ts), so the messages come back no lower than the
   * account had received and read them. A failure fails the run, which is retried: fetched beside
   * the run instead, a list lost to a flaky connection let it show read messages unread (G1).
   */
  beforeFirstPage?: (me: string) => Promise<void>;
  /** After each committed page: events, receipts. */
  afterPage: (result: ApplyResult) => void;
  /** After a run reached hasMore = false. */
  done: (at: string) => void;
  /** The run's progress after each committed page; null when no run is going on (ended, failed or stopped). */
  progress?: (p: CatchUpProgress | null) => void;
  /** After every run, whatever its outcome (after `progress(null)`). */
  ended?: () => void;
  /** Whether a failed run should be retried by itself (the socket is up); otherwise the next connect retries. */
  retryWhile: () => boolean;
  backoff: BackoffOptions;
  random?: () => number;
  onError: (where: string, error: unknown) => void;
}

export class CatchUp {
  private readonly flight: SingleFlight;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: CatchUpDeps) {
    this.flight = new SingleFlight(() => this.runOnce(), deps.active);
  }

  get running(): boolean {
    return this.flight.running;
  }

  /** Runs a catch-up now, or one more after the current run; rejects if it fails. */
  request(): Promise<void> {
    return this.flight.request().then(() => {
      this.failures = 0;
    });
  }

  /** Fire-and-forget request: a failure is retried with backoff while `retryWhile()` holds. */
  schedule(): void {
    if (!this.deps.active()) return;
    this.request().catch((e: unknown) => {
      if (!this.deps.active()) return;
      if (!isNetworkError(e)) this.deps.onError('catch-up', e);
      if (this.retryTimer || !this.deps.retryWhile()) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.schedule();
      }, backoffDelay(++this.failures, this.deps.backoff, this.deps.random));
    });
  }

  /** A (re)connect: a fresh start for the backoff. */
  resetBackoff(): void {
    this.failures = 0;
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async runOnce(): Promise<void> {
    try {
      await this.pages();
    } finally {
      this.deps.progress?.(null);
      this.deps.ended?.();
    }
  }

  private async pages(): Promise<void> {
    const { db, fetchPage, me, active, pages, afterPage, done, progress } = this.deps;
    const stored: CatchUpProgress = { pages: 0, messages: 0, hasMore: true };
    let since = (await db.getMeta<string>(META.syncCursor)) ?? '';
    let prepared = false;
    // The people this run found stored or fetched: a page's lookup reads only the others (users.ts).
    const knownPeople = new Set<string>();
    // The pages after `since`, asked for while the ones before them were being stored (see the
    // header), with the token of `owner`: another account's page is never stored, even if signed in meanwhile.
    let ahead: { pages: PagesAhead; owner: string } | null = null;
    const dropAhead = () => {
      ahead?.pages.drop();
      ahead = null;
    };
    try {
      for (;;) {
        const userId = me();
        if (!userId || !active()) return;
        if (ahead && ahead.owner !== userId) return;
        if (since === '' && !prepared) {
          await this.deps.beforeFirstPage?.(userId);
          prepared = true;
        }
        const page: SyncResponse = await (ahead?.pages.take() ?? fetchPage(since, pages.first));
        // The pages fetched ahead behind it are stored with it, in one transaction (PageSizes.perCommit);
        // one that fails fails the run after those before it are stored.
        const batch = [page];
        let failure: { error: unknown } | null = null;
        while (ahead && batch.length < pages.perCommit && batch.at(-1)!.hasMore && !ahead.pages.empty) {
          try {
            batch.push(await ahead.pages.take()!);
          } catch (error) {
            failure = { error };
            break;
          }
        }
        const last = batch.at(-1)!;
        // The server had more: the rest comes in the larger pages, fetched while these are stored
        // (a chain already running goes on by itself: follow() starts one only where none is).
        if (!failure && last.hasMore) {
          ahead ??= { pages: new PagesAhead(fetchPage, pages.next, pages.perCommit), owner: userId };
          ahead.pages.follow(last.cursor);
        }
        const messages = batch.flatMap((p) => p.messages);
        const people = await this.peopleOf(messages, userId, knownPeople);
        const at = new Date().toISOString();
        const { result, advanced } = await commitPage(db, { messages, cursor: last.cursor }, since, userId, at, people);
        // Signed out (or another account signed in) in another tab meanwhile: this run is over.
        if (result.stale) return;
        afterPage(result);
        stored.pages += batch.length;
        stored.messages += result.inserted;
        progress?.({ ...stored, hasMore: last.hasMore || !advanced });
        if (failure) throw failure.error;
        if (!advanced) {
          // Another tab moved the cursor meanwhile (its pages are committed): continue from there.
          dropAhead();
          since = (await db.getMeta<string>(META.syncCursor)) ?? '';
          continue;
        }
        since = last.cursor;
        if (!last.hasMore) {
          done(at);
          return;
        }
      }
    } finally {
      dropAhead();
    }
  }

  /** The profiles the page names and the device lacks (see the header). */
  private async peopleOf(messages: SyncResponse['messages'], me: string, known: Set<string>): Promise<User[]> {
    const { fetchUsers, db } = this.deps;
    const ids = usersReferredBy(messages, me);
    if (!fetchUsers || ids.length === 0) return [];
    try {
      return await fetchMissingUsers(db, ids, fetchUsers, known);
    } catch (e) {
      if (isNetworkError(e)) throw e;
      this.deps.onError('catch-up.users', e);
      return [];
    }
  }
}

/**
 * Stores a page and moves the cursor past it in ONE transaction. The cursor is
 * written only if it still equals `since` (compare-and-set): another tab may have
 * moved it meanwhile, and it must never move back. The page's rows are merged
 * either way; merges are idempotent.
 */
export async function commitPage(db: LocalDb, page: Pick<SyncResponse, 'messages' | 'cursor'>, since: string, me: string, at: string, people: readonly User[]): Promise<{ result: ApplyResult; advanced: boolean }> {
  return db.transaction('rw', [...storingTables(db), db.users], async () => {
    const result = await applyServerCopies(db, page.messages, me);
    if (!result.stale) await storeNewUsers(db, people);
    if (result.stale || ((await db.getMeta<string>(META.syncCursor)) ?? '') !== since) return { result, advanced: false };
    await db.setMeta(META.syncCursor, page.cursor);
    await db.setMeta(META.lastSyncAt, at);
    return { result, advanced: true };
  });
}
