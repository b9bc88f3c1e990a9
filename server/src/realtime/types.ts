import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@pigeon/sync-protocol';

/** What the handshake leaves on every socket; RemoteSocket (other nodes) carries it too. */
export interface SocketData {
  userId: string;
}

// No inter-server events of our own: cross-node traffic goes through the adapter's rooms.
type InterServerEvents = Record<string, never>;

export type PigeonIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type PigeonSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Every socket of a user joins this room; emitting to it reaches all their devices on every node. */
export const userRoom = (userId: string): string => `user:${userId}`;
