/**
 * The Transport of one engine on a MemoryServer: what socket-io-transport.ts does
 * over the network, done with function calls. It keeps the transport rules the
 * engine relies on (engine/transport/transport.ts): nothing is queued while
 * disconnected, acked calls time out and fail on disconnect, answers and events
 * arrive asynchronously and as copies (as if serialized), a refused token is
 * UNAUTHENTICATED (a refused handshake is final, as with Socket.io), a dropped
 * connection reconnects by itself, and so does one the server closed on purpose
 * ('io server disconnect'), as socket.ts does.
 */
import { PigeonError } from '../errors.ts';
import type { ServerToClientEvents } from '../events/socket-types.ts';
import type { SendBatchResult } from '../events/send-batch.ts';
import type { Message } from '../model/message.ts';
import type { SyncOptions } from '../rest/sync.ts';
import { networkError, type Transport, type TransportContext, type TransportEvents, type TransportFactory } from '../engine/transport/transport.ts';
import { deliverEvent } from './memory-events.ts';
import type { MemoryServer } from './memory-server.ts';
import type { Interceptor, MemoryConnection, ServerOp } from './memory-types.ts';

export interface MemoryTransportOptions {
  /** Scripts this transport's calls only; runs before the server's interceptors. */
  intercept?: Interceptor;
  /** Delay of every request, answer and pushed event (ms). Default 0: asynchronous all the same. */
  latencyMs?: number;
  /** Wait before reconnecting after a dropped connection or a failed connect (ms). Default 20. */
  reconnectDelayMs?: number;
  /** The device's User-Agent, as the session list shows it. Default 'memory-transport'. */
  userAgent?: string;
  /**
   * Offer batched sends (`sendMessages`, server op 'sendMessages'), as the socket.io transport does.
   * Off by default: scenarios that script failures intercept the 'sendMessage' op.
   */
  batchedSends?: boolean;
}

export function memoryTransport(server: MemoryServer, options: MemoryTransportOptions): TransportFactory {
  return (context) => new MemoryTransport(server, options, context);
}

/** A socket failure (timeout, disconnect, not connected): retryable, as socket.ts reports it. */
const socketError = (why: string) => new PigeonError('UNAVAILABLE', `socket: ${why}`, { socket: true });

/** The server op of each action kind (memory-actions.ts). */
const ACTION_OPS = { react: 'react', edit: 'editMessage', delete: 'deleteMessage', hide: 'hideMessage' } as const satisfies Record<string, ServerOp>;

