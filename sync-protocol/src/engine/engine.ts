/**
 * Wires the pieces into the SyncEngine of api.ts. This file holds the session
 * lifecycle and the reactions to transport events; every decision lives in the
 * modules it calls (see docs/sync-protocol.md for the whole picture):
 *
 *   send ─▶ up/outbox.ts (1 tx) ─▶ up/drainer.ts ─▶ socket / REST ─▶ down/store-server-changes.ts (1 tx)
 *   socket events ─▶ down/live-events.ts ─▶ up/receipts.ts     reconnect / gap ─▶ down/catch-up.ts
 */
import { PigeonError } from '../errors.ts';
import type { User } from '../model/user.ts';
import type { EngineEvents, EngineState, LocalMessage, SyncEngine, SyncEngineOptions } from './api.ts';
import { CatchUp } from './down/catch-up.ts';
import { Drainer } from './up/drainer.ts';
import { Emitter } from './util/emitter.ts';
import { electLeader, type Leadership } from './up/leader.ts';
import { loadOlder } from './down/history.ts';
import { LocalDb, META, watchTable } from './local/local-db.ts';
import { resolveOptions, type ResolvedOptions } from './options.ts';
import { commitSend, requeue } from './up/outbox.ts';
import { createQueries } from './local/queries.ts';
import { Receipts, markReadLocally } from './up/receipts.ts';
import { LiveEvents } from './down/live-events.ts';
import { applyServerCopies, type ApplyResult } from './down/store-server-changes.ts';
import { forgetSession, loadSession, storeSession, type Session } from './local/session.ts';
import { SingleFlight } from './util/single-flight.ts';
import { RestClient, isNetworkError } from './transport/rest.ts';
import { SocketTransport } from './transport/socket.ts';
import { Typing } from './typing.ts';
import { ensureConversation, fetchMissingPeers } from './local/users.ts';
import { LIMITS } from '../limits.ts';

export class Engine implements SyncEngine {
  readonly queries;
  private readonly db: LocalDb;
  private readonly rest: RestClient;
  private readonly socket: SocketTransport;
  private readonly events = new Emitter<EngineEvents>();
  private readonly drainer: Drainer;
  private readonly catchUp: CatchUp;
  private readonly receipts: Receipts;
  private readonly typing: Typing;
  private readonly live: LiveEvents;
  private readonly peers: SingleFlight;
  private readonly options: ResolvedOptions;

  private state: EngineState = { connection: 'offline', outboxSize: 0, lastSyncAt: null, userId: null };
  private session: Session | null = null;
  /** Network activity is running for the session (between start and stop). */
  private started = false;
  private closed = false;
  private networkEnabled = true;
  private socketDownSince = Date.now();
  private leadership: Leadership | null = null;
  private unwatchOutbox: (() => void) | null = null;
  private readonly outboxCount: SingleFlight;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private removeOnlineListener: (() => void) | null = null;

