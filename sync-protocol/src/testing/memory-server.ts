/**
 * An in-memory Pigeon server for engine tests: the behaviour of the real one
 * (docs/api.md) that a device can observe — accounts, sessions with short access
 * tokens and rotating refresh tokens (memory-sessions.ts), seq per conversation, dedupe by (sender, clientId), the sync change log, history pages,
 * receipts, presence and typing events, the per-user send rate limit, the session list and
 * blocks (memory-management.ts), groups with membership periods, system messages and aggregate
 * statuses (memory-groups.ts, memory-group-ops.ts), replies, reactions, edits, deletes and hides
 * (memory-actions.ts), attachments (memory-attachments.ts), search, mutes, push (memory-notifications.ts) — without
 * sockets, HTTP or a database. Each engine reaches it through `transport()`.
 *
 * Faults are scripted with interceptors: every call passes `intercept` functions
 * that may fail it, delay it, hold its answer or cut the caller's connection.
 * `hold()` is the barrier for tests that must act while a request is in flight.
 */
import { avatarOf, updateProfile, type ProfileDeps } from './memory-profiles.ts';
import { conversationPeer } from '../conversation-id.ts';
import { userStatusPayloadSchema } from '../events/up.ts';
import { LIMITS } from '../limits.ts';
import type { User } from '../model/user.ts';
import { loginBodySchema, refreshBodySchema, registerBodySchema } from '../rest/auth.ts';
import { userSearchQuerySchema } from '../rest/users.ts';
import type { TransportFactory } from '../engine/transport/transport.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import { createHold, type Hold } from './hold.ts';
import { MemoryAccounts } from './memory-accounts.ts';
import { MemoryAttachments } from './memory-attachments.ts';
import { isActionOp, MemoryActions } from './memory-actions.ts';
import { MemoryBlocks } from './memory-blocks.ts';
import { GroupRequests, isGroupOp } from './memory-group-ops.ts';
import { MemoryGroups } from './memory-groups.ts';
import { handleManagement, isManagementOp, type ManagementDeps } from './memory-management.ts';
import { MemoryMessages } from './memory-messages.ts';
import { isNotificationOp, notificationsOn, type MemoryNotifications } from './memory-notifications.ts';
import { MemoryRealtime } from './memory-realtime.ts';
import { handleMessageOp, isMessageOp, type MessageOpsDeps } from './memory-message-ops.ts';
import type { SendDeps } from './memory-sends.ts';
import { MemorySessions, type Caller, type TokenPair } from './memory-sessions.ts';
import { memoryTransport, type MemoryTransportOptions } from './memory-transport.ts';
import type { CallContext, Interceptor, MemoryConnection, MemoryServerOptions, ServerCall, ServerOp } from './memory-types.ts';
import { createSendRate } from './send-rate.ts';

export type { Hold } from './hold.ts';

export type { CallContext, Interceptor, MemoryConnection, MemoryServerOptions, ServerCall, ServerOp } from './memory-types.ts';

export class MemoryServer {
  /** Added to the server's clock (advanceClock): message times and the edit / delete windows go by it. */
  private clockOffsetMs = 0;
  readonly messages = new MemoryMessages(() => this.now());
  readonly groups = new MemoryGroups(this.messages);
  private readonly groupRequests: GroupRequests;
  private readonly actions: MemoryActions;
  readonly notifications: MemoryNotifications; // search, mutes, push subscriptions (tests: subscriptionsOf)
  /** Uploads and their bytes; tests read `attachments.list()` ("the server holds one attachment"). */
  readonly attachments: MemoryAttachments;
  private readonly accounts = new MemoryAccounts();
  private readonly blocks = new MemoryBlocks();
  private readonly sessionTable: MemorySessions;
  private readonly realtime: MemoryRealtime;
  private readonly interceptors: Interceptor[] = [];
  private readonly sendRate;
  private reachable = true;
  /** Requests and handshakes that presented a token the server refused (expired, revoked, unknown). */
  refusedTokens = 0;

  constructor(options: MemoryServerOptions = {}) {
    const hasUser = (id: string) => this.accounts.has(id);
    this.sessionTable = new MemorySessions({ accessTokenTtlMs: options.accessTokenTtlMs ?? 15 * 60_000, reuseWindowMs: options.refreshReuseWindowMs ?? 30_000 });
    this.attachments = new MemoryAttachments((senderId, clientId) => this.messages.find(senderId, clientId), options.attachmentMaxBytes);
    this.sendRate = createSendRate(options.sendRateLimit ?? 0, options.sendRateWindowMs ?? LIMITS.sendRateWindowMs);
    this.realtime = new MemoryRealtime({
      typingTtlMs: options.typingTtlMs ?? LIMITS.typingTtlMs,
      // Presence goes only between people who share a conversation and have no block either way.
      peersOf: (userId) => [...new Set([...this.messages.peersOf(userId), ...this.groups.coMembers(userId)])].filter((peer) => !this.blocks.between(userId, peer)),
      hasUser: (userId) => this.accounts.has(userId),
      groupMembers: (id) => (this.groups.isGroup(id) ? this.groups.memberIds(id) : null),
      setLastSeen: (userId, at) => this.accounts.setLastSeen(userId, at),
    });
    this.groupRequests = new GroupRequests({ groups: this.groups, messages: this.messages, realtime: this.realtime, hasUser });
    const { messages, groups, realtime } = this;
    const [blocked, tryTake] = [(a: string, b: string) => this.blocks.between(a, b), (id: string) => this.sendRate.tryTake(id)];
    const sees = (me: string, m: Parameters<GroupRequests['sees']>[1]) => this.groupRequests.sees(me, m);
    this.actions = new MemoryActions({ messages, groups, realtime, blocked, tryTake, sees, now: () => this.now() });
    this.notifications = notificationsOn({ messages, groups, realtime, sees, hasUser, now: () => this.now() });
  }

