import type { SessionGate } from '../auth/session-gate.ts';
import type { Logger } from '../log.ts';
import { sessionRoom, type PigeonIo } from './types.ts';

export interface SessionRevocation {
  /** A session was revoked in the store: refuse its tokens and end its sockets, on every node. */
  revoked(sessionId: string): void;
}

/**
 * Carries a revocation to every node: this node's gate, the other nodes' gates (a
 * server-side event through the Redis adapter), and the session's sockets wherever they
 * are (`disconnectSockets` on its room, which the adapter also relays). The event is
 * published before the disconnect, on the same Redis channel, so a node has marked the
 * session revoked before it drops the session's sockets, and a reconnect is refused.
 *
 * A socket is not disconnected when its access token expires (the handshake checked it;
 * the connection is the proof of possession from then on): revocation is what ends it.
 */
export function createSessionRevocation(io: PigeonIo, gate: SessionGate, clustered: boolean, log: Logger): SessionRevocation {
  if (clustered) io.on('session-revoked', (sessionId) => gate.markRevoked(sessionId));
  return {
    revoked(sessionId) {
      gate.markRevoked(sessionId);
      const room = sessionRoom(sessionId);
      // The in-memory adapter has no server-side events (it throws): a lone node has no one to tell.
      if (clustered) io.serverSideEmit('session-revoked', sessionId);
      // Here at once; the Redis adapter relays the other call to the other nodes (and back here, harmlessly).
      io.local.in(room).disconnectSockets(true);
      if (clustered) io.in(room).disconnectSockets(true);
      log.debug({ sessionId }, 'session revoked');
    },
  };
}
