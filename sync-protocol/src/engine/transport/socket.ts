/**
 * The Socket.io half of the default transport. It never buffers: socket.io-client would
 * queue emits made while disconnected and replay them on reconnect (and lose them
 * on reload), which would compete with the outbox. So every emit first checks the
 * connection, acked emits carry a timeout, and the send buffer is cleared on
 * disconnect. The outbox (durable) is the only queue.
 *
 * Connection-state recovery is treated as absent: after any reconnect the engine
 * catches up through REST, which is the source of truth.
 */
import { io, type Socket } from 'socket.io-client';
import { PigeonError } from '../../errors.ts';
import { backoffDelay } from '../util/backoff.ts';
import { conversationMutedEventSchema } from '../../model/notifications.ts';
import { conversationUpdatedEventSchema, messageActionAckSchema, messageStatusEventSchema, messageUpdatedEventSchema, newMessageEventSchema, okAckSchema, presenceEventSchema, readPositionEventSchema, sendMessageAckSchema, syncHintEventSchema, typingEventSchema, userStatusAckSchema, userUpdatedEventSchema } from '../../events/down.ts';
import { sendMessagesAckSchema, type SendBatchResult } from '../../events/send-batch.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../events/socket-types.ts';
import type { Message, SendMessageInput } from '../../model/message.ts';

import type { MessageActionInput, TransportEvents } from './transport.ts';

/** The socket event of each action kind (contract v2; `hide-message` is an extension). */
const ACTION_EVENTS = { react: 'react', edit: 'edit-message', delete: 'delete-message', hide: 'hide-message' } as const;
type ActionEvent = (typeof ACTION_EVENTS)[keyof typeof ACTION_EVENTS];

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SocketTransportOptions {
  url: string;
  ackTimeoutMs: number;
  reconnectionDelayMs: number;
  reconnectionDelayMaxMs: number;
  connectTimeoutMs: number;
  transports?: ('websocket' | 'polling')[];
}

/** A socket failure: timeout, disconnect while waiting, or not connected. Always retryable. */
const unavailable = (why: string) => new PigeonError('UNAVAILABLE', `socket: ${why}`, { socket: true });

export class SocketTransport {
  private socket: ClientSocket | null = null;
  private kickTimer: ReturnType<typeof setTimeout> | null = null;
  /** Consecutive handshake refusals, for the reconnect backoff. */
  private refusals = 0;

  constructor(private readonly options: SocketTransportOptions) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  open(getToken: () => string | null, handlers: TransportEvents): void {
    this.close();
    const opts = {
      // A function, so every reconnection reads the current token.
      auth: (cb: (data: object) => void) => cb({ token: getToken() }),
      transports: this.options.transports ?? ['websocket', 'polling'],
      reconnectionDelay: this.options.reconnectionDelayMs,
      reconnectionDelayMax: this.options.reconnectionDelayMaxMs,
      randomizationFactor: 0.5,
      timeout: this.options.connectTimeoutMs,
    };
    const socket: ClientSocket = this.options.url ? io(this.options.url, opts) : io(opts);
    this.socket = socket;
    socket.on('connect', () => handlers.connect());
    socket.on('disconnect', (reason) => {
      socket.sendBuffer = [];
      handlers.disconnect(reason);
      // The server closed this socket on purpose (e.g. restart, kicked); socket.io does
      // not reconnect by itself then. Try again: a revoked token comes back as connect_error.
      if (reason === 'io server disconnect') this.scheduleReconnect(socket, 1);
    });
    socket.on('connect', () => (this.refusals = 0));
    socket.on('connect_error', (error) => {
      const data = (error as Error & { data?: { code?: string } }).data;
      const unauthenticated = error.message === 'UNAUTHENTICATED' || data?.code === 'UNAUTHENTICATED';
      handlers.connectError(unauthenticated, error);
      // A refusal by the server's middleware (e.g. UNAVAILABLE while it shuts down) leaves the
      // socket inactive: socket.io retries only transport failures by itself. Retry with backoff.
      if (!unauthenticated && !socket.active) this.scheduleReconnect(socket, ++this.refusals);
    });
    socket.on('new-message', (e) => {
      const parsed = newMessageEventSchema.safeParse(e);
      if (parsed.success) handlers.newMessage(parsed.data.message);
    });
    socket.on('message-status', (e) => {
      const parsed = messageStatusEventSchema.safeParse(e);
      if (parsed.success) handlers.status(parsed.data);
    });
    for (const [event, typing] of [['typing', true], ['typing-stopped', false]] as const) {
      socket.on(event, (e) => {
        const parsed = typingEventSchema.safeParse(e);
        if (parsed.success) handlers.typing(parsed.data, typing);
      });
    }
    for (const [event, online] of [['user-online', true], ['user-offline', false]] as const) {
      socket.on(event, (e) => {
        const parsed = presenceEventSchema.safeParse(e);
        if (parsed.success) handlers.presence(parsed.data, online);
      });
    }
    socket.on('conversation-updated', (e) => {
      const parsed = conversationUpdatedEventSchema.safeParse(e);
      if (parsed.success) handlers.conversationUpdated?.(parsed.data.conversation);
    });
    socket.on('message-updated', (e) => {
      const parsed = messageUpdatedEventSchema.safeParse(e);
      if (parsed.success) handlers.messageUpdated?.(parsed.data.message);
    });
    socket.on('read-position', (e) => {
      const parsed = readPositionEventSchema.safeParse(e);
      if (parsed.success) handlers.readPosition?.(parsed.data);
    });
    socket.on('user-updated', (e) => {
      const parsed = userUpdatedEventSchema.safeParse(e);
      if (parsed.success) handlers.userUpdated?.(parsed.data);
    });
    socket.on('conversation-muted', (e) => {
      const parsed = conversationMutedEventSchema.safeParse(e);
      if (parsed.success) handlers.conversationMuted?.(parsed.data.mute);
    });
    socket.on('sync-hint', (e) => {
      if (syncHintEventSchema.safeParse(e).success) handlers.syncHint?.();
    });
  }

