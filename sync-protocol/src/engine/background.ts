/**
 * The background work of a started session and its reactions to the network:
 *
 *               start                       network enabled
 *   ┌─────────┐ ──────▶ ┌─────────┐ ─────────────────────────▶ ┌────────────┐ connect ┌────────┐
 *   │ stopped │         │ started │                            │ connecting │ ──────▶ │ online │
 *   └─────────┘ ◀────── └─────────┘ ◀──── network disabled ─── └────────────┘ ◀────── └────────┘
 *               stop                                                            disconnect
 *
 * Started: the outbox is watched, leadership is contended for, and while the socket is down a
 * catch-up is polled. Every connect runs a catch-up (the cursor is the truth), flushes owed
 * receipts, wakes the drainer and refreshes the block list. What the session itself does about tokens (refresh, sign-out,
 * other tabs) is session-lifecycle.ts's; this module only reports what the socket says.
 */
import { RangeSet } from 'dexie';
import { storeServerUser } from './up/profile.ts';
import { PigeonError } from '../errors.ts';
import type { EngineState } from './api.ts';
import type { ApplyResult } from './down/store-server-changes.ts';
import { META, watchTable } from './local/local-db.ts';
import { OWED_PREFIX } from './local/owed-receipts.ts';
import { usersNamedIn } from './local/user-lookup.ts';
import type { ResolvedOptions } from './options.ts';
import type { Parts } from './parts.ts';
import { isNetworkError } from './transport/transport.ts';
import { electLeader, type Leadership } from './up/leader.ts';
import { applyServerMutes } from './up/mutes.ts';

/** What the socket tells the session about its token. */
export interface AuthSignals {
  /** The server cut the connection on purpose (a restart, or this session was revoked). */
  serverDisconnect(): void;
  /** The handshake's token was refused; the socket stays down until `reconnect()`. */
  handshakeRefused(): void;
  /** The network is allowed again. */
  networkBack(): void;
}

