/**
 * An in-memory Pigeon server for engine tests: the behaviour of the real one
 * (docs/api.md) that a device can observe — accounts and tokens, seq per
 * conversation, dedupe by (sender, clientId), the sync change log, history pages,
 * receipts, presence and typing events, the per-user send rate limit — without
 * sockets, HTTP or a database. Each engine reaches it through `transport()`.
 *
 * Faults are scripted with interceptors: every call passes `intercept` functions
 * that may fail it, delay it, hold its answer or cut the caller's connection.
 * `hold()` is the barrier for tests that must act while a request is in flight.
 */
import { conversationPeer, directConversationId } from '../conversation-id.ts';
import { decodeHistoryCursor, decodeSyncCursor, encodeHistoryCursor, encodeSyncCursor } from '../cursor.ts';
import type { ServerToClientEvents } from '../events/socket-types.ts';
import { messageReadPayloadSchema, messageReceivedPayloadSchema, userStatusPayloadSchema } from '../events/up.ts';
import { LIMITS } from '../limits.ts';
import { sendMessageInputSchema, type SendMessageInput } from '../model/message.ts';
import type { User } from '../model/user.ts';
import { loginBodySchema, registerBodySchema } from '../rest/auth.ts';
import { historyQuerySchema } from '../rest/messages.ts';
import { syncQuerySchema } from '../rest/sync.ts';
import { userSearchQuerySchema } from '../rest/users.ts';
import type { TransportFactory } from '../engine/transport/transport.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import { MemoryAccounts } from './memory-accounts.ts';
import { MemoryMessages } from './memory-messages.ts';
import { memoryTransport, type MemoryTransportOptions } from './memory-transport.ts';
import { createSendRate } from './send-rate.ts';
import { createTypingTtl } from './typing-ttl.ts';

export type ServerOp = 'register' | 'login' | 'me' | 'searchUsers' | 'conversations' | 'history' | 'sync' | 'sendMessage' | 'messageReceived' | 'messageRead' | 'userStatus';

/** One request as an interceptor sees it. */
export type ServerCall = {
  via: 'rest' | 'socket';
  /** The caller, once authenticated; null for register/login or a refused token. */
  userId: string | null;
  /** Socket calls: cut the caller's connection instead of answering (an ack lost in the network). */
  dropConnection(): void;
} & ({ op: 'sendMessage'; input: SendMessageInput } | { op: Exclude<ServerOp, 'sendMessage'>; input: unknown });

/** Runs around a call: `next()` computes the server's answer. Throw to fail the call. */
export type Interceptor = (call: ServerCall, next: () => Promise<unknown>) => Promise<unknown>;

export interface MemoryServerOptions {
  /** Sends per user per window, as SEND_RATE_LIMIT does on the real server. 0 (default): no limit. */
  sendRateLimit?: number;
  sendRateWindowMs?: number;
  /** Typing TTL: a typing state not renewed for this long is stopped. Default LIMITS.typingTtlMs. */
  typingTtlMs?: number;
}

/** Held answers: computed when the call arrives, delivered on `release()`. */
export interface Hold {
  /** Calls held so far. */
  readonly count: number;
  /** Resolves when the first call is held. */
  readonly reached: Promise<void>;
  /** Delivers every held answer, and stops holding. */
  release(): void;
}

/** A device's realtime connection, as the server sees it. */
export interface MemoryConnection {
  readonly userId: string;
  deliver<E extends keyof ServerToClientEvents>(event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void;
  /** Cut by the server or the network: the device sees a disconnect and reconnects. */
  drop(): void;
}

export class MemoryServer {
  readonly messages = new MemoryMessages(() => new Date());
  private readonly accounts = new MemoryAccounts();
  private readonly connections = new Set<MemoryConnection>();
  private readonly interceptors: Interceptor[] = [];
  private readonly sendRate;
  private readonly typingStates;
  private reachable = true;

  constructor(options: MemoryServerOptions = {}) {
    this.sendRate = createSendRate(options.sendRateLimit ?? 0, options.sendRateWindowMs ?? LIMITS.sendRateWindowMs);
    this.typingStates = createTypingTtl(options.typingTtlMs ?? LIMITS.typingTtlMs, (from, to, event) => {
      this.emit([to], event, { from, conversationId: directConversationId(from, to) });
    });
  }

