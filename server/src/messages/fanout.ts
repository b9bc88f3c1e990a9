import type { ServerToClientEvents } from '@pigeon/sync-protocol';

/**
 * How message logic reaches sockets, without knowing about Socket.io: the
 * gateway implements it with rooms (`user:<id>`), which the Redis adapter
 * spreads across nodes. Tests pass a recorder.
 */
export interface Fanout {
  /** Every socket of these users, on every node, except `exceptSocketId` (the one that caused the event). */
  emit<E extends keyof ServerToClientEvents>(
    userIds: readonly string[],
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
    exceptSocketId?: string,
  ): void;
}