  /** A transport for one engine (one device or tab): `createSyncEngine({ transport: server.transport() })`. */
  transport(options: MemoryTransportOptions = {}): TransportFactory {
    return memoryTransport(this, options);
  }

  /** Creates an account directly (no engine needed); returns the user and a new session's tokens. */
  addUser(username: string, password = 'password-123', displayName = username, userAgent?: string): { user: User } & TokenPair {
    const id = this.accounts.create(parseOrThrow(registerBodySchema, { username, password, displayName }));
    return { user: this.publicUser(id), ...this.sessionTable.open(id, userAgent) };
  }

  /** Scripts every later call (of every device) until the returned function is called. */
  intercept(interceptor: Interceptor): () => void {
    this.interceptors.push(interceptor);
    return () => {
      const i = this.interceptors.indexOf(interceptor);
      if (i >= 0) this.interceptors.splice(i, 1);
    };
  }

  /** Holds the answers of the calls `match` selects until `release()` (see Hold). */
  hold(match: (call: ServerCall) => boolean): Hold {
    return createHold((interceptor) => this.intercept(interceptor), match);
  }

  /** Every session ends: its access and refresh tokens are refused from now on. Open connections stay. */
  revokeTokens(): void {
    this.sessionTable.revokeAll();
  }

  /** Every access token issued so far has expired; refresh tokens still work (a device that slept). */
  expireAccessTokens(): void {
    this.sessionTable.expireAccessTokens();
  }

  /**
   * Ends every session of `userId` (DELETE /api/sessions/:id from another device, a password
   * change): their tokens are refused and their connections closed by the server.
   */
  revokeSessions(userId: string): void {
    for (const { id } of this.sessionTable.list(userId, null)) this.endSession(id);
  }

  /** Whether either user has blocked the other (POST /api/users/:id/block). */
  blocked(a: string, b: string): boolean {
    return this.blocks.between(a, b);
  }

  /** The live sessions of `userId` (GET /api/sessions). */
  sessions(userId: string) {
    return this.sessionTable.list(userId, null);
  }

  /** Drops every connection, as a server restart would; devices reconnect by themselves. */
  disconnectAll(): void {
    this.realtime.dropAll();
  }

  /**
   * true: every push (new-message, statuses, typing, presence) is lost while connections stay
   * up, as across server nodes while their Redis is down; `syncHint()` then tells every device
   * to catch up, as a node does when its Redis link is back.
   */
  dropPushes(dropping: boolean): void {
    this.realtime.dropPushes(dropping);
  }

  syncHint(): void {
    this.realtime.syncHint();
  }

