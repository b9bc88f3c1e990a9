/**
 * The life of a session: sign-in (or resume) starts the background work (background.ts);
 * sign-out here or in another tab, a refresh the server refuses, and close() stop it.
 *
 *   signed out ── adopt / resume ──▶ signed in ──┬── signOut ─────────────────────▶ signed out ('user')
 *                                     │    ▲      ├── another tab signed out ───────▶ signed out (its reason)
 *           token due, 401, refused   │    │      └── refresh answered 401 ──────────▶ signed out ('expired' | 'revoked')
 *           handshake, server cut ───▶ refresh ── new pair (here or another tab's)
 *
 * A refused token or a socket the server cut on purpose first costs one refresh
 * (auth/refresher.ts); a refresh that fails on the network keeps the session and is retried.
 * The outbox is never touched by any of this: it is kept across expiry, revocation and
 * sign-out (unless the user clears the data), and sent at the account's next sign-in.
 */
import { PigeonError } from '../errors.ts';
import type { EngineState } from './api.ts';
import { Refresher } from './auth/refresher.ts';
import { logoutOnServer } from './auth/server-logout.ts';
import { watchSession, type StoredSessionChange } from './auth/session-watch.ts';
import { Background } from './background.ts';
import { followBrowserNetwork } from './browser-network.ts';
import type { ApplyResult } from './down/store-server-changes.ts';
import { Drafts } from './local/drafts.ts';
import { META } from './local/local-db.ts';
import { forgetSession, loadSession, storeRefreshed, storeSession, type Session, type SignOutReason } from './local/session.ts';
import type { ResolvedOptions } from './options.ts';
import { createParts, type Host, type Parts } from './parts.ts';
import { networkError, type SignInResponse } from './transport/transport.ts';

export class SessionLifecycle {
  readonly parts: Parts;
  /** The session's drafts, read into memory as it starts (local/drafts.ts). */
  readonly drafts: Drafts;
  private readonly background: Background;
  private readonly refresher: Refresher;
  private session: Session | null = null;
  private unwatchSession: (() => void) | null = null;
  private unfollowNetwork: (() => void) | null = null;

  constructor(private readonly options: ResolvedOptions) {
    this.parts = createParts(options, this.host());
    this.drafts = new Drafts(this.parts.db, () => this.requireUser());
    this.background = new Background(options, this.parts, {
      // Cut by the server on purpose: maybe a restart, maybe this session was revoked; a refresh tells which.
      serverDisconnect: () => void this.refresher.refresh('revoked'),
      handshakeRefused: () => void this.refresher.refresh('expired'),
      networkBack: () => this.refresher.wake(),
    });
    this.refresher = new Refresher({
      current: () => this.session,
      load: () => loadSession(this.parts.db),
      save: (next, presented) => storeRefreshed(this.parts.db, next, presented),
      adopt: (session) => this.useToken(session),
      refresh: (refreshToken) => this.parts.transport.refresh(refreshToken),
      end: (reason) => void this.end(reason),
      online: () => this.background.online,
      onError: (where, e) => this.reportError(where, e),
      backoff: options.backoff,
      ...(options.random ? { random: options.random } : {}),
    });
    if (options.followBrowserNetwork) {
      this.unfollowNetwork = followBrowserNetwork(window, (online) => {
        this.setNetworkEnabled(online);
        if (online) this.parts.drainer.wake();
      });
    }
  }

  getState(): EngineState {
    return this.background.getState();
  }

  /** The signed-in user's id; throws UNAUTHENTICATED when signed out. */
  requireUser(): string {
    this.assertOpen();
    if (!this.session) throw new PigeonError('UNAUTHENTICATED', 'not signed in');
    return this.session.userId;
  }

  /**
   * For calls that need the server now (management: sessions, blocks): the signed-in user's id;
   * UNAUTHENTICATED when signed out, UNAVAILABLE with `details.network` while the network is off.
   */
  requireOnline(): string {
    const me = this.requireUser();
    if (!this.background.online) throw networkError('offline');
    return me;
  }

  /** The network is allowed (setNetworkEnabled); says nothing of whether the server answers. */
  get online(): boolean {
    return this.background.online;
  }

  assertOpen(): void {
    if (this.background.closed) throw new PigeonError('UNAVAILABLE', 'engine closed');
  }

  setNetworkEnabled(enabled: boolean): void {
    this.background.setNetworkEnabled(enabled);
  }

  afterApply(result: ApplyResult): void {
    this.background.afterApply(result);
  }

  reportError(where: string, error: unknown): void {
    this.background.reportError(where, error);
  }

  // --- signing in -------------------------------------------------------------------

  /** Stores the new session (parking another account's unsent messages first) and starts syncing. */
  async adopt(auth: SignInResponse): Promise<void> {
    this.assertOpen();
    await this.stop();
    const session: Session = { userId: auth.user.id, token: auth.token, refreshToken: auth.refreshToken ?? null, receivedAt: Date.now() };
    this.session = await storeSession(this.parts.db, session, auth.user);
    await this.start();
  }

