import type { Fanout } from '../messages/fanout.ts';
import { userRoom, type PigeonIo } from './types.ts';

/** Fanout over Socket.io rooms; with the Redis adapter the emit reaches every node. */
export function createSocketFanout(io: PigeonIo): Fanout {
  return {
    emit(userIds, event, payload, exceptSocketId) {
      if (userIds.length === 0) return;
      const rooms = [...new Set(userIds)].map(userRoom);
      const target = exceptSocketId ? io.to(rooms).except(exceptSocketId) : io.to(rooms);
      // A socket in two of these rooms still gets the event once (Socket.io dedupes per broadcast).
      (target.emit as (ev: string, p: unknown) => boolean)(event, payload);
    },
  };
}