  /** A transport for one engine (one device or tab): `createSyncEngine({ transport: server.transport() })`. */
  transport(options: MemoryTransportOptions = {}): TransportFactory {
    return memoryTransport(this, options);
  }

  /** Creates an account directly (no engine needed); returns the user and a valid token. */
  addUser(username: string, password = 'password-123', displayName = username): { user: User; token: string } {
    const id = this.accounts.create(parseOrThrow(registerBodySchema, { username, password, displayName }));
    return { user: this.publicUser(id), token: this.accounts.issue(id) };
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
    let count = 0;
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const hold: Hold = {
      reached: new Promise<void>((r) => (reached = r)),
      release: () => {
        remove();
        release();
      },
      get count() {
        return count;
      },
    };
    const remove = this.intercept(async (call, next) => {
      if (!match(call)) return next();
      const answer = next().then((value) => ({ value }), (error: unknown) => ({ error }));
      await answer;
      count++;
      reached();
      await released;
      const outcome = await answer;
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    });
    return hold;
  }

  /** Every token issued so far is refused from now on (a rotated signing key). Open connections stay. */
  revokeTokens(): void {
    this.accounts.revokeAll();
  }

  /** Drops every connection, as a server restart would; devices reconnect by themselves. */
  disconnectAll(): void {
    for (const c of [...this.connections]) c.drop();
  }

  /** false: unreachable, as when the network or the server is down (REST and connects fail, connections drop). */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
    if (!reachable) this.disconnectAll();
  }

  /** A conversation as the server holds it, oldest → newest. */
  history(conversationId: string) {
    return this.messages.conversation(conversationId);
  }

  /** Stops timers and drops every connection; the server stays unreachable afterwards. */
  close(): void {
    this.setReachable(false);
    this.typingStates.clear();
  }

  // --- what a transport calls ---------------------------------------------------------

  get isReachable(): boolean {
    return this.reachable;
  }

  /** The user a token belongs to; null when refused. */
  authenticate(token: string | null): string | null {
    return this.accounts.authenticate(token);
  }

  /**
   * Runs a call through the interceptors (`first`, then the server's), then the handler.
   * `from` is the caller's connection (socket calls).
   */
  call(op: ServerOp, via: 'rest' | 'socket', userId: string | null, input: unknown, from?: MemoryConnection, first?: Interceptor): Promise<unknown> {
    const call = { op, via, userId, input, dropConnection: () => from?.drop() } as ServerCall;
    const chain = first ? [first, ...this.interceptors] : [...this.interceptors];
    const run = (i: number): Promise<unknown> => {
      const interceptor = chain[i];
      return interceptor ? interceptor(call, () => run(i + 1)) : this.handle(op, via, userId, input, from);
    };
    return run(0);
  }

  connected(connection: MemoryConnection): void {
    this.connections.add(connection);
    this.emit(this.messages.peersOf(connection.userId), 'user-online', { userId: connection.userId });
  }

  disconnected(connection: MemoryConnection): void {
    if (!this.connections.delete(connection)) return;
    const { userId } = connection;
    if ([...this.connections].some((c) => c.userId === userId)) return; // not the user's last connection
    const lastSeen = new Date().toISOString();
    this.accounts.setLastSeen(userId, lastSeen);
    this.typingStates.stopAllFrom(userId);
    this.emit(this.messages.peersOf(userId), 'user-offline', { userId, lastSeen });
  }

  typing(from: string, to: string, typing: boolean): void {
    if (!typing) return this.typingStates.stop(from, to);
    if (to !== from && this.accounts.has(to)) this.typingStates.start(from, to);
  }

  // --- handlers ---------------------------------------------------------------------

