/**
 * The life of a session and the engine's reactions to the network. Signing in (or
 * resuming) starts the background work; sign-out, an expired token and close() stop it.
 *
 *                adopt / resume                     network enabled
 *   ┌─────────┐ ──────────────▶ ┌─────────┐ ─────────────────────────▶ ┌────────────┐ connect ┌────────┐
 *   │ stopped │                 │ started │                            │ connecting │ ──────▶ │ online │
 *   └─────────┘ ◀────────────── └─────────┘ ◀──── network disabled ─── └────────────┘ ◀────── └────────┘
 *       sign-out, expiry (401 or refused handshake), close                             disconnect
 *
 * Started: the outbox is watched, leadership is contended for, and while the socket is
 * down a catch-up is polled. Every connect runs a catch-up (the cursor is the truth),
 * flushes owed receipts and wakes the drainer.
 */
import { PigeonError } from '../errors.ts';
import type { User } from '../model/user.ts';
import type { EngineState } from './api.ts';
import { followBrowserNetwork } from './browser-network.ts';
import type { ApplyResult } from './down/store-server-changes.ts';
import { META, watchTable } from './local/local-db.ts';
import { forgetSession, loadSession, storeSession, type Session } from './local/session.ts';
import type { ResolvedOptions } from './options.ts';
import { createParts, type Host, type Parts } from './parts.ts';
import { isNetworkError } from './transport/transport.ts';
import { electLeader, type Leadership } from './up/leader.ts';

export class SessionLifecycle {
  readonly parts: Parts;
  private state: EngineState = { connection: 'offline', outboxSize: 0, lastSyncAt: null, userId: null };
  private session: Session | null = null;
  /** Background work is running for the session (between start and stop). */
  private started = false;
  private closed = false;
  private networkEnabled = true;
  private socketDownSince = Date.now();
  private leadership: Leadership | null = null;
  private unwatchOutbox: (() => void) | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private unfollowNetwork: (() => void) | null = null;

  constructor(private readonly options: ResolvedOptions) {
    this.parts = createParts(options, this.host());
    if (options.followBrowserNetwork) {
      this.unfollowNetwork = followBrowserNetwork(window, (online) => {
        this.setNetworkEnabled(online);
        if (online) this.parts.drainer.wake();
      });
    }
  }

  get userId(): string | null {
    return this.session?.userId ?? null;
  }

  getState(): EngineState {
    return { ...this.state };
  }

  /** The signed-in user's id; throws UNAUTHENTICATED when signed out. */
  requireUser(): string {
    this.assertOpen();
    if (!this.session) throw new PigeonError('UNAUTHENTICATED', 'not signed in');
    return this.session.userId;
  }

  assertOpen(): void {
    if (this.closed) throw new PigeonError('UNAVAILABLE', 'engine closed');
  }

  // --- session ----------------------------------------------------------------------

