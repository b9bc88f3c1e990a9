/**
 * Wires the pieces into the SyncEngine of api.ts. This file holds the session
 * lifecycle and the reactions to transport events; every decision lives in the
 * modules it calls (see docs/sync-protocol.md for the whole picture):
 *
 *   send ─▶ outbox.ts (1 tx) ─▶ drainer.ts ─▶ socket / REST ─▶ remote-writes.ts (1 tx)
 *   socket events ─▶ remote-writes.ts ─▶ receipts.ts        reconnect / gap ─▶ catch-up.ts
 */
import { PigeonError } from '../errors.ts';
import type { Message } from '../model/message.ts';
import type { User } from '../model/user.ts';
import type { EngineEvents, EngineState, LocalMessage, SyncEngine, SyncEngineOptions } from './api.ts';
import { Dexie, type ObservabilitySet } from 'dexie';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { CatchUp } from './catch-up.ts';
import { Drainer } from './drainer.ts';
import { Emitter } from './emitter.ts';
import { electLeader, type Leadership } from './leader.ts';
import { LocalDb, META } from './local-db.ts';
import { commitSend, requeue } from './outbox.ts';
import { createQueries } from './queries.ts';
import { Receipts, markReadLocally } from './receipts.ts';
import { applyServerCopies, applyStatus, type ApplyResult } from './remote-writes.ts';
import { SingleFlight } from './single-flight.ts';
import { RestClient, isNetworkError } from './transport/rest.ts';
import { SocketTransport } from './transport/socket.ts';
import { Typing } from './typing.ts';
import { conversationPeer, directConversationId } from '../conversation-id.ts';
import { LIMITS } from '../limits.ts';