  constructor(options: SyncEngineOptions) {
    const o = (this.options = resolveOptions(options));
    this.db = new LocalDb(o.dbName, { ...(o.indexedDB ? { indexedDB: o.indexedDB } : {}), ...(o.IDBKeyRange ? { IDBKeyRange: o.IDBKeyRange } : {}) });
    this.queries = createQueries(this.db);
    this.rest = new RestClient({
      baseUrl: o.serverUrl,
      fetch: o.fetch,
      getToken: () => this.session?.token ?? null,
      onUnauthenticated: () => void this.expire(),
    });
    this.socket = new SocketTransport({
      url: o.serverUrl,
      reconnectionDelayMs: o.reconnectionDelayMs,
      reconnectionDelayMaxMs: o.reconnectionDelayMaxMs,
      connectTimeoutMs: o.connectTimeoutMs,
      ...(o.transports ? { transports: o.transports } : {}),
    });
    const me = () => this.session?.userId ?? null;
    this.drainer = new Drainer({
      db: this.db,
      me,
      canDrain: () => this.started && this.networkEnabled && (this.leadership?.isLeader ?? false),
      socketConnected: () => this.socket.connected,
      socketDownForMs: () => (this.socket.connected ? 0 : Date.now() - this.socketDownSince),
      sendViaSocket: (input) => this.socket.sendMessage(input, this.options.ackTimeoutMs),
      sendViaRest: async (input) => (await this.rest.sendMessage(input)).message,
      commit: async (_entry, message) => {
        const userId = me();
        if (!userId) return;
        this.afterApply(await applyServerCopies(this.db, [message], userId, { detectGaps: true }));
      },
      unauthenticated: () => void this.expire(),
      onError: (where, e) => this.reportError(where, e),
      backoff: o.backoff,
      route: o.route,
      ...(o.random ? { random: o.random } : {}),
    });
    this.catchUp = new CatchUp({
      db: this.db,
      fetchPage: (since, limit) => this.rest.sync(since, limit),
      me,
      active: () => this.started && this.networkEnabled,
      pageSize: o.syncPageSize,
      afterPage: (result) => this.afterApply(result),
      done: (at) => {
        this.setState({ lastSyncAt: at });
        this.requestPeers();
      },
      retryWhile: () => this.socket.connected,
      backoff: o.backoff,
      ...(o.random ? { random: o.random } : {}),
      onError: (where, e) => this.reportError(where, e),
    });
    this.receipts = new Receipts({
      db: this.db,
      me,
      canEmit: () => this.started && this.socket.connected,
      emitReceived: (ids) => this.socket.messageReceived(ids, this.options.ackTimeoutMs),
      emitRead: (conversationId, upToSeq) => this.socket.messageRead(conversationId, upToSeq, this.options.ackTimeoutMs),
      onError: (where, e) => this.reportError(where, e),
    });
    this.typing = new Typing({
      emit: (to, typing) => this.socket.typing(to, typing),
      surface: (event) => this.events.emit('typing', event),
      ...(o.typingRenewMs ? { renewMs: o.typingRenewMs } : {}),
    });
    this.live = new LiveEvents({
      db: this.db,
      me,
      afterApply: (result) => this.afterApply(result),
      requestCatchUp: () => this.requestCatchUp(),
      presence: (event) => this.events.emit('presence', event),
      onError: (where, e) => this.reportError(where, e),
    });
    this.peers = new SingleFlight(() => fetchMissingPeers(this.db, () => this.rest.conversations()));
    this.outboxCount = new SingleFlight(async () => {
      const n = await this.db.outbox.count();
      this.setState({ outboxSize: n });
      // Also how the leader hears about messages queued by other tabs.
      if (n > 0) this.drainer.kick();
    });
  }

  // --- observable state -------------------------------------------------------------

  getState(): EngineState {
    return { ...this.state };
  }

  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  private setState(patch: Partial<EngineState>): void {
    const next = { ...this.state, ...patch };
    if ((Object.keys(next) as (keyof EngineState)[]).every((k) => next[k] === this.state[k])) return;
    this.state = next;
    this.events.emit('state', { ...next });
  }

  // --- session ----------------------------------------------------------------------

  async signUp(username: string, password: string, displayName?: string): Promise<User> {
    const res = await this.rest.register({ username, password, ...(displayName !== undefined ? { displayName } : {}) });
    await this.adopt(res.token, res.user);
    return res.user;
  }

  async signIn(username: string, password: string): Promise<User> {
    const res = await this.rest.login({ username, password });
    await this.adopt(res.token, res.user);
    return res.user;
  }

  async resume(): Promise<User | null> {
    this.assertOpen();
    const stored = await loadSession(this.db);
    if (!stored) return null;
    if (this.session?.userId !== stored.userId) {
      await this.stop();
      this.session = stored;
      await this.start();
    }
    // Offline-first: answer from the database now; refresh the profile (and learn about an
    // expired token, which signs out through the 401 handler) in the background.
    void this.rest
      .me()
      .then(({ user }) => this.db.users.put(user))
      .catch((e) => this.reportError('resume.me', e));
    return (await this.db.users.get(stored.userId)) ?? null;
  }