  /** Starts with the stored session, if there is one; returns its user id. */
  async resume(): Promise<string | null> {
    this.assertOpen();
    const stored = await loadSession(this.parts.db);
    if (!stored) return null;
    if (this.session?.userId !== stored.userId) {
      await this.stop();
      this.session = stored;
      await this.start();
    }
    return stored.userId;
  }

  // --- signing out ------------------------------------------------------------------

  /**
   * Signs out here first — every tab stops within moments (auth/session-watch.ts) — then tells
   * the server, best-effort and briefly. Local first: logging out first would make the server
   * cut the other tabs' sockets, and they would report a revocation instead of this sign-out.
   */
  async signOut(options: { clearData?: boolean }): Promise<void> {
    const session = this.session;
    await this.end('user', { clearData: options.clearData ?? false, rethrow: true });
    if (session && this.background.online && !this.background.closed) {
      await logoutOnServer(this.parts.transport, session, this.options.logoutTimeoutMs);
    }
  }

  /**
   * Ends the session on this device: stop, forget the tokens (and the data with clearData),
   * leave a marker saying why for the other tabs, tell the app. The outbox stays unless cleared.
   */
  private async end(reason: SignOutReason, { clearData = false, rethrow = false } = {}): Promise<void> {
    const session = this.session;
    if (!session && reason !== 'user') return;
    this.session = null;
    await this.stop();
    const userId = session?.userId ?? (await this.parts.db.getMeta<string>(META.owner));
    if (userId && !this.background.closed) {
      const forgotten = forgetSession(this.parts.db, { userId, reason, clearData });
      await (rethrow ? forgotten : forgotten.catch((e) => console.warn('pigeon engine: sign-out', e)));
    }
    this.signedOut(reason);
  }

  /** Another tab ended the session (or signed in another account): stop here too; it wrote the database. */
  private async leave(reason: SignOutReason): Promise<void> {
    if (!this.session) return;
    this.session = null;
    await this.stop();
    this.signedOut(reason);
  }

  private signedOut(reason: SignOutReason): void {
    this.background.setState({ userId: null });
    this.parts.events.emit('signed-out', { reason });
  }

  async close(): Promise<void> {
    if (this.background.closed) return;
    this.unfollowNetwork?.();
    this.unfollowNetwork = null;
    await this.stop();
    this.background.closed = true;
    this.parts.db.close();
  }

  // --- tokens and other tabs --------------------------------------------------------

  /** The stored session changed (any tab): follow another tab's sign-out, account or refreshed pair. */
  private followStored({ stored, marker }: StoredSessionChange): void {
    const mine = this.session;
    if (!mine || !this.background.started) return;
    if (!stored || stored.userId !== mine.userId) {
      void this.leave(marker?.userId === mine.userId ? marker.reason : 'user');
    } else if (stored.token !== mine.token && stored.receivedAt > mine.receivedAt) {
      this.useToken(stored);
    }
  }

  /** A newer access token is in use (refreshed here or in another tab). */
  private useToken(session: Session): void {
    if (this.session?.userId !== session.userId) return;
    this.session = session;
    this.refresher.schedule();
    this.background.retryWithNewToken();
  }

  private async start(): Promise<void> {
    if (!this.session || this.background.started || this.background.closed) return;
    // Before the app hears of the session (the state's userId, resume() resolving): a chat opened
    // at once shows its draft (local/drafts.ts). A failed read costs the drafts, not the session.
    const userId = this.session.userId;
    await this.drafts.load(userId).catch((e: unknown) => console.warn('pigeon engine: drafts', e));
    if (this.session?.userId !== userId || this.background.started) return;
    await this.background.start(this.session.userId);
    // Other tabs' sign-outs and refreshes arrive as writes to meta.
    this.unwatchSession = watchSession(this.parts.db, (change) => this.followStored(change), (e) => this.reportError('session.watch', e));
    this.refresher.schedule();
  }

  private async stop(): Promise<void> {
    this.drafts.forget();
    this.refresher.stop();
    this.unwatchSession?.();
    this.unwatchSession = null;
    await this.background.stop();
  }

  private host(): Host {
    const bg = () => this.background;
    return {
      me: () => this.session?.userId ?? null,
      token: () => this.session?.token ?? null,
      recover: async (used, user) => {
        // Another account's session is no cure for `user`'s refused token (token-recovery.ts, C6).
        if (this.session?.userId !== user || !bg().started) return false;
        return this.session.token !== used || this.refresher.refresh('expired');
      },
      active: () => bg().started && bg().online,
      canDrain: () => bg().started && bg().online && bg().isLeader,
      started: () => bg().started,
      socketDownForMs: () => bg().socketDownForMs(),
      afterApply: (result) => bg().afterApply(result),
      requestCatchUp: () => this.parts.catchUp.schedule(),
      catchUpDone: (at) => {
        bg().setState({ lastSyncAt: at });
        bg().requestPeers();
      },
      outboxSize: (n, actions) => bg().setState({ outboxSize: n, outboxActions: actions }),
      receiptsOwed: (n) => bg().setState({ receiptsOwed: n }),
      catchUpProgress: (p) => bg().setState({ catchUp: p }),
      reportError: (where, e) => bg().reportError(where, e),
    };
  }
}
