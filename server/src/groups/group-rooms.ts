import type { Logger } from '../log.ts';
import { conversationRoom, userRoom, type PigeonIo, type PigeonSocket } from '../realtime/types.ts';
import type { Memberships } from './memberships.ts';

/** Sockets of `join` enter the group's room; sockets of `leave` go out of it. */
export interface MembershipChange {
  conversationId: string;
  join: string[];
  leave: string[];
}

export interface GroupRooms {
  /** Applies a change of members here at once and on every other node (in the order of this node's other events). */
  changed(change: MembershipChange): void;
  /** In the handshake: reads the groups of the socket's user (rejects when the store cannot say). */
  prepare(socket: PigeonSocket): Promise<void>;
  /** On connection, once the socket is in its user's room: it enters the rooms `prepare` read. */
  joinOnConnect(socket: PigeonSocket): void;
  /**
   * Changes made elsewhere may have been lost here (`after`: the Redis links were down, or a node
   * died between a commit and its notice): read every local user's groups again.
   */
  resync(after: string): Promise<void>;
}

export interface GroupRoomsDeps {
  io: PigeonIo;
  memberships: Memberships;
  /** Told about every user a change names (presence audiences are cached per user: privacy/contacts.ts). */
  forgetContacts(userId: string): void;
  /** A user left a group (here or elsewhere): their typing there ends. */
  onLeft(userId: string, conversationId: string): void;
  /** With the Redis adapter: the other nodes hear of changes through a server-side event. */
  clustered: boolean;
  log: Logger;
}

const ROOM_PREFIX = conversationRoom('');
/** Store reads at once while re-joining every local user after an outage. */
const RESYNC_CONCURRENCY = 8;

/**
 * Keeps the room of every group (`conversation:<id>`) equal to its current members' sockets,
 * on every node, so one emit to the room reaches the group's sockets: typing (typing-fanout.ts).
 * Everything else a group's members hear goes to the people a commit names (their user rooms),
 * since a node that dies right after committing a change never sends its notice and leaves the
 * rooms stale elsewhere until it is found dead (docs/reliability.md, C10).
 *
 * A change is applied here directly, and sent to the other nodes with `io.serverSideEmit`,
 * which the Redis adapter publishes on the same connection as the room broadcasts. So every
 * node sees this node's events in the order they were made.
 *
 * A socket's groups are read in its handshake (Memberships, cached), so by the time the client
 * sees `connect` the socket is in their rooms. A change naming the user that is applied between
 * that read and the socket joining its user's room (which later changes reach it through) may
 * be missing from the read: the socket then reads again and corrects its rooms.
 */
export function createGroupRooms({ io, memberships, forgetContacts, onLeft, clustered, log }: GroupRoomsDeps): GroupRooms {
  function apply({ conversationId, join, leave }: MembershipChange): void {
    const named = [...join, ...leave];
    memberships.changed(conversationId, named);
    for (const userId of named) forgetContacts(userId);
    const room = conversationRoom(conversationId);
    if (join.length > 0) io.local.in(join.map(userRoom)).socketsJoin(room);
    if (leave.length > 0) {
      io.local.in(leave.map(userRoom)).socketsLeave(room);
      for (const userId of leave) onLeft(userId, conversationId);
    }
  }
  // The in-memory adapter has no server-side events (it throws): a lone node has no one to tell.
  if (clustered) io.on('group-members-changed', (change) => apply(change));

  /** What the handshake read, and the user's version before the read. */
  const prepared = new WeakMap<PigeonSocket, { groupIds: string[]; version: number }>();

  async function currentGroups(userId: string): Promise<{ groupIds: string[]; version: number }> {
    for (let attempt = 1; ; attempt++) {
      const version = memberships.version(userId);
      const groupIds = await memberships.groupsOf(userId);
      // Bounded: a user whose groups change on every read gets the latest read (the next change fixes the rest).
      if (memberships.version(userId) === version || attempt === 3) return { groupIds, version };
    }
  }

  async function rejoin(socket: PigeonSocket): Promise<void> {
    try {
      reconcile(socket, (await currentGroups(socket.data.userId)).groupIds);
    } catch (err) {
      // Without its rooms the socket would miss group events while looking healthy: cut the
      // transport so the client reconnects (and catches up) instead. Not disconnect(): after a
      // deliberate server kick Socket.io clients do not reconnect by themselves.
      log.warn({ err, userId: socket.data.userId }, 'could not read the groups of a socket; closing it');
      socket.conn.close();
    }
  }

  function reconcile(socket: PigeonSocket, groupIds: readonly string[]): void {
    // A socket that closed meanwhile has left every room; joining now would leave it in them for good.
    if (!socket.connected) return;
    const wanted = new Set(groupIds.map(conversationRoom));
    for (const room of socket.rooms) if (room.startsWith(ROOM_PREFIX) && !wanted.has(room)) void socket.leave(room);
    if (wanted.size > 0) void socket.join([...wanted]);
  }

  return {
    changed(change) {
      apply(change);
      if (clustered) io.serverSideEmit('group-members-changed', change);
    },

    async prepare(socket) {
      prepared.set(socket, await currentGroups(socket.data.userId));
    },

    joinOnConnect(socket) {
      const read = prepared.get(socket);
      prepared.delete(socket);
      if (read) reconcile(socket, read.groupIds);
      if (!read || memberships.version(socket.data.userId) !== read.version) void rejoin(socket);
    },

    async resync(after) {
      memberships.forgetAll();
      const byUser = new Map<string, PigeonSocket[]>();
      for (const socket of io.of('/').sockets.values()) {
        const list = byUser.get(socket.data.userId) ?? [];
        list.push(socket);
        byUser.set(socket.data.userId, list);
      }
      const users = [...byUser.keys()];
      const worker = async () => {
        for (let userId = users.pop(); userId !== undefined; userId = users.pop()) {
          try {
            const { groupIds } = await currentGroups(userId);
            for (const socket of byUser.get(userId)!) reconcile(socket, groupIds);
          } catch (err) {
            log.warn({ err, userId }, 'could not re-read the groups of a user after a Redis outage');
          }
        }
      };
      const count = users.length;
      await Promise.all(Array.from({ length: RESYNC_CONCURRENCY }, worker));
      // Beside 'redis links back' or 'a node died' (warn): the other half of what a node does about them.
      log.warn({ users: count }, `group rooms re-read after ${after}`);
    },
  };
}