  async signOut(options: { clearData?: boolean } = {}): Promise<void> {
    await this.stop();
    this.session = null;
    await forgetSession(this.db, options);
    this.setState({ userId: null });
    this.events.emit('signed-out', { reason: 'user' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    this.db.close();
  }

  /** Stores the token and user (clearing another user's data first) and starts syncing. */
  private async adopt(token: string, user: User): Promise<void> {
    this.assertOpen();
    await this.stop();
    this.session = await storeSession(this.db, token, user);
    await this.start();
  }

  /** Token rejected (401 or refused handshake): stop, forget the token, keep the data and outbox. */
  private async expire(): Promise<void> {
    if (!this.session) return;
    this.session = null;
    await this.stop();
    if (!this.closed) await forgetSession(this.db).catch((e) => this.reportError('expire', e));
    this.setState({ userId: null });
    this.events.emit('signed-out', { reason: 'expired' });
  }

  private async start(): Promise<void> {
    if (this.started || !this.session || this.closed) return;
    this.started = true;
    const lastSyncAt = (await this.db.getMeta<string>(META.lastSyncAt)) ?? null;
    this.setState({ userId: this.session.userId, lastSyncAt });
    this.unwatchOutbox = this.watchOutbox();
    this.leadership = electLeader({
      name: `pigeon-outbox:${this.options.dbName}`,
      locks: this.options.locks,
      db: this.db,
      onChange: (leader) => (leader ? this.drainer.kick() : this.drainer.wake()),
      onError: (where, e) => this.reportError(where, e),
      ...(this.options.leaseTtlMs ? { leaseTtlMs: this.options.leaseTtlMs } : {}),
      ...(this.options.leaseRenewMs ? { leaseRenewMs: this.options.leaseRenewMs } : {}),
    });
    this.pollTimer = setInterval(() => {
      if (!this.socket.connected) this.requestCatchUp();
    }, this.options.pollIntervalMs);
    if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
      const online = () => this.drainer.wake();
      window.addEventListener('online', online);
      this.removeOnlineListener = () => window.removeEventListener('online', online);
    }
    if (this.networkEnabled) this.openSocket();
  }

  private async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.socket.close();
    this.unwatchOutbox?.();
    this.unwatchOutbox = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.catchUp.stop();
    this.pollTimer = null;
    this.removeOnlineListener?.();
    this.removeOnlineListener = null;
    this.typing.clear();
    const leadership = this.leadership;
    this.leadership = null;
    this.drainer.wake(); // sleeping lanes see canDrain() = false and exit
    await leadership?.stop();
    this.setState({ connection: 'offline' });
  }

  setNetworkEnabled(enabled: boolean): void {
    if (enabled === this.networkEnabled) return;
    this.networkEnabled = enabled;
    if (!this.started) return;
    if (enabled) {
      this.openSocket();
      this.drainer.kick();
    } else {
      this.socket.close();
      this.socketDownSince = Date.now();
      this.drainer.wake();
      this.setState({ connection: 'offline' });
    }
  }

  dropConnection(): void {
    this.socket.dropConnection();
  }

  // --- socket -----------------------------------------------------------------------

  private openSocket(): void {
    this.socketDownSince = Date.now();
    this.setState({ connection: 'connecting' });
    this.socket.open(() => this.session?.token ?? null, {
      connect: () => {
        this.setState({ connection: 'online' });
        // CSR is treated as absent: whatever happened while we were away comes from the cursor.
        this.catchUp.resetBackoff();
        this.requestCatchUp();
        this.receipts.flush();
        this.drainer.wake();
        this.drainer.kick();
      },
      disconnect: () => {
        this.socketDownSince = Date.now();
        if (this.started) this.setState({ connection: 'connecting' });
      },
      connectError: (unauthenticated) => {
        if (unauthenticated) void this.expire();
        else if (this.started) this.setState({ connection: 'offline' });
      },
      newMessage: (message) => this.live.newMessage(message),
      status: (event) => void this.live.status(event.messageIds, event.status),
      typing: (event, typing) => this.typing.received(event, typing),
      presence: (event, online) => void this.live.presence(event.userId, online, event.lastSeen ?? null),
    });
  }

