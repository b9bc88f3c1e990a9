import type { Logger } from '../log.ts';
import type { Fanout } from '../messages/fanout.ts';
import type { Audience } from '../privacy/audience.ts';
import type { Store } from '../store/store.ts';
import { userRoom, type PigeonIo } from './types.ts';

/** What REST needs: who of these users has a socket open right now (on any node). */
export interface PresenceReader {
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
}

/**
 * Presence beyond this node's own sockets: the other nodes' records in Redis
 * (cluster/cluster-node.ts). Null on a lone node.
 */
export interface RemotePresence {
  /** Of `userIds`, those with a socket on another node. Rejects within a bounded time when that cannot be known (Redis away). */
  onlineElsewhere(userIds: readonly string[]): Promise<Set<string>>;
  /** A socket of the user opened here (fire-and-forget record update). */
  userConnected(userId: string): void;
  /** The user's last socket here closed. */
  userGone(userId: string): void;
}

const USER_ROOM_PREFIX = userRoom('');

/** How long after announcing a user offline this node looks again (`confirmOffline`). */
export const OFFLINE_RECHECK_MS = 2_000;

/**
 * A user is online while any of their sockets is open on any node. This node's own
 * sockets are read from its rooms (`user:<id>`), synchronously and always right; the
 * other nodes' from their records in Redis (RemotePresence). Local first: a user with a
 * socket here is online without asking Redis, so right after an outage (or during one)
 * a connected user is never reported offline by the node they are connected to.
 *
 * Redis unreachable (issue #14): reads answer from this node's sockets only, within the
 * remote read's timeout: a user connected only to another node reads as offline. A
 * disconnect whose "anywhere else?" cannot be answered announces nothing and writes no
 * lastSeen; it is settled again when the links are back (`recovered`).
 *
 * `user-online` / `user-offline` go to the users the Audience allows. Online is announced
 * on every connect (idempotent for receivers); offline only when the last socket closed,
 * re-checked after lastSeen is written so a reconnect racing the disconnect doesn't end
 * with a wrong "offline".
 */
export class Presence implements PresenceReader {
  private readonly pending = new Set<Promise<unknown>>();
  /** Users whose last local socket closed while the other nodes could not be asked. */
  private readonly unsettled = new Set<string>();
  /** The offline re-checks waiting (`confirmOffline`). */
  private readonly rechecks = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(
    private readonly io: PigeonIo,
    private readonly store: Pick<Store, 'setLastSeen' | 'getUsers'>,
    /** Who may learn this user's presence (privacy/audience.ts). */
    private readonly audience: Pick<Audience, 'watchersOf' | 'canSeeContact'>,
    private readonly fanout: Fanout,
    private readonly log: Logger,
    private readonly remote: RemotePresence | null = null,
    private readonly now: () => Date = () => new Date(),
    private readonly recheckMs = OFFLINE_RECHECK_MS,
  ) {}

  /** Of `userIds`, those with a socket on this node. */
  localOnline(userIds: readonly string[]): Set<string> {
    const rooms = this.io.of('/').adapter.rooms;
    return new Set(userIds.filter((id) => (rooms.get(userRoom(id))?.size ?? 0) > 0));
  }

