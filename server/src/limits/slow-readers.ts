import type { Logger } from '../log.ts';
import { bufferedBytes, cutConnection } from './buffered-bytes.ts';

/** How often the local sockets are checked; between two sweeps a socket can exceed the cap by what arrives meanwhile. */
export const SWEEP_EVERY_MS = 500;

export interface SweptSocket {
  readonly id: string;
  readonly data: { userId?: string };
  readonly conn: { close(discard?: boolean): unknown };
}

/**
 * Disconnects slow readers: a client that stops reading (a stalled network, a
 * suspended tab, or on purpose) makes the server keep every event sent to it.
 * 100 such sockets grew the server by 123 MiB in 40 s (issue #13). A periodic
 * sweep of this node's sockets (cheap: two numbers per socket, and the write
 * buffer is short unless the socket is stalled) cuts any socket holding more
 * than `maxBytes` (SOCKET_BUFFER_MAX_BYTES). The client sees a transport close
 * and reconnects, catching up through sync like after any network drop.
 */
export function startSlowReaderSweep(
  sockets: () => Iterable<SweptSocket>,
  maxBytes: number,
  log: Logger,
  everyMs = SWEEP_EVERY_MS,
): { stop(): void } {
  const timer = setInterval(() => {
    for (const socket of sockets()) {
      const bytes = bufferedBytes(socket.conn, maxBytes);
      if (bytes <= maxBytes) continue;
      log.warn({ socketId: socket.id, userId: socket.data.userId, bufferedBytes: bytes, maxBytes }, 'socket disconnected: slow reader (unsent data over the limit)');
      cutConnection(socket.conn);
    }
  }, everyMs);
  // Never the reason the process stays alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