  /** After any committed batch of server copies: events, receipts owed, gaps. */
  private afterApply(result: ApplyResult): void {
    for (const message of result.changed) this.events.emit('message', message);
    if (result.owesReceipts) this.receipts.flushDeliveredSoon();
    if (result.gaps.length > 0) this.requestCatchUp();
    if (result.newConversations.length > 0 && !this.catchUp.running) this.requestPeers();
  }

  private requestCatchUp(): void {
    this.catchUp.schedule();
  }

  /**
   * Outbox changes from this tab or another one refresh outboxSize and wake the drainer.
   */
  private watchOutbox(): () => void {
    const refresh = () => void this.outboxCount.request().catch((e) => this.reportError('outbox.count', e));
    refresh();
    return watchTable(this.db, 'outbox', refresh);
  }

  private requestPeers(): void {
    if (this.started) void this.peers.request().catch((e) => this.reportError('peers', e));
  }

  // --- actions ----------------------------------------------------------------------

  async send(to: string, body: string): Promise<LocalMessage> {
    const userId = this.requireUser();
    const message = await commitSend(this.db, userId, to, body);
    this.typing.set(to, false);
    this.drainer.kick();
    return message;
  }

  async retry(key: string): Promise<void> {
    await requeue(this.db, key, this.requireUser());
    this.drainer.kick();
  }

  async markRead(conversationId: string): Promise<void> {
    const upTo = await markReadLocally(this.db, conversationId, this.requireUser());
    if (upTo !== null) this.receipts.flushReadsSoon();
  }

  async loadOlder(conversationId: string, limit: number = LIMITS.historyPageDefault): Promise<number> {
    const deps = {
      db: this.db,
      me: this.requireUser(),
      fetchPage: (id: string, before: string | null, n: number) => this.rest.history(id, before, n),
      afterPage: (result: ApplyResult) => this.afterApply(result),
    };
    return loadOlder(deps, conversationId, Math.min(Math.max(1, limit), LIMITS.historyPageMax));
  }

  async searchUsers(query: string): Promise<User[]> {
    return (await this.rest.searchUsers(query)).users;
  }

  async openConversationWith(peer: User): Promise<string> {
    return ensureConversation(this.db, this.requireUser(), peer);
  }

  setTyping(to: string, typing: boolean): void {
    if (this.started) this.typing.set(to, typing);
  }

  async refreshPresence(userId: string): Promise<void> {
    const { online, lastSeen } = await this.socket.userStatus(userId, this.options.ackTimeoutMs);
    await this.live.presence(userId, online, lastSeen);
  }

  async syncNow(): Promise<void> {
    this.requireUser();
    await this.catchUp.request(); // a no-op while the network is disabled
  }

  // --- helpers ----------------------------------------------------------------------

  private requireUser(): string {
    this.assertOpen();
    if (!this.session) throw new PigeonError('UNAUTHENTICATED', 'not signed in');
    return this.session.userId;
  }

  private assertOpen(): void {
    if (this.closed) throw new PigeonError('UNAVAILABLE', 'engine closed');
  }

  private reportError(where: string, error: unknown): void {
    // After stop/close, failures of work that was in flight are expected; network errors are retried.
    if (!this.started || this.closed || isNetworkError(error)) return;
    if (this.events.count('error') > 0) this.events.emit('error', { where, error });
    else console.warn(`pigeon engine: ${where}`, error);
  }
}