export class Background {
  private state: EngineState = { connection: 'offline', outboxSize: 0, outboxActions: 0, lastSyncAt: null, userId: null };
  private running = false;
  private networkEnabled = true;
  private socketDownSince = Date.now();
  private leadership: Leadership | null = null;
  private unwatchOutbox: (() => void) | null = null;
  private unwatchMeta: (() => void) | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  /** The handshake was refused for its token: nothing reconnects until a newer token is in use. */
  private refused = false;
  closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly parts: Parts,
    private readonly auth: AuthSignals,
  ) {}

  get started(): boolean {
    return this.running;
  }

  get online(): boolean {
    return this.networkEnabled;
  }

  get isLeader(): boolean {
    return this.leadership?.isLeader ?? false;
  }

  getState(): EngineState {
    return { ...this.state };
  }

  socketDownForMs(): number {
    return this.parts.transport.connected ? 0 : Date.now() - this.socketDownSince;
  }

  async start(userId: string): Promise<void> {
    if (this.running || this.closed) return;
    const { db, drainer } = this.parts;
    this.running = true;
    const lastSyncAt = (await db.getMeta<string>(META.lastSyncAt)) ?? null;
    this.setState({ userId, lastSyncAt });
    // Outbox changes from this tab or another one refresh outboxSize and wake the drainer.
    const countOutbox = () => void this.parts.outboxCount.request().catch((e) => this.reportError('outbox.count', e));
    countOutbox();
    this.unwatchOutbox = watchTable(db, 'outbox', countOutbox);
    // Receipts owed (local/owed-receipts.ts) live in meta: recounted into receiptsOwed after each
    // change of their records, this tab's (a stored page, a paid receipt) or another's.
    this.parts.receipts.recount();
    this.unwatchMeta = watchTable(db, 'meta', () => this.parts.receipts.recount(), new RangeSet(OWED_PREFIX, `${OWED_PREFIX}\uffff`));
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

  async stop(): Promise<void> {
    if (!this.running) return;
    const { transport, catchUp, drainer, receipts } = this.parts;
    this.running = false;
    transport.close();
    this.refused = false;
    this.unwatchOutbox?.();
    this.unwatchOutbox = null;
    this.unwatchMeta?.();
    this.unwatchMeta = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    catchUp.stop();
    receipts.stop();
    for (const owed of [this.parts.mutes, this.parts.profilesOwed, this.parts.readPositions, this.parts.blockList]) owed.stop();
    const leadership = this.leadership;
    this.leadership = null;
    drainer.wake(); // sleeping lanes see canDrain() = false and exit
    await leadership?.stop();
    this.setState({ connection: 'offline' });
  }

  setNetworkEnabled(enabled: boolean): void {
    if (enabled === this.networkEnabled) return;
    this.networkEnabled = enabled;
    if (!this.running) return;
    if (enabled) {
      this.refused = false;
      this.openConnection();
      this.auth.networkBack();
      this.parts.drainer.kick();
    } else {
      this.parts.transport.close();
      this.socketDownSince = Date.now();
      this.parts.drainer.wake();
      this.setState({ connection: 'offline' });
    }
  }

  /** A newer token is in use: whatever the old one made fail is worth another try now. */
  retryWithNewToken(): void {
    if (!this.running) return;
    if (this.refused && this.networkEnabled) {
      this.refused = false;
      this.openConnection();
    }
    this.parts.catchUp.schedule();
    this.parts.drainer.wake();
    this.parts.receipts.flush();
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
        receipts.resetBackoff();
        for (const owed of [this.parts.mutes, this.parts.profilesOwed, this.parts.readPositions, this.parts.blockList]) owed.resetBackoff();
        this.parts.mutes.owed = true; // fetched after this catch-up (parts.ts): changes made while away
        this.parts.profilesOwed.owed = true; // so are profiles (up/profile-sync.ts)
        // Never synced (first sign-in, or data cleared by another account): the catch-up fetches
        // the groups' positions before its first page (down/read-positions.ts, finding G1).
        catchUp.schedule();
        receipts.flush();
        drainer.wake();
        drainer.kick();
        // A block made on another device reaches this one's list here (the server pushes none).
        void this.parts.blockList.fetchNow();
        // So do groups read on another device while this one was away (no message changed for it).
        void this.parts.readPositions.fetchNow();
      },
      disconnect: (reason) => {
        this.socketDownSince = Date.now();
        if (!this.running) return;
        this.setState({ connection: 'connecting' });
        // The socket reconnects by itself; the session finds out whether it was revoked.
        if (reason === 'io server disconnect') this.auth.serverDisconnect();
      },
      connectError: (unauthenticated) => {
        if (!this.running) return;
        if (!unauthenticated) return this.setState({ connection: 'offline' });
        this.refused = true;
        this.auth.handshakeRefused();
      },
      newMessage: (message) => live.newMessage(message),
      messageUpdated: (message) => live.messageUpdated(message),
      status: (event) => void live.status(event.messageIds, event.status),
      typing: (event, on) => typing.received(event, on),
      // Presence news also marks the user for the profile refreshes under way (LiveEvents `heard`):
      // a refresh asked while the two were strangers answers `online: false, lastSeen: null`, and
      // stored after the peer's user-offline the header showed neither (chat-header-offline's CI failures).
      presence: (event, online) => void live.presence(event.userId, online, event.lastSeen ?? null),
      // A group read on another device of ours (down/read-positions.ts).
      readPosition: (event) => void live.readPosition(event.conversationId, event.readSeq),
      // A chat muted or unmuted on another device of ours (up/mutes.ts: a change queued here wins).
      conversationMuted: (mute) => {
        const me = this.state.userId;
        if (me) void applyServerMutes(this.parts.db, me, [mute]).catch((e) => this.reportError('conversation-muted', e));
      },
      // Someone's profile, or ours from another device (up/profile.ts: a change queued here wins).
      userUpdated: ({ user }) => {
        const me = this.state.userId;
        if (!me) return;
        this.parts.freshness.touched(user.id);
        void storeServerUser(this.parts.db, me, user).catch((e) => this.reportError('user-updated', e));
      },
      // The change's system message came just before and updates the group; only a group this device
      // does not know yet (we were just added) is worth asking for, with its seq to order it by.
      conversationUpdated: (conversation) => {
        this.requestUsers(conversation.members.map((m) => m.userId));
        void this.parts.db.conversations.get(conversation.id).then(
          (row) => !row?.group?.known && this.requestPeers(),
          (e) => this.reportError('conversation-updated', e),
        );
      },
      // The server may have dropped events for this device (its Redis link was down): one catch-up
      // pass brings the messages and statuses (SingleFlight: hints from several nodes at once cost one
      // pass, plus one after), one conversation list the peers' presence.
      syncHint: () => {
        this.parts.mutes.owed = true;
        catchUp.schedule();
        void this.parts.peerPresence.request().catch((e) => this.reportError('peers', e));
        this.parts.profilesOwed.owed = true;
        void this.parts.readPositions.fetchNow();
      },
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
    // Owed during a catch-up: sent when it ends (up/receipts.ts holdDelivered).
    if (result.owesReceipts) {
      if (catchUp.running) receipts.holdDelivered();
      else receipts.flushDeliveredSoon();
    }
    // Stored from the server (an ack, a page, an event): the connection works, a receipt retry need not wait.
    receipts.connectionProven();
    if (result.gaps.length > 0) catchUp.schedule();
    // Own messages with files acked another way than the drainer's commit (a catch-up after a lost
    // ack): their bytes move into the media cache too (media/own-files.ts; a no-op when done already).
    const own = result.changed.filter((m) => m.senderId === this.state.userId && (m.attachments?.length ?? 0) > 0);
    if (own.length > 0) void this.parts.media.settle(own).catch((e) => this.reportError('media.settle', e));
    // A new conversation may have an unknown peer or group; a group change may leave a group unknown
    // (we were added to it). A running catch-up asks once at its end instead.
    const groupChanged = result.changed.some((m) => m.type === 'system');
    if ((result.newConversations.length > 0 || groupChanged) && !catchUp.running) this.requestPeers();
    // Group members and senders without a profile: asked for at once, catch-up pages included.
    const named = usersNamedIn(result.changed);
    if (named.length > 0) this.requestUsers(named);
  }

  /** Profiles of unknown peers, and the title and members of groups the device does not know (then their members' profiles). */
  requestPeers(): void {
    if (!this.running) return;
    void this.parts.peers.request().catch((e) => this.reportError('peers', e));
    void this.parts.groups.request().then(
      () => this.requestUsers(),
      (e) => this.reportError('groups', e),
    );
  }

  /**
   * Profiles of `ids` and of every group member the device has none of (local/user-lookup.ts).
   * Never blocks anything; a failed lookup keeps its ids for the next occasion (a stored group
   * message, the end of a catch-up, which every connect runs).
   */
  requestUsers(ids: readonly string[] = []): void {
    if (!this.running) return;
    this.parts.users.note(ids);
    void this.parts.users.run().catch((e) => {
      // The moment's state (offline, a server going down, a rate limit), not a bug: asked again later.
      if (e instanceof PigeonError && (e.code === 'UNAVAILABLE' || e.code === 'RATE_LIMITED')) return;
      this.reportError('users', e);
    });
  }

  setState(patch: Partial<EngineState>): void {
    const next = { ...this.state, ...patch };
    if ((Object.keys(next) as (keyof EngineState)[]).every((k) => next[k] === this.state[k])) return;
    const wasOnline = this.state.connection === 'online';
    this.state = next;
    // Typing states need the connection: whatever was shown or sent ends with it.
    if (wasOnline && next.connection !== 'online') this.parts.typing.connectionLost();
    this.parts.events.emit('state', { ...next });
  }

  reportError(where: string, error: unknown): void {
    // After stop/close, failures of work that was in flight are expected; network errors are
    // retried; a refused token is the session's business (refreshed, or the session ends).
    if (!this.running || this.closed || isNetworkError(error)) return;
    if (error instanceof PigeonError && error.code === 'UNAUTHENTICATED') return;
    const { events } = this.parts;
    if (events.count('error') > 0) events.emit('error', { where, error });
    else console.warn(`pigeon engine: ${where}`, error);
  }
}