  private async handle(op: ServerOp, via: 'rest' | 'socket', userId: string | null, input: unknown, from?: MemoryConnection): Promise<unknown> {
    if (op === 'register') {
      const body = parseOrThrow(registerBodySchema, input);
      const { user, token } = this.addUser(body.username, body.password, body.displayName);
      return { token, user };
    }
    if (op === 'login') {
      const body = parseOrThrow(loginBodySchema, input);
      const id = this.accounts.verify(body.username, body.password);
      return { token: this.accounts.issue(id), user: this.publicUser(id) };
    }
    if (!userId) throw fail('UNAUTHENTICATED', 'invalid or expired token');
    const me = userId;
    switch (op) {
      case 'me':
        return { user: this.publicUser(me) };
      case 'searchUsers': {
        const { q } = parseOrThrow(userSearchQuerySchema, input);
        return { users: this.accounts.search(q, me).map((id) => this.publicUser(id)) };
      }
      case 'conversations':
        return { conversations: this.messages.conversations(me).map(({ peerId, ...c }) => ({ ...c, peer: this.publicUser(peerId) })) };
      case 'history': {
        const query = parseOrThrow(historyQuerySchema, input);
        const conversationId = query.id!;
        if (conversationPeer(conversationId, me) === null) throw fail('FORBIDDEN', 'id: not a member of this conversation');
        const messages = this.messages.history(conversationId, query.before ? decodeHistoryCursor(query.before) : null, query.limit);
        const oldest = messages[0];
        const nextCursor = oldest && messages.length === query.limit && oldest.seq > 1 ? encodeHistoryCursor(oldest.seq) : null;
        return { messages, nextCursor };
      }
      case 'sync': {
        const { since, limit } = parseOrThrow(syncQuerySchema, input);
        const page = this.messages.changesSince(me, decodeSyncCursor(since), limit);
        return { messages: page.messages, cursor: encodeSyncCursor(page.position), hasMore: page.hasMore };
      }
      case 'sendMessage': {
        const send = parseOrThrow(sendMessageInputSchema, input);
        if (!this.sendRate.tryTake(me)) throw fail('RATE_LIMITED', 'too many messages, slow down');
        if (send.to === me) throw fail('VALIDATION', 'to: cannot send a message to yourself');
        if (!this.accounts.has(send.to)) throw fail('NOT_FOUND', 'to: no such user');
        const { message, created } = this.messages.store({ senderId: me, recipientId: send.to, clientId: send.clientId, body: send.body });
        if (created) this.emit([message.recipientId, message.senderId], 'new-message', { message }, via === 'socket' ? from : undefined);
        return message;
      }
      case 'messageReceived': {
        const { messageIds } = parseOrThrow(messageReceivedPayloadSchema, input);
        this.pushStatus(me, this.messages.markDelivered(me, [...new Set(messageIds)]), 'delivered', from);
        return undefined;
      }
      case 'messageRead': {
        const { conversationId, upToSeq } = parseOrThrow(messageReadPayloadSchema, input);
        if (conversationPeer(conversationId, me) === null) throw fail('FORBIDDEN', 'not a member of this conversation');
        this.pushStatus(me, this.messages.markRead(me, conversationId, upToSeq), 'read', from);
        return undefined;
      }
      case 'userStatus': {
        const target = parseOrThrow(userStatusPayloadSchema, input).userId;
        if (!this.accounts.has(target)) throw fail('NOT_FOUND', 'userId: no such user');
        const user = this.publicUser(target);
        return { online: user.online, lastSeen: user.lastSeen };
      }
    }
  }

  /** `message-status` per conversation to the senders and the reader's other connections. */
  private pushStatus(readerId: string, changed: readonly { id: string; conversationId: string; senderId: string }[], status: 'delivered' | 'read', except?: MemoryConnection): void {
    const at = new Date().toISOString();
    for (const conversationId of new Set(changed.map((m) => m.conversationId))) {
      const group = changed.filter((m) => m.conversationId === conversationId);
      const senders = new Set(group.map((m) => m.senderId));
      this.emit([...senders, readerId], 'message-status', { messageIds: group.map((m) => m.id), conversationId, status, at }, except);
    }
  }

  private emit<E extends keyof ServerToClientEvents>(userIds: readonly string[], event: E, payload: Parameters<ServerToClientEvents[E]>[0], except?: MemoryConnection): void {
    const to = new Set(userIds);
    for (const c of this.connections) if (c !== except && to.has(c.userId)) c.deliver(event, payload);
  }

  private publicUser(id: string): User {
    const profile = this.accounts.profile(id);
    if (!profile) throw fail('UNAUTHENTICATED', 'account not found');
    return { ...profile, online: [...this.connections].some((c) => c.userId === id) };
  }
}

export function createMemoryServer(options: MemoryServerOptions = {}): MemoryServer {
  return new MemoryServer(options);
}