  close(): void {
    if (this.kickTimer) clearTimeout(this.kickTimer);
    this.kickTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners();
      socket.disconnect();
    }
  }

  /** Drops the connection as a network failure would (socket.io reconnects by itself). For tests and chaos. */
  dropConnection(): void {
    this.socket?.io.engine?.close();
  }

  async sendMessage(input: SendMessageInput): Promise<Message> {
    const ack = sendMessageAckSchema.safeParse(await this.emitWithAck('send-message', input));
    if (!ack.success) throw new PigeonError('INTERNAL', 'socket: malformed send-message ack');
    if (!ack.data.ok) throw new PigeonError(ack.data.code, ack.data.message);
    return ack.data.message;
  }

  /** `send-messages` (extension, events/send-batch.ts): one result per message handled, a prefix of `inputs` in order. */
  async sendMessages(inputs: readonly SendMessageInput[]): Promise<SendBatchResult[]> {
    const ack = sendMessagesAckSchema.safeParse(await this.emitWithAck('send-messages', { messages: inputs }));
    if (!ack.success) throw new PigeonError('INTERNAL', 'socket: malformed send-messages ack');
    if (!ack.data.ok) throw new PigeonError(ack.data.code, ack.data.message);
    return ack.data.results;
  }

  async messageAction(input: MessageActionInput): Promise<Message> {
    const { kind, clientId, messageId } = input;
    const payload = input.kind === 'react' ? { clientId, messageId, emoji: input.emoji } : input.kind === 'edit' ? { clientId, messageId, body: input.body } : { clientId, messageId };
    const ack = messageActionAckSchema.safeParse(await this.emitWithAck(ACTION_EVENTS[kind], payload));
    if (!ack.success) throw new PigeonError('INTERNAL', `socket: malformed ${ACTION_EVENTS[kind]} ack`);
    if (!ack.data.ok) throw new PigeonError(ack.data.code, ack.data.message);
    return ack.data.message;
  }

  async messageReceived(messageIds: string[]): Promise<void> {
    this.okAck(await this.emitWithAck('message-received', { messageIds }));
  }

  async messageRead(conversationId: string, upToSeq: number): Promise<void> {
    this.okAck(await this.emitWithAck('message-read', { conversationId, upToSeq }));
  }

  async userStatus(userId: string): Promise<{ online: boolean; lastSeen: string | null }> {
    const ack = userStatusAckSchema.safeParse(await this.emitWithAck('user-status', { userId }));
    if (!ack.success) throw new PigeonError('INTERNAL', 'socket: malformed user-status ack');
    if (!ack.data.ok) throw new PigeonError(ack.data.code, ack.data.message);
    return { online: ack.data.online, lastSeen: ack.data.lastSeen };
  }

  /** Fire-and-forget; dropped when disconnected (typing is worthless later). */
  typing(to: string, typing: boolean): void {
    if (this.socket?.connected) this.socket.emit(typing ? 'typing' : 'typing-stopped', { to });
  }

  typingIn(conversationId: string, typing: boolean): void {
    if (this.socket?.connected) this.socket.emit(typing ? 'typing' : 'typing-stopped', { conversationId });
  }

  private okAck(res: unknown): void {
    const ack = okAckSchema.safeParse(res);
    if (!ack.success) throw new PigeonError('INTERNAL', 'socket: malformed ack');
    if (!ack.data.ok) throw new PigeonError(ack.data.code, ack.data.message);
  }

  private emitWithAck(event: 'send-message' | 'send-messages' | 'message-received' | 'message-read' | 'user-status' | ActionEvent, payload: object): Promise<unknown> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.reject(unavailable('not connected'));
    return new Promise((resolve, reject) => {
      // Untyped on purpose: one helper for several events whose ack types are checked by zod above.
      (socket.timeout(this.options.ackTimeoutMs) as unknown as { emit: (e: string, p: object, cb: (err: Error | null, res: unknown) => void) => void }).emit(
        event,
        payload,
        (err, res) => (err ? reject(unavailable(err.message)) : resolve(res)),
      );
    });
  }

  private scheduleReconnect(socket: ClientSocket, attempt: number): void {
    if (this.kickTimer) clearTimeout(this.kickTimer);
    const delay = backoffDelay(attempt, { baseMs: this.options.reconnectionDelayMs, maxMs: this.options.reconnectionDelayMaxMs });
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      if (this.socket === socket && !socket.connected) socket.connect();
    }, delay);
  }
}
