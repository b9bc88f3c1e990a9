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
   * Every socket in a group's room on every node (groups/group-rooms.ts keeps it equal to the
   * current members' sockets through notices between nodes), except one socket and the sockets of
   * `except.userIds`. A notice lost with a dying node leaves a room stale until that node is found
   * dead, so group events go to the members their commit (or a read of the group) names instead;
   * only a send outcome without `viewers` falls back to the room (docs/reliability.md, C10).
   */
  toConversation<E extends keyof ServerToClientEvents>(
    conversationId: string,
    event: E,
    payload: Payload<E>,
    except?: { socketId?: string; userIds?: readonly string[] },
  ): void;
}