  /** Stores the token and user (clearing another user's data first) and starts syncing. */
  async adopt(token: string, user: User): Promise<void> {
    this.assertOpen();
    await this.stop();
    this.session = await storeSession(this.parts.db, token, user);
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

  async signOut(options: { clearData?: boolean }): Promise<void> {
    await this.stop();
    this.session = null;
    await forgetSession(this.parts.db, options);
    this.setState({ userId: null });
    this.parts.events.emit('signed-out', { reason: 'user' });
  }

  /** Token rejected (401 or refused handshake): stop, forget the token, keep the data and outbox. */
  private async expire(): Promise<void> {
    if (!this.session) return;
    this.session = null;
    await this.stop();
    if (!this.closed) await forgetSession(this.parts.db).catch((e) => this.reportError('expire', e));
    this.setState({ userId: null });
    this.parts.events.emit('signed-out', { reason: 'expired' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.unfollowNetwork?.();
    this.unfollowNetwork = null;
    await this.stop();
    this.closed = true;
    this.parts.db.close();
  }

  // --- background work --------------------------------------------------------------

  private async start(): Promise<void> {
    if (this.started || !this.session || this.closed) return;
    const { db, drainer } = this.parts;
    this.started = true;
    const lastSyncAt = (await db.getMeta<string>(META.lastSyncAt)) ?? null;
    this.setState({ userId: this.session.userId, lastSyncAt });
    // Outbox changes from this tab or another one refresh outboxSize and wake the drainer.
    const countOutbox = () => void this.parts.outboxCount.request().catch((e) => this.reportError('outbox.count', e));
    countOutbox();
    this.unwatchOutbox = watchTable(db, 'outbox', countOutbox);
    this.leadership = electLeader({
      name: `pigeon-outbox:${this.options.dbName}`,
      locks: this.options.locks,
      db,
      onChange: (leader) => (leader ? drainer.kick() : drainer.wake()),
      onError: (where, e) => this.reportError(where, e),
      ...(this.options.leaseTtlMs ? { leaseTtlMs: this.options.leaseTtlMs } : {}),
      ...(this.options.leaseRenewMs ? { leaseRenewMs: this.options.leaseRenewMs } : {}),
    });
    this.pollTimer = setInterval(() => {
      if (!this.parts.transport.connected) this.parts.catchUp.schedule();
    }, this.options.pollIntervalMs);
    if (this.networkEnabled) this.openConnection();
  }

  private async stop(): Promise<void> {
    if (!this.started) return;
    const { transport, catchUp, drainer, receipts } = this.parts;
    this.started = false;
    transport.close();
    this.unwatchOutbox?.();
    this.unwatchOutbox = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    catchUp.stop();
    receipts.stop();
    const leadership = this.leadership;
    this.leadership = null;
    drainer.wake(); // sleeping lanes see canDrain() = false and exit
    await leadership?.stop();
    this.setState({ connection: 'offline' });
  }

  setNetworkEnabled(enabled: boolean): void {
    if (enabled === this.networkEnabled) return;
    this.networkEnabled = enabled;
    if (!this.started) return;
    if (enabled) {
      this.openConnection();
      this.parts.drainer.kick();
    } else {
      this.parts.transport.close();
      this.socketDownSince = Date.now();
      this.parts.drainer.wake();
      this.setState({ connection: 'offline' });
    }
  }

  private openConnection(): void {
    const { transport, catchUp, receipts, drainer, live, typing } = this.parts;
    this.socketDownSince = Date.now();
    this.setState({ connection: 'connecting' });
    transport.open({
      connect: () => {
        this.setState({ connection: 'online' });
        // Connection-state recovery is treated as absent: what happened meanwhile comes from the cursor.
        catchUp.resetBackoff();
        catchUp.schedule();
        receipts.flush();
        drainer.wake();
        drainer.kick();
      },
      disconnect: () => {
        this.socketDownSince = Date.now();
        if (this.started) this.setState({ connection: 'connecting' });
      },
      connectError: (unauthenticated) => {
        if (unauthenticated) void this.expire();
        else if (this.started) this.setState({ connection: 'offline' });
      },
      newMessage: (message) => live.newMessage(message),
      status: (event) => void live.status(event.messageIds, event.status),
      typing: (event, on) => typing.received(event, on),
      presence: (event, online) => void live.presence(event.userId, online, event.lastSeen ?? null),
    });
  }

  // --- reactions --------------------------------------------------------------------

  /** After any committed batch of server copies: events, receipts owed, gaps, unknown peers. */
  afterApply(result: ApplyResult): void {
    const { events, typing, receipts, catchUp } = this.parts;
    for (const message of result.changed) {
      events.emit('message', message);
      typing.messageFrom(message.senderId);
    }
    if (result.owesReceipts) receipts.flushDeliveredSoon();
    if (result.gaps.length > 0) catchUp.schedule();
    if (result.newConversations.length > 0 && !catchUp.running) this.requestPeers();
  }

  private requestPeers(): void {
    if (this.started) void this.parts.peers.request().catch((e) => this.reportError('peers', e));
  }

  private setState(patch: Partial<EngineState>): void {
    const next = { ...this.state, ...patch };
    if ((Object.keys(next) as (keyof EngineState)[]).every((k) => next[k] === this.state[k])) return;
    const wasOnline = this.state.connection === 'online';
    this.state = next;
    // Typing states need the connection: whatever was shown or sent ends with it.
    if (wasOnline && next.connection !== 'online') this.parts.typing.connectionLost();
    this.parts.events.emit('state', { ...next });
  }

  reportError(where: string, error: unknown): void {
    // After stop/close, failures of work that was in flight are expected; network errors are retried.
    if (!this.started || this.closed || isNetworkError(error)) return;
    const { events } = this.parts;
    if (events.count('error') > 0) events.emit('error', { where, error });
    else console.warn(`pigeon engine: ${where}`, error);
  }

  private host(): Host {
    return {
      me: () => this.session?.userId ?? null,
      token: () => this.session?.token ?? null,
      active: () => this.started && this.networkEnabled,
      canDrain: () => this.started && this.networkEnabled && (this.leadership?.isLeader ?? false),
      started: () => this.started,
      socketDownForMs: () => (this.parts.transport.connected ? 0 : Date.now() - this.socketDownSince),
      expire: () => void this.expire(),
      afterApply: (result) => this.afterApply(result),
      requestCatchUp: () => this.parts.catchUp.schedule(),
      catchUpDone: (at) => {
        this.setState({ lastSyncAt: at });
        this.requestPeers();
      },
      outboxSize: (n) => this.setState({ outboxSize: n }),
      reportError: (where, e) => this.reportError(where, e),
    };
  }
}
