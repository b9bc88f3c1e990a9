/**
 * Socket.io clients of the server integration suites: connecting, recording what
 * arrives, round trips. Re-exported by helpers.ts.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@pigeon/sync-protocol';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Sockets opened through `open`, closed together by `closeAll`. */
export interface SocketTracker {
  open(url: string, token: string): Promise<ClientSocket>;
  closeAll(): void;
}

export function trackSockets(): SocketTracker {
  const sockets: ClientSocket[] = [];
  return {
    async open(url, token) {
      const s = await connect(url, token);
      sockets.push(s);
      return s;
    },
    closeAll() {
      for (const s of sockets.splice(0)) s.close();
    },
  };
}

/** A connected socket (websocket only, no automatic reconnection: tests decide when to reconnect). */
export async function connect(url: string, token: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
  return socket;
}

/** The error a refused handshake produces. */
export function connectError(url: string, auth: Record<string, unknown>): Promise<Error> {
  const socket: ClientSocket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      reject(new Error('handshake unexpectedly accepted'));
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err);
    });
  });
}

/** Records every payload of an event as it arrives. */
export function record<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  (socket.on as (ev: string, fn: (p: unknown) => void) => void)(event, (p) => seen.push(p as never));
  return seen;
}

/**
 * A request/ack round trip on `socket`. The server writes to a socket in order, so once
 * the ack is here, everything it emitted to this socket before handling the request
 * has arrived too: the way to show that an event was NOT sent, without sleeping.
 * (Within one node: an emit relayed from another node through Redis is not ordered.)
 */
export async function roundTrip(socket: ClientSocket): Promise<void> {
  // Any acked event would do; a status query for no one changes nothing on the server.
  await socket.timeout(10_000).emitWithAck('user-status', { userId: 'round-trip' });
}

export const sendOverSocket = (socket: ClientSocket, to: string, body: string, clientId: string = randomUUID()) =>
  socket.timeout(10_000).emitWithAck('send-message', { clientId, to, body });

