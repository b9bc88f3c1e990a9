import { withMessageDefaults, type Message } from '@pigeon/sync-protocol';
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
      (target.emit as AnyEmit)(event, withV2Fields(payload));
    },
    toConversation(conversationId, event, payload, except = {}) {
      // A socket id is a room of its own, so one `except` drops both the socket and whole users.
      const excluded = [...(except.socketId ? [except.socketId] : []), ...(except.userIds ?? []).map(userRoom)];
      const room = io.to(conversationRoom(conversationId));
      const target = excluded.length > 0 ? room.except(excluded) : room;
      // One room per broadcast: the Redis adapter publishes it on that room's channel, which nodes
      // without a member's socket ignore.
      (target.emit as AnyEmit)(event, withV2Fields(payload));
    },
  };
}

/**
 * Every message a socket receives (`new-message`, `message-updated`) carries all the v2 fields
 * (contract v2, "Message actions"), whichever service announced it (sends, actions, group
 * changes) and whatever the store left out: this is the one place they all pass.
 */
function withV2Fields(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || !('message' in payload)) return payload;
  const { message } = payload as { message: Message | null };
  return message ? { ...payload, message: withMessageDefaults(message) } : payload;
}
