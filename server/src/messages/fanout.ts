import type { ServerToClientEvents } from '@pigeon/sync-protocol';

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/**
 * How message logic reaches sockets, without knowing about Socket.io: the
 * gateway implements it with rooms (`user:<id>`, `conversation:<id>`), which the
 * Redis adapter spreads across nodes. Tests pass a recorder.
 */
export interface Fanout {
  /** Every socket of these users, on every node, except `exceptSocketId` (the one that caused the event). */
  emit<E extends keyof ServerToClientEvents>(userIds: readonly string[], event: E, payload: Payload<E>, exceptSocketId?: string): void;
  /**
   * Every socket of a group's current members, on every node (the room groups/group-rooms.ts
   * keeps), except one socket and the sockets of `exceptUserIds`.
   */
  toConversation<E extends keyof ServerToClientEvents>(
    conversationId: string,
    event: E,
    payload: Payload<E>,
    except?: { socketId?: string; userIds?: readonly string[] },
  ): void;
}
