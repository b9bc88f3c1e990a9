import type { Fanout } from '../messages/fanout.ts';
import { conversationRoom, userRoom, type PigeonIo } from './types.ts';

type AnyEmit = (ev: string, p: unknown) => boolean;

/** Fanout over Socket.io rooms; with the Redis adapter the emit reaches every node. */
export function createSocketFanout(io: PigeonIo): Fanout {
  return {
    emit(userIds, event, payload, exceptSocketId) {
      if (userIds.length === 0) return;
      const rooms = [...new Set(userIds)].map(userRoom);
      const target = exceptSocketId ? io.to(rooms).except(exceptSocketId) : io.to(rooms);
      // A socket in two of these rooms still gets the event once (Socket.io dedupes per broadcast).
      (target.emit as AnyEmit)(event, payload);
    },
    toConversation(conversationId, event, payload, except = {}) {
      // A socket id is a room of its own, so one `except` drops both the socket and whole users.
      const excluded = [...(except.socketId ? [except.socketId] : []), ...(except.userIds ?? []).map(userRoom)];
      const room = io.to(conversationRoom(conversationId));
      const target = excluded.length > 0 ? room.except(excluded) : room;
      // One room per broadcast: the Redis adapter publishes it on that room's channel, which nodes
      // without a member's socket ignore.
      (target.emit as AnyEmit)(event, payload);
    },
  };
}
