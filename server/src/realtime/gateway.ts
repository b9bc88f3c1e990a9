import { Server, type ServerOptions } from 'socket.io';
import { isPigeonError, LIMITS } from '@pigeon/sync-protocol';
import type { SessionGate } from '../auth/session-gate.ts';
import type { SocketLimits } from '../limits/socket-limits.ts';
import type { Logger } from '../log.ts';
import type { RealtimeServices } from './handlers/context.ts';
import { trackHandlers } from './bind-handler.ts';
import { coalesceWebSocketFlushes } from './coalesce-writes.ts';
import { registerMessageActions } from './handlers/message-actions.ts';
import { registerReceipts } from './handlers/receipts.ts';
import { registerSendMessage } from './handlers/send-message.ts';
import { registerSendMessages } from './handlers/send-messages.ts';
import { registerTyping } from './handlers/typing.ts';
import { registerUserStatus } from './handlers/user-status.ts';
import { sessionRoom, userRoom, type PigeonIo, type PigeonSocket } from './types.ts';

/**
 * The Socket.io server, created detached so it can be attached to the HTTP
 * server after Hono's request listener is in place (Socket.io then forwards
 * every non-/socket.io request to it).
 */
export function createSocketServer(adapter: ServerOptions['adapter'] | undefined): PigeonIo {
  const io: PigeonIo = new Server({
    // Frames above this close the connection: a message body is 4,096 characters, so this is generous.
    maxHttpBufferSize: LIMITS.socketFrameMaxBytes,
    // Tokens travel in the handshake payload, never in cookies, so any origin may connect.
    cors: { origin: '*' },
    serveClient: false,
    ...(adapter ? { adapter } : {}),
  });
  return io;
}

export interface GatewayDeps {
  io: PigeonIo;
  /** The same check as REST: signature, expiry, and a live session. */
  gate: SessionGate;
  services: RealtimeServices;
  /** Handshake limits, event budgets, sockets per user, slow readers (limits/socket-limits.ts). */
  limits: SocketLimits;
  log: Logger;
  /** True once shutdown began: new connections are refused. */
  isClosing(): boolean;
}

/** Handshake auth + per-socket wiring. */
export function registerGateway({ io, gate, services, limits, log, isClosing }: GatewayDeps): void {
  // Handshakes per address before the token is even looked at, per user once it is known.
  io.use((socket, next) => limits.checkAddress(socket, next));
  io.use((socket, next) => {
    if (isClosing()) return next(new Error('UNAVAILABLE'));
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : null;
    gate.authenticate(token).then(
      ({ userId, sessionId }) => {
        socket.data.userId = userId;
        socket.data.sessionId = sessionId;
        next();
      },
      // Same verification as REST; the client sees connect_error UNAUTHENTICATED, or UNAVAILABLE
      // when the session could not be looked up (retry later, don't sign out).
      (err: unknown) => next(new Error(isPigeonError(err) && err.code === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'UNAUTHENTICATED')),
    );
  });
  io.use((socket, next) => limits.checkUser(socket, next));
  // The user's groups, read before `connect` so a connected socket is already in their rooms.
  io.use((socket, next) => {
    services.groupRooms.prepare(socket).then(
      () => next(),
      (err: unknown) => {
        log.warn({ err, userId: socket.data.userId }, 'handshake refused: the groups of the user could not be read');
        next(new Error('UNAVAILABLE'));
      },
    );
  });

  io.on('connection', (socket: PigeonSocket) => {
    const userId = socket.data.userId;
    const socketLog = log.child({ socketId: socket.id, userId });
    socketLog.debug('socket connected');
    void socket.join(userRoom(userId));
    // From here on changes reach the socket through its user's room; before, `prepare` read them.
    services.groupRooms.joinOnConnect(socket);
    // Revoking the session disconnects this room on every node (realtime/session-revocation.ts).
    const sessionId = socket.data.sessionId;
    void socket.join(sessionRoom(sessionId));
    // A revocation that landed between the handshake's check and this join missed the room.
    if (gate.isRevoked(sessionId)) {
      socket.disconnect(true);
      return;
    }
    coalesceWebSocketFlushes(socket.conn);
    // Before any packet can reach a handler: every event passes the budgets first.
    limits.attach(socket, socketLog);

    trackHandlers(socket, services.inFlight);
    const ctx = { socket, userId, services, log: socketLog };
    registerSendMessage(ctx);
    if (!services.hooks.withoutBatchedSends) registerSendMessages(ctx);
    registerMessageActions(ctx);
    registerReceipts(ctx);
    registerTyping(ctx);
    registerUserStatus(ctx);

    services.presence.connected(userId);
    socket.on('disconnect', (reason) => {
      socketLog.debug({ reason }, 'socket disconnected');
      services.presence.disconnected(userId, () => services.typing.stopAllFrom(userId));
    });
    // Transport-level errors (e.g. a frame over maxHttpBufferSize) end the socket; log, don't crash.
    socket.on('error', (err) => socketLog.warn({ err }, 'socket error'));
  });
}
