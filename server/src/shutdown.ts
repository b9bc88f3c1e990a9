import type { Server as HttpServer } from 'node:http';
import type { Logger } from './log.ts';
import type { SendBatcher } from './messages/send-batcher.ts';
import type { Presence } from './realtime/presence.ts';
import type { RedisAdapterHandle } from './realtime/redis-adapter.ts';
import type { TypingTracker } from './realtime/typing.ts';
import type { PigeonIo } from './realtime/types.ts';
import type { Store } from './store/store.ts';

/** How long close() lets in-flight HTTP requests finish before cutting their connections. */
const HTTP_GRACE_MS = 5_000;
/**
 * How long a close waits for socket handlers already running before closing the store: a store
 * call each, milliseconds on MongoDB or SQLite, but past 5 s for a receipt of 500 messages on
 * FerretDB here (the bench's MongoDB catch-up: 3 and 4 failed receipts without the wait or with 5 s, none with 30 s twice and with 15 s once).
 */
const HANDLER_GRACE_MS = 15_000;
/** A kill is a crash: it waits only this long, so a handler held by a test hook never holds it. */
const KILL_HANDLER_GRACE_MS = 1_000;

export interface ShutdownParts {
  log: Logger;
  httpServer: HttpServer;
  io: PigeonIo;
  batcher: Pick<SendBatcher<unknown, unknown>, 'close' | 'drain' | 'abort'>;
  typing: TypingTracker;
  presence: Presence;
  /** The socket handlers still running (realtime/in-flight.ts): waited for before the store closes. */
  handlers: { settled(ms: number): Promise<void>; readonly size: number };
  /** This node's record in Redis (cluster/cluster-node.ts): removed on close, left for the others to reap on kill. */
  cluster: { leave(): Promise<void>; stop(): Promise<void> } | null;
  redis: RedisAdapterHandle | null;
  /** The abuse limits' sweep timer and Redis connection. */
  limits: { close(): Promise<void> };
  /** The ended-sessions purge timer (auth/session-purge.ts); closing waits for a purge in progress. */
  sessionPurge: { close(): Promise<void> };
  /** Closed last; null when the store belongs to the caller. */
  ownedStore: Store | null;
  /** Flips the server into "closing": health 503, new sockets refused. */
  markClosing(): void;
}

/**
 * The two ways a server stops. Both are idempotent and share one promise, so
 * calling close() after kill() (or twice) just waits for the first.
 *
 * close(), graceful — order matters:
 *   1. refuse new sends and connections        (batcher.close, httpServer.close)
 *   2. commit everything queued, ack it         (batcher.drain + one turn for the acks)
 *   3. disconnect this node's sockets           → presence writes lastSeen
 *   4. wait for those writes, close Socket.io/HTTP (in-flight requests get a grace period)
 *   5. wait for the socket handlers still running (no new event comes in now; one that was
 *      already awaiting the store would otherwise fail as it closes)
 *   6. Redis, the session purge (a purge in progress finishes), then the store
 *
 * kill(), crash-like: queued sends are dropped unacked, connections cut, no
 * lastSeen written; only a commit and socket handlers already running are waited
 * for, so the store can be closed cleanly and a new server can open the same DATA_DIR.
 */
export function createShutdown(p: ShutdownParts): { close(): Promise<void>; kill(): Promise<void> } {
  let done: Promise<void> | null = null;

  async function close(): Promise<void> {
    p.markClosing();
    p.log.info('shutting down: draining sends');
    p.batcher.close();
    p.httpServer.close(); // stop accepting; idle keep-alive connections go now
    await p.batcher.drain();
    // Acks are emitted in the continuations of the committed sends; let them run before sockets close.
    await new Promise((r) => setImmediate(r));
    p.typing.clear();
    p.io.local.disconnectSockets(true);
    await p.presence.settled();
    const grace = setTimeout(() => p.httpServer.closeAllConnections(), HTTP_GRACE_MS).unref();
    await p.io.close(); // also waits for the HTTP server to close
    clearTimeout(grace);
    await p.handlers.settled(HANDLER_GRACE_MS);
    // What the store's close interrupts: each such call fails (INTERNAL) and its client retries it.
    if (p.handlers.size > 0) p.log.warn({ running: p.handlers.size, graceMs: HANDLER_GRACE_MS }, 'shutting down: socket handlers still running after the grace; the store closes under them');
    await p.cluster?.leave();
    await p.limits.close();
    await p.redis?.close();
    await p.sessionPurge.close();
    await p.ownedStore?.close();
    p.log.info('shut down');
  }

  async function kill(): Promise<void> {
    p.markClosing();
    p.presence.stop();
    // No more heartbeats: the record stays for another node to reap, as after a real crash.
    const clusterStopped = p.cluster?.stop();
    p.batcher.abort();
    p.typing.clear();
    p.httpServer.closeAllConnections();
    p.io.local.disconnectSockets(true);
    await p.batcher.drain();
    p.httpServer.closeAllConnections();
    await p.io.close();
    // As after a crash nothing more is acked, but the store closes under no running call.
    await p.handlers.settled(KILL_HANDLER_GRACE_MS);
    await clusterStopped;
    await p.limits.close();
    await p.redis?.close();
    await p.sessionPurge.close();
    await p.ownedStore?.close();
  }

  return {
    close: () => (done ??= close()),
    kill: () => (done ??= kill()),
  };
}
