import type { Socket as NetSocket } from 'node:net';

/**
 * Socket.io writes every packet as its own WebSocket frame, and ws writes every
 * frame with its own syscall. Acks leave after a group commit, so a socket gets
 * its acks (and its partners' new-message events) in bursts; engine.io already
 * queues a burst while the previous write is pending and then flushes the queue
 * with one `transport.send(packets)`. Corking the TCP socket around that call
 * makes the whole flush one writev instead of one per packet.
 *
 * Reaches into engine.io's transport and ws's socket (no public hook exists for
 * this); every access is guarded, and without them writes are simply not merged.
 */
export function coalesceWebSocketFlushes(conn: EngineConnection): void {
  wrapTransport(conn.transport as Transport);
  // A client that starts on long-polling moves to WebSocket later.
  conn.on('upgrade', (transport: unknown) => wrapTransport(transport as Transport));
}

/** The part of an engine.io socket (`socket.conn`) this needs. */
interface EngineConnection {
  transport: unknown;
  on(event: 'upgrade', listener: (transport: unknown) => void): unknown;
}

interface Transport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: NetSocket | null };
}

const wrapped = new WeakSet<Transport>();

function wrapTransport(transport: Transport): void {
  if (transport.name !== 'websocket' || wrapped.has(transport)) return;
  wrapped.add(transport);
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    const raw = transport.socket?._socket;
    if (packets.length < 2 || !raw || typeof raw.cork !== 'function' || raw.destroyed) return send(packets);
    raw.cork();
    try {
      send(packets);
    } finally {
      raw.uncork();
    }
  };
}