const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class MemoryTransport implements Transport {
  private events: TransportEvents | null = null;
  private connection: (MemoryConnection & { alive: boolean }) | null = null;
  /** Bumped by open/close/each connect attempt, so a stale timer does nothing. */
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly pendingAcks = new Set<(error: PigeonError) => void>();
  private readonly latencyMs: number;
  private readonly reconnectDelayMs: number;
  /** Present only with the batchedSends option: the engine sends one message at a time without it. */
  readonly sendMessages?: Transport['sendMessages'];

  constructor(
    private readonly server: MemoryServer,
    private readonly options: MemoryTransportOptions,
    private readonly context: TransportContext,
  ) {
    this.latencyMs = options.latencyMs ?? 0;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 20;
    if (options.batchedSends) {
      this.sendMessages = async (inputs, via) => {
        const input = { messages: inputs };
        const answer = (await (via === 'socket' ? this.socketCall('sendMessages', input) : this.rest('sendMessages', input))) as { results: SendBatchResult[] };
        return answer.results;
      };
    }
  }

  get connected(): boolean {
    return this.connection !== null;
  }

  open(events: TransportEvents): void {
    this.close();
    this.events = events;
    this.scheduleConnect(0);
  }

  close(): void {
    this.attempt++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.events = null;
    const connection = this.connection;
    this.connection = null;
    if (connection) {
      connection.alive = false;
      this.server.disconnected(connection);
    }
    this.failPendingAcks('socket has been disconnected');
  }

  dropConnection(): void {
    this.connection?.drop();
  }

  register(body: { username: string; password: string; displayName?: string }) {
    return this.rest('register', body, false) as ReturnType<Transport['register']>;
  }
  login(body: { username: string; password: string }) {
    return this.rest('login', body, false) as ReturnType<Transport['login']>;
  }
  refresh(refreshToken: string) {
    return this.rest('refresh', { refreshToken }, false) as ReturnType<Transport['refresh']>;
  }
  async logout(accessToken: string): Promise<void> {
    await this.rest('logout', {}, true, accessToken);
  }
  me() {
    return this.rest('me', {}) as ReturnType<Transport['me']>;
  }
  updateProfile(change: Parameters<Transport['updateProfile']>[0]) {
    return this.rest('updateProfile', change) as ReturnType<Transport['updateProfile']>;
  }
  /** null for NOT_FOUND, as the REST transport reads a 404. */
  async avatar(userId: string): Promise<Blob | null> {
    try {
      return (await this.rest('avatar', { userId })) as Blob;
    } catch (e) {
      if (e instanceof PigeonError && e.code === 'NOT_FOUND') return null;
      throw e;
    }
  }
  searchUsers(q: string) {
    return this.rest('searchUsers', { q }) as ReturnType<Transport['searchUsers']>;
  }
  users(ids: readonly string[]) {
    return this.rest('users', { ids: ids.join(',') }) as ReturnType<Transport['users']>;
  }
  conversations() {
    return this.rest('conversations', {}) as ReturnType<Transport['conversations']>;
  }
  sessions() {
    return this.rest('sessions', {}) as ReturnType<Transport['sessions']>;
  }
  async revokeSession(id: string): Promise<void> {
    await this.rest('revokeSession', { id });
  }
  async block(id: string): Promise<void> {
    await this.rest('block', { id });
  }
  async unblock(id: string): Promise<void> {
    await this.rest('unblock', { id });
  }
  blocked() {
    return this.rest('blocked', {}) as ReturnType<Transport['blocked']>;
  }
  history(id: string, before: string | null, limit: number) {
    return this.rest('history', { id, limit, ...(before ? { before } : {}) }) as ReturnType<Transport['history']>;
  }
  sync(since: string, limit: number, options: SyncOptions = {}) {
    return this.rest('sync', { since, limit, ...(options.omitOwnDelivered ? { omit: 'own-delivered' } : {}) }) as ReturnType<Transport['sync']>;
  }
  createGroup(body: Parameters<Transport['createGroup']>[0]) {
    return this.rest('createGroup', body) as ReturnType<Transport['createGroup']>;
  }
  changeGroup(id: string, change: Parameters<Transport['changeGroup']>[1], clientId: string) {
    return this.rest('changeGroup', { id, change, clientId }) as ReturnType<Transport['changeGroup']>;
  }
  conversation(id: string) {
    return this.rest('conversation', { id }) as ReturnType<Transport['conversation']>;
  }
  messageReceipts(id: string) {
    return this.rest('messageReceipts', { id }) as ReturnType<Transport['messageReceipts']>;
  }
  /** The Blob goes to the server as it is (its bytes are read there); an aborted request never leaves. */
  uploadAttachment({ signal, ...request }: Parameters<Transport['uploadAttachment']>[0]) {
    if (signal?.aborted) return Promise.reject(networkError('aborted'));
    return this.rest('uploadAttachment', request) as ReturnType<Transport['uploadAttachment']>;
  }
  downloadAttachment(id: string, options: Parameters<Transport['downloadAttachment']>[1] = {}) {
    if (options.signal?.aborted) return Promise.reject(networkError('aborted'));
    return this.rest('downloadAttachment', { id, thumbnail: options.thumbnail === true }) as ReturnType<Transport['downloadAttachment']>;
  }
  sendMessage(input: Parameters<Transport['sendMessage']>[0], via: 'socket' | 'rest'): Promise<Message> {
    return (via === 'socket' ? this.socketCall('sendMessage', input) : this.rest('sendMessage', input)) as Promise<Message>;
  }
  messageAction(input: Parameters<Transport['messageAction']>[0], via: 'socket' | 'rest'): Promise<Message> {
    const { kind, ...rest } = input;
    const op = ACTION_OPS[kind];
    return (via === 'socket' ? this.socketCall(op, rest) : this.rest(op, rest)) as Promise<Message>;
  }
  async messageReceived(messageIds: string[]): Promise<void> {
    await this.socketCall('messageReceived', { messageIds });
  }
  async messageRead(conversationId: string, upToSeq: number): Promise<void> {
    await this.socketCall('messageRead', { conversationId, upToSeq });
  }
  userStatus(userId: string) {
    return this.socketCall('userStatus', { userId }) as ReturnType<Transport['userStatus']>;
  }
  // REST on the real server (model/notifications.ts, model/search.ts).
  searchMessages = (query: Parameters<Transport['searchMessages']>[0]) => this.rest('searchMessages', query) as ReturnType<Transport['searchMessages']>;
  setMute = (id: string, muted: boolean) => this.rest('setMute', { id, muted }) as ReturnType<Transport['setMute']>;
  mutes = () => this.rest('mutes', {}) as ReturnType<Transport['mutes']>;
  pushConfig = () => this.rest('pushConfig', {}) as ReturnType<Transport['pushConfig']>;
  addPushSubscription = async (input: Parameters<Transport['addPushSubscription']>[0]): Promise<void> => void (await this.rest('addPushSubscription', input));
  removePushSubscription = async (endpoint: string): Promise<void> => void (await this.rest('removePushSubscription', { endpoint }));
  typing(to: string, typing: boolean): void {
    const connection = this.connection;
    if (connection) setTimeout(() => connection.alive && this.server.typing(connection.userId, to, typing), this.latencyMs);
  }
  typingIn(conversationId: string, typing: boolean): void {
    const connection = this.connection;
    if (connection) setTimeout(() => connection.alive && this.server.typingIn(connection.userId, conversationId, typing), this.latencyMs);
  }

  // --- calls ------------------------------------------------------------------------

  /** `bearer`: this token instead of the session's (logout). The token is read when the request leaves. */
  private async rest(op: ServerOp, input: unknown, auth = true, bearer?: string): Promise<unknown> {
    const token = bearer ?? (auth ? this.context.getToken() : null);
    if (auth && !token) throw new PigeonError('UNAUTHENTICATED', 'not signed in');
    await later(this.latencyMs);
    if (!this.server.isReachable) throw networkError('fetch failed');
    const context = { ...(this.options.intercept ? { first: this.options.intercept } : {}), ...(this.options.userAgent ? { userAgent: this.options.userAgent } : {}) };
    const answer = await this.server.call(op, 'rest', auth ? this.server.authenticate(token) : null, input, context);
    return answer === undefined ? undefined : structuredClone(answer);
  }

  private socketCall(op: ServerOp, input: unknown): Promise<unknown> {
    const connection = this.connection;
    if (!connection) return Promise.reject(socketError('not connected'));
    return new Promise((resolve, reject) => {
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        this.pendingAcks.delete(abort);
        finish();
      };
      const abort = (error: PigeonError) => settle(() => reject(error));
      const timer = setTimeout(() => abort(socketError('operation has timed out')), this.context.ackTimeoutMs);
      this.pendingAcks.add(abort);
      // An ack travels on its connection: once that is cut, the call fails by timeout or disconnect.
      const answer = (finish: () => void) => setTimeout(() => connection.alive && this.pendingAcks.has(abort) && settle(finish), this.latencyMs);
      later(this.latencyMs)
        .then(() => this.server.call(op, 'socket', connection, input, { from: connection, ...(this.options.intercept ? { first: this.options.intercept } : {}) }))
        .then(
          (value) => answer(() => resolve(structuredClone(value))),
          (error: unknown) => answer(() => reject(ackError(error))),
        );
    });
  }

  // --- connection -------------------------------------------------------------------

  private scheduleConnect(delayMs: number): void {
    const attempt = ++this.attempt;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (attempt === this.attempt) this.connect();
    }, delayMs + this.latencyMs);
  }

  private connect(): void {
    const events = this.events;
    if (!events) return;
    if (!this.server.isReachable) {
      events.connectError(false, new Error('websocket error'));
      return this.scheduleConnect(this.reconnectDelayMs);
    }
    const caller = this.server.authenticate(this.context.getToken());
    // A refused handshake is final, as with Socket.io: the engine decides (refresh, or sign out).
    if (!caller) return events.connectError(true, new Error('UNAUTHENTICATED'));
    const connection: MemoryConnection & { alive: boolean } = {
      ...caller,
      alive: true,
      deliver: (event, payload) => {
        setTimeout(() => connection.alive && this.dispatch(event, payload), this.latencyMs);
      },
      drop: () => {
        if (!connection.alive) return;
        connection.alive = false;
        this.server.disconnected(connection);
        setTimeout(() => this.lost(connection, 'transport close'), this.latencyMs);
      },
      kick: () => {
        if (!connection.alive) return;
        connection.alive = false;
        this.server.disconnected(connection);
        setTimeout(() => this.lost(connection, 'io server disconnect'), this.latencyMs);
      },
    };
    this.connection = connection;
    this.server.connected(connection);
    events.connect();
  }

  /** The device notices its connection is gone: fail what waits for an ack, reconnect. */
  private lost(connection: MemoryConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.failPendingAcks('socket has been disconnected');
    this.events?.disconnect(reason);
    this.scheduleConnect(this.reconnectDelayMs);
  }

  private failPendingAcks(why: string): void {
    for (const abort of [...this.pendingAcks]) abort(socketError(why));
  }

  private dispatch<E extends keyof ServerToClientEvents>(event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void {
    if (this.events) deliverEvent(this.events, event, payload);
  }
}

/** A refusal as a socket ack carries it: code and message only (no HTTP status). */
function ackError(error: unknown): unknown {
  if (error instanceof PigeonError && (error.details as { status?: number } | undefined)?.status !== undefined) {
    return new PigeonError(error.code, error.message);
  }
  return error;
}