  /** Every user with a socket on this node. */
  localUsers(): string[] {
    const users: string[] = [];
    for (const [room, sockets] of this.io.of('/').adapter.rooms) {
      if (sockets.size > 0 && room.startsWith(USER_ROOM_PREFIX)) users.push(room.slice(USER_ROOM_PREFIX.length));
    }
    return users;
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(userIds)];
    const online = this.localOnline(unique);
    const rest = unique.filter((id) => !online.has(id));
    const elsewhere = await this.elsewhere(rest);
    for (const id of elsewhere ?? []) online.add(id);
    return online;
  }

  /** Presence of one user for `user-status`; null when no such user. */
  async status(userId: string): Promise<{ online: boolean; lastSeen: string | null } | null> {
    const [records, online] = await Promise.all([this.store.getUsers([userId]), this.onlineAmong([userId])]);
    const record = records.find((r) => r.id === userId);
    if (!record) return null;
    return { online: online.has(userId), lastSeen: record.lastSeen };
  }

  /** A socket of `userId` joined its room. */
  connected(userId: string): void {
    if (this.stopped) return;
    this.unsettled.delete(userId);
    this.remote?.userConnected(userId);
    this.announceOnline([userId]);
  }

  /** `user-online` for these users to their watchers (a connect; a reaped node that is back). */
  announceOnline(userIds: readonly string[]): void {
    for (const userId of userIds) {
      this.track(
        (async () => {
          const peers = await this.peersOf(userId);
          this.fanout.emit(peers, 'user-online', { userId });
        })(),
        userId,
      );
    }
  }

  /**
   * `a` and `b` just became contacts (the first message of their direct conversation): each is told
   * the other's presence now, `user-online`, or `user-offline` with the lastSeen on record. As strangers
   * neither was told the other's connects and a `user-status` asked then answered "offline, never
   * seen"; without this, each went on showing that until the other's next connect or disconnect.
   */
  introduced(a: string, b: string): void {
    if (this.stopped) return;
    this.track(
      (async () => {
        const [online, records] = await Promise.all([this.onlineAmong([a, b]), this.store.getUsers([a, b])]);
        for (const [subject, viewer] of [[a, b], [b, a]] as const) {
          if (!(await this.audience.canSeeContact(viewer, subject))) continue;
          const lastSeen = records.find((r) => r.id === subject)?.lastSeen ?? null;
          if (online.has(subject)) this.fanout.emit([viewer], 'user-online', { userId: subject });
          else if (lastSeen) {
            this.fanout.emit([viewer], 'user-offline', { userId: subject, lastSeen });
            this.confirmOffline(subject, [viewer]);
          }
        }
      })(),
      a,
    );
  }

  /**
   * A socket of `userId` closed (it has already left its rooms).
   * `onOffline` runs when that was the user's last socket anywhere.
   */
  disconnected(userId: string, onOffline?: () => void): void {
    if (this.stopped || this.localOnline([userId]).size > 0) return;
    this.remote?.userGone(userId);
    this.track(this.settleOffline(userId, () => this.now().toISOString(), onOffline), userId);
  }

  /**
   * A dead node's user (cluster/node-reaper.ts): lastSeen and `user-offline`, unless they
   * are back meanwhile. Resolves when done (or failed, logged).
   */
  announceOffline(userId: string, lastSeen: string): Promise<void> {
    const task = this.settleOffline(userId, () => lastSeen);
    this.track(task, userId);
    return task.then(
      () => {},
      () => {},
    );
  }

  /** The Redis links are back: settle the disconnects that could not be settled meanwhile. */
  recovered(): void {
    const users = [...this.unsettled];
    this.unsettled.clear();
    for (const userId of users) this.disconnected(userId);
  }

  /** Crash simulation: from now on connects and disconnects change nothing (no lastSeen write). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Shutdown: wait until every lastSeen write and announcement started so far is done. The offline
   * re-checks still waiting are dropped: the node is going away, its store and Redis links with it.
   */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    for (const timer of this.rechecks) clearTimeout(timer);
    this.rechecks.clear();
  }

  private async settleOffline(userId: string, lastSeenAt: () => string, onOffline?: () => void): Promise<void> {
    if ((await this.isOnline(userId)) !== false) return;
    const lastSeen = lastSeenAt();
    await this.store.setLastSeen(userId, lastSeen);
    // Came back meanwhile: its connect announced "online".
    if ((await this.isOnline(userId)) !== false) return;
    onOffline?.();
    const peers = await this.peersOf(userId);
    this.fanout.emit(peers, 'user-offline', { userId, lastSeen });
    this.confirmOffline(userId, peers);
  }

  /**
   * An offline announcement can cross a connect it could not see: the user's new socket on another
   * node is recorded in Redis a moment after this node looked, and that node's `user-online` (relayed
   * through Redis) may reach a watcher before this node's `user-offline`, which then has the last word
   * while the user is connected (a last socket closing on one node as another opens on another).
   * `introduced`'s "offline", read before the user's first connect, can cross it the same way.
   * Looking once more, when every node has long recorded its sockets, and telling the same watchers
   * `user-online` if the user is there, bounds a wrong "offline" to this delay. Redis away: nothing is
   * told (nor remembered as unsettled: the user was settled offline). The watchers are asked again
   * (the audience may have changed). The timer never holds a shutdown (`settled` drops it); the look is
   * tracked once it runs.
   */
  private confirmOffline(userId: string, watchers: readonly string[]): void {
    if (watchers.length === 0) return;
    const look = async () => {
      const back = this.localOnline([userId]).size > 0 || (await this.elsewhere([userId]))?.has(userId) === true;
      if (!back) return;
      // Asked again: a block since the "offline" takes its target out of the watchers.
      const still = new Set(await this.peersOf(userId));
      const to = watchers.filter((w) => still.has(w));
      if (to.length > 0) this.fanout.emit(to, 'user-online', { userId });
    };
    const timer = setTimeout(() => {
      this.rechecks.delete(timer);
      if (!this.stopped) this.track(look(), userId);
    }, this.recheckMs);
    timer.unref?.();
    this.rechecks.add(timer);
  }

  /** true / false, or null when only another node could say and none can be asked (then it is remembered). */
  private async isOnline(userId: string): Promise<boolean | null> {
    if (this.localOnline([userId]).size > 0) return true;
    const elsewhere = await this.elsewhere([userId]);
    if (elsewhere === null) {
      this.unsettled.add(userId);
      return null;
    }
    return elsewhere.has(userId);
  }

  /** Of `userIds`, those on another node; null when Redis cannot say (logged, never thrown). */
  private async elsewhere(userIds: readonly string[]): Promise<Set<string> | null> {
    if (!this.remote || userIds.length === 0) return new Set();
    try {
      return await this.remote.onlineElsewhere(userIds);
    } catch (err) {
      this.log.debug({ err }, 'presence: other nodes unreachable, answering from this node only');
      return null;
    }
  }

  private peersOf(userId: string): Promise<string[]> {
    return this.audience.watchersOf(userId);
  }

  /** Presence work runs beside the socket's life; failures are logged, never thrown into Socket.io. */
  private track(task: Promise<unknown>, userId: string): void {
    const p = task.catch((err) => this.log.warn({ err, userId }, 'presence update failed'));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
