/**
 * What the device fetches because no event replays it: mutes and profiles changed on other devices
 * while this one was away, owed at every connect and sync hint (background.ts) and fetched once the
 * catch-up that follows is done (`due`); the block list and the groups' read positions, fetched at
 * once at connect (and a sync hint, for the positions: `fetchNow`).
 *
 * A fetch that fails stays owed, and one lost to the network or a rate limit asks for another
 * catch-up after a backoff, while the socket is up: its `done` brings the fetch again. Left to
 * "the next connect", a profile refresh whose request a flaky link cut waited for a reconnect
 * that did not come, and the device kept a name its user had changed elsewhere (chaos seed 1,
 * `profile-converge`, session 24).
 */
import { PigeonError } from '../../errors.ts';
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';
import { SingleFlight } from '../util/single-flight.ts';

export interface OwedFetchDeps {
  fetch: () => Promise<void>;
  /** Asks for a catch-up (whose `done` calls `due` again). */
  retry: () => void;
  /** Whether a lost fetch is retried by itself (the socket is up); otherwise the next connect asks. */
  retryWhile: () => boolean;
  backoff: BackoffOptions;
  random?: () => number;
  /** A failure that is not the moment's network or rate limit: a bug worth an `error` event. */
  onError: (error: unknown) => void;
}

/** The network or a rate limit: the moment's state, retried. */
const isPassing = (e: unknown): boolean => e instanceof PigeonError && (e.code === 'UNAVAILABLE' || e.code === 'RATE_LIMITED');

export class OwedFetch {
  /** Fetched after the next completed catch-up. */
  owed = true;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly flight: SingleFlight;

  constructor(private readonly deps: OwedFetchDeps) {
    this.flight = new SingleFlight(() => deps.fetch());
  }

  /** A fetch is in flight. */
  get running(): boolean {
    return this.flight.running;
  }

  /** A catch-up completed: fetch now if owed. Resolves when that fetch ended (never rejects). */
  due(): Promise<void> {
    if (!this.owed) return Promise.resolve();
    this.owed = false;
    return this.flight.request().then(
      () => {
        this.failures = 0;
      },
      (e: unknown) => {
        this.owed = true;
        if (!isPassing(e)) return this.deps.onError(e);
        if (this.timer || !this.deps.retryWhile()) return;
        this.timer = setTimeout(() => {
          this.timer = null;
          this.deps.retry();
        }, backoffDelay(++this.failures, this.deps.backoff, this.deps.random));
      },
    );
  }

  /** Fetch now, whatever was owed (at connect; a change of ours the server refused: what it holds instead). */
  fetchNow(): Promise<void> {
    this.owed = true;
    return this.due();
  }

  /** A (re)connect: a fresh start for the backoff. */
  resetBackoff(): void {
    this.failures = 0;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
