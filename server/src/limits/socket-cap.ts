import type { Logger } from '../log.ts';

/** The part of a Socket.io socket this needs (a stub in unit tests). */
export interface CappedSocket {
  readonly id: string;
  disconnect(close?: boolean): unknown;
}

/**
 * At most `max` open sockets per user on this node (MAX_SOCKETS_PER_USER).
 * When one more connects, the user's OLDEST socket here is disconnected, not
 * the new one: the newest is the tab or device the person just opened and is
 * looking at, while the oldest is most likely a forgotten tab or a connection
 * whose network died without a close. Refusing the newcomer instead would let
 * stale connections lock a user out until they time out.
 *
 * Per node, in memory: the cap bounds this node's memory, which is what it is for.
 */
export class SocketCap {
  /** Per user, sockets in connection order (a Set keeps insertion order). */
  private readonly byUser = new Map<string, Set<CappedSocket>>();

  constructor(
    private readonly max: number,
    private readonly log: Logger,
  ) {}

  /** A socket of `userId` connected; returns the sockets it displaced (already disconnected). */
  add(userId: string, socket: CappedSocket): CappedSocket[] {
    let sockets = this.byUser.get(userId);
    if (!sockets) {
      sockets = new Set();
      this.byUser.set(userId, sockets);
    }
    sockets.add(socket);
    const displaced: CappedSocket[] = [];
    for (const oldest of sockets) {
      if (sockets.size <= this.max) break;
      sockets.delete(oldest);
      displaced.push(oldest);
    }
    for (const old of displaced) {
      this.log.info({ userId, socketId: old.id, max: this.max }, 'socket disconnected: too many sockets for this user, oldest first');
      old.disconnect(true);
    }
    return displaced;
  }

  /** A socket closed (for whatever reason). */
  remove(userId: string, socket: CappedSocket): void {
    const sockets = this.byUser.get(userId);
    if (!sockets) return;
    sockets.delete(socket);
    if (sockets.size === 0) this.byUser.delete(userId);
  }

  count(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }
}