interface Session {
  token: string;
  userId: string;
}

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
  private readonly liveApply: SingleFlight;
  private readonly peers: SingleFlight;
  private readonly backoff: BackoffOptions;
  private readonly ackTimeoutMs: number;
  private readonly lockName: string;
  private readonly locks: LockManager | null;

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
  private liveQueue: Message[] = [];
  private catchUpFailures = 0;
  private catchUpRetry: ReturnType<typeof setTimeout> | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private removeOnlineListener: (() => void) | null = null;

  constructor(private readonly options: SyncEngineOptions) {
    const dbName = options.dbName ?? 'pigeon';
    this.db = new LocalDb(dbName, {
      ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
      ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
    });
    this.queries = createQueries(this.db);
    this.lockName = `pigeon-outbox:${dbName}`;
    this.locks = options.locks === undefined ? ((globalThis.navigator as Navigator | undefined)?.locks ?? null) : options.locks;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    this.backoff = { baseMs: options.retryBaseMs ?? 250, maxMs: options.retryMaxMs ?? 30_000 };
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.rest = new RestClient({
      baseUrl: options.serverUrl.replace(/\/+$/, ''),
      // Called unbound, window.fetch throws "Illegal invocation".
      fetch: (input, init) => fetchImpl(input, init),
      getToken: () => this.session?.token ?? null,
      onUnauthenticated: () => void this.expire(),
    });
    this.socket = new SocketTransport({
      url: options.serverUrl,
      reconnectionDelayMs: options.reconnectionDelayMs ?? 1_000,
      reconnectionDelayMaxMs: options.reconnectionDelayMaxMs ?? 5_000,
      ...(options.transports ? { transports: options.transports } : {}),
    });
    const me = () => this.session?.userId ?? null;
    this.drainer = new Drainer({
      db: this.db,
      me,
      canDrain: () => this.started && this.networkEnabled && (this.leadership?.isLeader ?? false),
      socketConnected: () => this.socket.connected,
      socketDownForMs: () => (this.socket.connected ? 0 : Date.now() - this.socketDownSince),
      sendViaSocket: (input) => this.socket.sendMessage(input, this.ackTimeoutMs),
      sendViaRest: async (input) => (await this.rest.sendMessage(input)).message,
      commit: async (_entry, message) => {
        const userId = me();
        if (!userId) return;
        this.afterApply(await applyServerCopies(this.db, [message], userId, { detectGaps: true }));
      },
      unauthenticated: () => void this.expire(),
      onError: (where, e) => this.reportError(where, e),
      backoff: this.backoff,
      route: { socketFailuresBeforeRest: options.socketFailuresBeforeRest ?? 3, restFallbackAfterMs: options.restFallbackAfterMs ?? 3_000 },
      ...(options.random ? { random: options.random } : {}),
    });
    this.catchUp = new CatchUp({
      db: this.db,
      fetchPage: (since, limit) => this.rest.sync(since, limit),
      me,
      active: () => this.started && this.networkEnabled,
      pageSize: options.syncPageSize ?? LIMITS.syncPageDefault,
      afterPage: (result) => this.afterApply(result),
      done: (at) => {
        this.setState({ lastSyncAt: at });
        this.requestPeers();
      },
    });
    this.receipts = new Receipts({
      db: this.db,
      me,
      canEmit: () => this.started && this.socket.connected,
      emitReceived: (ids) => this.socket.messageReceived(ids, this.ackTimeoutMs),
      emitRead: (conversationId, upToSeq) => this.socket.messageRead(conversationId, upToSeq, this.ackTimeoutMs),
      onError: (where, e) => this.reportError(where, e),
    });
    this.typing = new Typing({
      emit: (to, typing) => this.socket.typing(to, typing),
      surface: (event) => this.events.emit('typing', event),
      ...(options.typingRenewMs ? { renewMs: options.typingRenewMs } : {}),
    });
    // Live messages are stored in batches: a burst of new-message events costs one
    // transaction per batch instead of one per message.
    this.liveApply = new SingleFlight(async () => {
      while (this.liveQueue.length > 0) {
        const userId = me();
        const batch = this.liveQueue.splice(0);
        if (!userId) return;
        this.afterApply(await applyServerCopies(this.db, batch, userId, { detectGaps: true }));
      }
    });
    this.peers = new SingleFlight(() => this.fetchMissingPeers());
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
    const [token, userId] = await Promise.all([this.db.getMeta<string>(META.token), this.db.getMeta<string>(META.userId)]);
    if (!token || !userId) return null;
    if (this.session?.userId !== userId) {
      await this.stop();
      this.session = { token, userId };
      await this.start();
    }
    // Offline-first: answer from the database now; refresh the profile (and learn about an
    // expired token, which signs out through the 401 handler) in the background.
    void this.rest
      .me()
      .then(({ user }) => this.db.users.put(user))
      .catch((e) => this.reportError('resume.me', e));
    return (await this.db.users.get(userId)) ?? null;
  }

  async signOut(options: { clearData?: boolean } = {}): Promise<void> {
    await this.stop();
    this.session = null;
    await this.db.transaction('rw', [this.db.meta, this.db.messages, this.db.outbox, this.db.conversations, this.db.users], async () => {
      if (options.clearData) await Promise.all([this.db.meta, this.db.messages, this.db.outbox, this.db.conversations, this.db.users].map((t) => t.clear()));
      else await this.db.meta.bulkDelete([META.token, META.userId]);
    });
    this.setState({ userId: null });
    this.events.emit('signed-out', { reason: 'user' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    this.db.close();
  }

  /** Stores the token and user, clearing another user's data first, and starts syncing. */
  private async adopt(token: string, user: User): Promise<void> {
    this.assertOpen();
    await this.stop();
    const { db } = this;
    await db.transaction('rw', [db.meta, db.messages, db.outbox, db.conversations, db.users], async () => {
      const owner = await db.getMeta<string>(META.owner);
      // Never send one user's outbox with another user's token, nor show them their messages.
      if (owner && owner !== user.id) await Promise.all([db.meta, db.messages, db.outbox, db.conversations, db.users].map((t) => t.clear()));
      await db.meta.bulkPut([
        { key: META.token, value: token },
        { key: META.userId, value: user.id },
        { key: META.owner, value: user.id },
      ]);
      await db.users.put(user);
    });
    this.session = { token, userId: user.id };
    await this.start();
  }

  /** Token rejected (401 or refused handshake): stop, forget the token, keep the data and outbox. */
  private async expire(): Promise<void> {
    if (!this.session) return;
    this.session = null;
    await this.stop();
    if (!this.closed) await this.db.meta.bulkDelete([META.token, META.userId]).catch((e) => this.reportError('expire', e));
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
      name: this.lockName,
      locks: this.locks,
      db: this.db,
      onChange: (leader) => (leader ? this.drainer.kick() : this.drainer.wake()),
      onError: (where, e) => this.reportError(where, e),
      ...(this.options.leaseTtlMs ? { leaseTtlMs: this.options.leaseTtlMs } : {}),
      ...(this.options.leaseRenewMs ? { leaseRenewMs: this.options.leaseRenewMs } : {}),
    });
    this.pollTimer = setInterval(() => {
      if (!this.socket.connected) void this.requestCatchUp();
    }, this.options.pollIntervalMs ?? 30_000);
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
    if (this.catchUpRetry) clearTimeout(this.catchUpRetry);
    this.pollTimer = this.catchUpRetry = null;
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
        this.catchUpFailures = 0;
        void this.requestCatchUp();
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
      newMessage: (message) => {
        this.liveQueue.push(message);
        void this.liveApply.request().catch((e) => {
          this.reportError('new-message', e);
          void this.requestCatchUp(); // the cursor still covers what failed to store
        });
      },
      status: (event) => void this.onStatus(event.messageIds, event.status),
      typing: (event, typing) => this.typing.received(event, typing),
      presence: (event, online) => void this.onPresence(event.userId, online, event.lastSeen ?? null),
    });
  }

  private async onStatus(ids: string[], status: 'sent' | 'delivered' | 'read'): Promise<void> {
    const userId = this.session?.userId;
    if (!userId) return;
    try {
      const { unknownIds } = await applyStatus(this.db, ids, status, userId);
      // A receipt for a message we do not hold (e.g. our send's ack was lost): the cursor will bring it.
      if (unknownIds.length > 0) void this.requestCatchUp();
    } catch (e) {
      this.reportError('message-status', e);
    }
  }

  private async onPresence(userId: string, online: boolean, lastSeen: string | null): Promise<void> {
    try {
      await this.db.transaction('rw', this.db.users, async () => {
        const user = await this.db.users.get(userId);
        if (user) await this.db.users.put({ ...user, online, lastSeen: lastSeen ?? user.lastSeen });
      });
    } catch (e) {
      this.reportError('presence', e);
    }
    this.events.emit('presence', { userId, online, lastSeen });
  }

  /** After any committed batch of server copies: events, receipts owed, gaps. */
  private afterApply(result: ApplyResult): void {
    for (const message of result.changed) this.events.emit('message', message);
    if (result.owesReceipts) this.receipts.flushDeliveredSoon();
    if (result.gaps.length > 0) void this.requestCatchUp();
    if (result.newConversations.length > 0 && !this.catchUp.running) this.requestPeers();
  }

  private requestCatchUp(): Promise<void> {
    if (!this.started || !this.networkEnabled) return Promise.resolve();
    return this.catchUp.request().then(
      () => {
        this.catchUpFailures = 0;
      },
      (e: unknown) => {
        if (!this.started) return;
        if (!isNetworkError(e)) this.reportError('catch-up', e);
        // Retry while connected; when disconnected, the next connect (or the poll) retries.
        if (this.socket.connected && !this.catchUpRetry) {
          this.catchUpRetry = setTimeout(() => {
            this.catchUpRetry = null;
            void this.requestCatchUp();
          }, backoffDelay(++this.catchUpFailures, this.backoff, this.options.random));
        }
      },
    );
  }

  /**
   * Outbox changes from this tab or another one (Dexie broadcasts them across tabs)
   * refresh outboxSize and wake the drainer. Dexie's raw `storagemutated` event is used
   * rather than liveQuery: liveQuery never fires in Node unless a global indexedDB is
   * set, and the engine must not need a global.
   */
  private watchOutbox(): () => void {
    const part = `idb://${this.db.name}/outbox/`;
    const refresh = () => void this.outboxCount.request().catch((e) => this.reportError('outbox.count', e));
    const listener = (parts: ObservabilitySet) => {
      if (part in parts) refresh();
    };
    Dexie.on.storagemutated.subscribe(listener);
    refresh();
    return () => Dexie.on.storagemutated.unsubscribe(listener);
  }

  private requestPeers(): void {
    if (this.started) void this.peers.request().catch((e) => this.reportError('peers', e));
  }

  /** Conversations started by someone we never looked up: the server's conversation list names them. */
  private async fetchMissingPeers(): Promise<void> {
    const conversations = await this.db.conversations.toArray();
    const known = await this.db.users.bulkGet(conversations.map((c) => c.peerId));
    if (known.every(Boolean)) return;
    const { conversations: remote } = await this.rest.conversations();
    await this.db.users.bulkPut(remote.map((c) => c.peer));
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
    const userId = this.requireUser();
    // seq is gap-free from 1, so holding seq 1 means holding the beginning.
    const oldest = await this.db.inConversation('[conversationId+seq]', conversationId).first();
    if (oldest?.seq === 1) return 0;
    const key = META.historyPrefix + conversationId;
    // undefined: never paged (start from the newest page); null: the server said there is no more.
    let before = await this.db.getMeta<string | null>(key);
    if (before === null) return 0;
    for (let page = 0; page < 20; page++) {
      const res = await this.rest.history(conversationId, before ?? null, Math.min(limit, LIMITS.historyPageMax));
      const result = await applyServerCopies(this.db, res.messages, userId);
      this.afterApply(result);
      // The history cursor moves only after the page it covers is committed.
      await this.db.setMeta(key, res.nextCursor);
      if (result.inserted > 0 || res.nextCursor === null) return result.inserted;
      before = res.nextCursor;
    }
    return 0;
  }

  async searchUsers(query: string): Promise<User[]> {
    return (await this.rest.searchUsers(query)).users;
  }

  async openConversationWith(peer: User): Promise<string> {
    const userId = this.requireUser();
    const id = directConversationId(userId, peer.id);
    await this.db.transaction('rw', [this.db.users, this.db.conversations], async () => {
      await this.db.users.put(peer);
      if (!(await this.db.conversations.get(id))) {
        await this.db.conversations.put({ id, peerId: conversationPeer(id, userId) ?? peer.id, lastMessage: null, unreadCount: 0, updatedAt: new Date().toISOString() });
      }
    });
    return id;
  }

  setTyping(to: string, typing: boolean): void {
    if (this.started) this.typing.set(to, typing);
  }

  async refreshPresence(userId: string): Promise<void> {
    const { online, lastSeen } = await this.socket.userStatus(userId, this.ackTimeoutMs);
    await this.onPresence(userId, online, lastSeen);
  }

  async syncNow(): Promise<void> {
    this.requireUser();
    await this.catchUp.request();
    this.setState({ lastSyncAt: (await this.db.getMeta<string>(META.lastSyncAt)) ?? null });
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
