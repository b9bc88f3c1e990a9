/**
 * Keeps the session's access token fresh: ahead of its expiry (token-expiry.ts) and whenever
 * the server refuses it. One refresh at a time per engine (single-flight); every tab of the
 * database shares the stored session, so a refresh first re-reads it — another tab may have
 * refreshed already — and stores the new pair for the others.
 *
 *   due (timer) or refused (401, handshake) ──▶ re-read stored session
 *       another tab's newer token ─────────────────────────────────────▶ adopt it      ✓
 *       POST /api/auth/refresh ── 200 ─▶ store the pair (compare-and-set) ─▶ adopt   ✓
 *                              ── 401 ─▶ (unless another tab rotated meanwhile) sign out
 *                              ── network, 5xx, … ─▶ keep the session, retry with backoff
 *
 * Only a refresh answered 401 ends the session. Nothing here touches the outbox: a session
 * that cannot refresh right now (offline) keeps it, and a signed-out one keeps it too.
 */
import { PigeonError } from '../../errors.ts';
import type { RefreshResponse } from '../../rest/auth.ts';
import type { Session } from '../local/session.ts';
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';
import { refreshDelayMs, tokenTimes } from './token-expiry.ts';

/** setTimeout's limit is 2^31−1 ms; a longer wait is re-armed when it ends. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why the session could not go on, as the 'signed-out' event says it. */
export type EndReason = 'expired' | 'revoked';

export interface RefresherDeps {
  /** The session this engine runs with. */
  current(): Session | null;
  /** The stored one (another tab may have written a newer pair). */
  load(): Promise<Session | null>;
  /** Stores a refreshed pair (compare-and-set on `presented`); returns what is stored, null when signed out meanwhile. */
  save(next: Session, presented: string): Promise<Session | null>;
  /** Takes a newer session (ours or another tab's) into use. */
  adopt(session: Session): void;
  refresh(refreshToken: string): Promise<RefreshResponse>;
  /** The server ended the session (its refresh was answered 401). */
  end(reason: EndReason): void;
  /** Network allowed: a refresh due while offline waits for `wake()`. */
  online(): boolean;
  onError(where: string, error: unknown): void;
  backoff: BackoffOptions;
  random?: () => number;
}

const refused = (e: unknown) => e instanceof PigeonError && e.code === 'UNAUTHENTICATED';

export class Refresher {
  private flight: Promise<boolean> | null = null;
  /** 'revoked' once any caller of the running flight had a revocation in view (the socket was cut by the server). */
  private reason: EndReason = 'expired';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  /** A refresh is due but the network was off. */
  private due = false;
  /** Bumped by stop(): a flight that outlives its session changes nothing. */
  private generation = 0;

  constructor(private readonly deps: RefresherDeps) {}

  /** Arms the timer for the current token (called after every adopt). */
  schedule(): void {
    this.clearTimer();
    const session = this.deps.current();
    if (!session?.refreshToken) return;
    const times = tokenTimes(session.token);
    if (!times) return;
    const delay = refreshDelayMs(times, session.receivedAt, Date.now());
    this.arm(Math.min(delay, MAX_TIMER_MS), () => (delay > MAX_TIMER_MS ? this.schedule() : this.whenDue()));
  }

  /** The network is back: a refresh that was due or failed runs now. */
  wake(): void {
    if (this.due || this.failures > 0) this.whenDue();
  }

  /**
   * Refreshes now (joining a running refresh). Resolves true when a newer token is in use,
   * false when none could be had: signed out (401), or not now (offline: retried later).
   */
  refresh(reason: EndReason = 'expired'): Promise<boolean> {
    if (reason === 'revoked') this.reason = 'revoked';
    if (this.flight) return this.flight;
    const generation = this.generation;
    const flight = this.run(generation).finally(() => {
      if (this.flight !== flight) return; // a stopped session's: the running one's state is not its own
      this.flight = null;
      this.reason = 'expired';
    });
    this.flight = flight;
    return flight;
  }

  stop(): void {
    this.generation++;
    // A flight of the stopped session (its request stalled on the network, say) answers nobody of
    // the next: joined, it kept the next session's refreshes, its timer's and its refused calls',
    // waiting on it and then failing, and the token expired (chaos seed 4: an account switched
    // away and back while a refresh hung; a download refused at the end). It ends unheard.
    this.flight = null;
    this.clearTimer();
    this.failures = 0;
    this.due = false;
  }

  private whenDue(): void {
    if (!this.deps.online()) {
      this.due = true;
      return;
    }
    this.due = false;
    void this.refresh().catch((e) => this.deps.onError('auth.refresh', e));
  }

  private async run(generation: number): Promise<boolean> {
    const { deps } = this;
    const live = () => generation === this.generation;
    const mine = deps.current();
    if (!mine) return false;
    const stored = await deps.load();
    // Signed out (or another account signed in) in another tab: session-watch.ts stops this engine.
    if (!live() || !stored || stored.userId !== mine.userId) return false;
    if (stored.token !== mine.token) return this.take(stored, generation);
    if (!stored.refreshToken) return this.end(generation);
    try {
      const pair = await deps.refresh(stored.refreshToken);
      if (!live()) return false;
      const saved = await deps.save({ ...stored, token: pair.token, refreshToken: pair.refreshToken, receivedAt: Date.now() }, stored.refreshToken);
      return saved ? this.take(saved, generation) : false;
    } catch (e) {
      if (!live()) return false;
      if (refused(e)) {
        // Another tab may have rotated the token while ours was on the way (outside the server's
        // grace window our copy is refused): its pair is the session now.
        const again = await deps.load();
        if (again && again.userId === mine.userId && again.refreshToken !== stored.refreshToken) return this.take(again, generation);
        return this.end(generation);
      }
      this.retryLater();
      if (!(e instanceof PigeonError)) deps.onError('auth.refresh', e);
      return false;
    }
  }

  private take(session: Session, generation: number): boolean {
    if (generation !== this.generation) return false;
    this.failures = 0;
    this.deps.adopt(session);
    return true;
  }

  private end(generation: number): boolean {
    if (generation === this.generation) this.deps.end(this.reason);
    return false;
  }

  /** Offline, or the server is in trouble: the session stays; try again after a backoff delay. */
  private retryLater(): void {
    this.arm(backoffDelay(++this.failures, this.deps.backoff, this.deps.random), () => this.whenDue());
  }

  private arm(ms: number, fire: () => void): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      fire();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
