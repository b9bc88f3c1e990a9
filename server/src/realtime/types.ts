import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@pigeon/sync-protocol';

/** What the handshake leaves on every socket; RemoteSocket (other nodes) carries it too. */
export interface SocketData {
  userId: string;
  /** The session (device) of the handshake's access token; its revocation ends the socket. */
  sessionId: string;
}

/**
 * Between nodes (io.serverSideEmit, through the Redis adapter). Everything else crosses
 * nodes through the adapter's rooms.
 */
export interface InterServerEvents {
  /** A session was revoked on the sending node: refuse its access tokens here too. */
  'session-revoked': (sessionId: string) => void;
  /** A user's block list changed on the sending node: drop the cached copy here (privacy/blocks.ts). */
  'blocks-changed': (userId: string) => void;
  /** A first message between the two was stored on the sending node: each is the other's contact (privacy/contacts.ts). */
  'contacts-started': (a: string, b: string) => void;
  /** The sending node's Redis links are back: its notices sent meanwhile were lost, so drop what they keep (privacy/contacts.ts). */
  'notices-lost': () => void;
  /** A group's members changed on the sending node: update this node's rooms and caches (groups/group-rooms.ts). */
  'group-members-changed': (change: { conversationId: string; join: string[]; leave: string[] }) => void;
}

export type PigeonIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type PigeonSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Every socket of a user joins this room; emitting to it reaches all their devices on every node. */
export const userRoom = (userId: string): string => `user:${userId}`;

/**
 * Every socket of a group's current members is in this room (groups/group-rooms.ts keeps it so on
 * every node); emitting to it reaches the whole group once, on every node.
 */
export const conversationRoom = (conversationId: string): string => `conversation:${conversationId}`;

/** Every socket of one session joins this room; revoking the session disconnects the room on every node. */
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
