import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PigeonIo, PigeonSocket } from '../realtime/types.ts';
import { clientAddress } from './client-address.ts';
import type { LimiterFactory } from './limiter.ts';
import { SocketCap } from './socket-cap.ts';
import { EVENT_WINDOW_MS, limitSocketEvents } from './socket-events.ts';
import { startSlowReaderSweep } from './slow-readers.ts';

export type SocketLimitConfig = Pick<
  ServerConfig,
  | 'socketEventLimit'
  | 'userEventLimit'
  | 'maxSocketsPerUser'
  | 'socketBufferMaxBytes'
  | 'handshakeLimitPerUser'
  | 'handshakeLimitPerIp'
  | 'handshakeWindowMs'
  | 'trustProxy'
>;

type Next = (err?: Error) => void;

export interface SocketLimits {
  /** io.use, before authentication: handshakes per client address. */
  checkAddress(socket: PigeonSocket, next: Next): void;
  /** io.use, after authentication: handshakes per user. */
  checkUser(socket: PigeonSocket, next: Next): void;
  /** On connection: event budgets, the per-user socket cap. */
  attach(socket: PigeonSocket, log: Logger): void;
  /** Stops the slow-reader sweep (shutdown). */
  stop(): void;
}

/** Refused handshakes reach the client as connect_error with this message (like UNAUTHENTICATED). */
const REFUSED = 'RATE_LIMITED';

/**
 * Every limit on sockets, assembled once per node:
 * - handshakes per address and per user (connect churn: each connect and
 *   disconnect costs presence work and store writes);
 * - event budgets per socket and per user (limitSocketEvents);
 * - sockets per user on this node (SocketCap, oldest disconnected);
 * - slow readers (startSlowReaderSweep).
 * The per-user and per-address counters go through Redis when REDIS_URL is set
 * (LimiterFactory), so a cluster allows what one node would. Per node on purpose:
 * - the per-socket budget: a socket lives on one node, so its count there IS the
 *   one-node number;
 * - the socket cap: it bounds this node's memory, which is what it is for, and
 *   evicting the oldest socket needs connection order, which only the node holding
 *   the sockets knows. A user can hold MAX_SOCKETS_PER_USER on each node; that buys
 *   nothing against the global limits (handshakes, events and sends are per user
 *   across nodes). A cluster-wide cap would cost an every-node request per
 *   connection (fetchSockets waits for the slowest node) or a Redis set that a dead
 *   node leaves stale;
 * - slow readers: a socket's own buffer.
 */
export function createSocketLimits(io: PigeonIo, config: SocketLimitConfig, limiter: LimiterFactory, log: Logger): SocketLimits {
  const handshakesByAddress = limiter({ name: 'handshake-ip', points: config.handshakeLimitPerIp, windowMs: config.handshakeWindowMs, blockInMemory: true });
  const handshakesByUser = limiter({ name: 'handshake-user', points: config.handshakeLimitPerUser, windowMs: config.handshakeWindowMs, blockInMemory: true });
  const userEvents = limiter({ name: 'events-user', points: config.userEventLimit, windowMs: EVENT_WINDOW_MS, blockInMemory: true });
  const cap = new SocketCap(config.maxSocketsPerUser, log);
  const sweep = startSlowReaderSweep(() => io.of('/').sockets.values(), config.socketBufferMaxBytes, log);

  // A limiter that fails open never rejects; this catch only guards against a bug turning into a hung handshake.
  const decide = (check: Promise<{ allowed: boolean }>, next: Next, what: object) =>
    check.then(
      (verdict) => {
        if (verdict.allowed) return next();
        log.info(what, 'socket handshake refused: rate limited');
        next(new Error(REFUSED));
      },
      () => next(),
    );

  return {
    checkAddress(socket, next) {
      const address = clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], config.trustProxy);
      void decide(handshakesByAddress.consume(address), next, { address });
    },
    checkUser(socket, next) {
      const userId = socket.data.userId;
      void decide(handshakesByUser.consume(userId), next, { userId });
    },
    attach(socket, socketLog) {
      const userId = socket.data.userId;
      limitSocketEvents(socket, { userId, socketEventLimit: config.socketEventLimit, userLimiter: userEvents, log: socketLog });
      cap.add(userId, socket);
      socket.on('disconnect', () => cap.remove(userId, socket));
    },
    stop: () => sweep.stop(),
  };
}