  /** false: unreachable, as when the network or the server is down (REST and connects fail, connections drop). */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
    if (!reachable) this.disconnectAll();
  }

  /** Moves the server's clock forward (e.g. past the 15-minute edit window) without waiting. */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  private now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  /** A conversation as the server holds it, oldest → newest. */
  history(conversationId: string) {
    return this.messages.conversation(conversationId);
  }

  /** Stops timers and drops every connection; the server stays unreachable afterwards. */
  close(): void {
    this.setReachable(false);
    this.realtime.close();
  }

  // --- what a transport calls ---------------------------------------------------------

  get isReachable(): boolean {
    return this.reachable;
  }

  /** Who an access token stands for; null when refused (unknown, expired, revoked). */
  authenticate(token: string | null): Caller | null {
    const caller = this.sessionTable.authenticate(token);
    if (token && !caller) this.refusedTokens++;
    return caller;
  }

  /** Runs a call through the interceptors (the transport's `first`, then the server's), then the handler. */
  call(op: ServerOp, via: 'rest' | 'socket', caller: Caller | null, input: unknown, context: CallContext = {}): Promise<unknown> {
    const call = { op, via, userId: caller?.userId ?? null, input, dropConnection: () => context.from?.drop() } as ServerCall;
    const chain = context.first ? [context.first, ...this.interceptors] : [...this.interceptors];
    const run = (i: number): Promise<unknown> => {
      const interceptor = chain[i];
      return interceptor ? interceptor(call, () => run(i + 1)) : this.handle(op, via, caller, input, context);
    };
    return run(0);
  }

  /** Revokes a session and closes its connections, as logout and DELETE /api/sessions/:id do. */
  private endSession(sessionId: string): void {
    this.sessionTable.revoke(sessionId);
    this.realtime.kickSession(sessionId);
  }

  connected(connection: MemoryConnection): void {
    this.realtime.connected(connection);
  }

  disconnected(connection: MemoryConnection): void {
    this.realtime.disconnected(connection);
  }

  typing(from: string, to: string, typing: boolean): void {
    // Typing to someone on the other side of a block is dropped, as the real server does.
    if (typing && this.blocks.between(from, to)) return;
    this.realtime.typing(from, to, typing);
  }

  /** Typing in a conversation: a group's other members (members only), or a 1:1 conversation's peer. */
  typingIn(from: string, conversationId: string, typing: boolean): void {
    if (!this.groups.isGroup(conversationId)) {
      const peer = conversationPeer(conversationId, from);
      if (peer !== null) this.typing(from, peer, typing);
      return;
    }
    if (typing && !this.groups.isMember(conversationId, from)) return;
    this.realtime.typing(from, conversationId, typing);
  }

  // --- handlers ---------------------------------------------------------------------

  private async handle(op: ServerOp, via: 'rest' | 'socket', caller: Caller | null, input: unknown, { from, userAgent }: CallContext): Promise<unknown> {
    if (op === 'register') {
      const body = parseOrThrow(registerBodySchema, input);
      const { user, token, refreshToken } = this.addUser(body.username, body.password, body.displayName, userAgent);
      return { token, refreshToken, user };
    }
    if (op === 'login') {
      const body = parseOrThrow(loginBodySchema, input);
      const id = this.accounts.verify(body.username, body.password);
      return { ...this.sessionTable.open(id, userAgent), user: this.publicUser(id) };
    }
    if (op === 'refresh') {
      const body = refreshBodySchema.safeParse(input);
      if (!body.success) throw fail('UNAUTHENTICATED', 'invalid or expired refresh token');
      return this.sessionTable.refresh(body.data.refreshToken);
    }
    if (!caller) throw fail('UNAUTHENTICATED', 'invalid or expired token');
    if (isManagementOp(op)) return handleManagement(op, caller, input, this.management);
    const me = caller.userId;
    if (isGroupOp(op)) return this.groupRequests.handle(op, me, input);
    if (isActionOp(op)) return this.actions.handle(op, me, input, via === 'socket' ? from : undefined);
    if (isNotificationOp(op)) return this.notifications.handle(op, me, input, from);
    if (isMessageOp(op)) return handleMessageOp(this.messageOps, op, me, input, via, from);
    switch (op) {
      case 'logout':
        this.endSession(caller.sessionId);
        return undefined;
      case 'me':
        return { user: this.publicUser(me) };
      case 'updateProfile':
        return updateProfile(this.profileDeps, me, input);
      case 'avatar':
        return avatarOf(this.profileDeps, input);
      case 'searchUsers': {
        const { q } = parseOrThrow(userSearchQuerySchema, input);
        return { users: this.accounts.search(q, me).map((id) => this.publicUser(id)) };
      }
      case 'userStatus': {
        const target = parseOrThrow(userStatusPayloadSchema, input).userId;
        if (!this.accounts.has(target)) throw fail('NOT_FOUND', 'userId: no such user');
        if (this.blocks.between(me, target)) return { online: false, lastSeen: null };
        const user = this.publicUser(target);
        return { online: user.online, lastSeen: user.lastSeen };
      }
    }
  }

  private get messageOps(): MessageOpsDeps {
    const { messages, groups, groupRequests, realtime, actions, attachments, notifications } = this;
    const sends: SendDeps = { messages, groups, groupRequests, realtime, actions, attachments, hasUser: (id) => this.accounts.has(id), blocked: (a, b) => this.blocks.between(a, b), tryTake: (id) => this.sendRate.tryTake(id) };
    return { messages, groups, groupRequests, notifications, realtime, attachments, sends, publicUser: (id) => this.publicUser(id) };
  }

  private get profileDeps(): ProfileDeps {
    return {
      accounts: this.accounts,
      attachments: this.attachments,
      realtime: this.realtime,
      contactsOf: (id) => [...new Set([...this.messages.peersOf(id), ...this.groups.coMembers(id)])],
      publicUser: (id) => this.publicUser(id),
    };
  }

  private get management(): ManagementDeps {
    return {
      sessions: this.sessionTable,
      endSession: (id) => this.endSession(id),
      blocks: this.blocks,
      realtime: this.realtime,
      hasUser: (id) => this.accounts.has(id),
      publicUser: (id) => this.publicUser(id),
    };
  }

  private publicUser(id: string): User {
    const profile = this.accounts.profile(id);
    if (!profile) throw fail('UNAUTHENTICATED', 'account not found');
    return { ...profile, online: this.realtime.isOnline(id) };
  }
}

export function createMemoryServer(options: MemoryServerOptions = {}): MemoryServer {
  return new MemoryServer(options);
}
