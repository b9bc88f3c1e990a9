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
 * Presence derived from the sockets themselves: a user is online while any of
 * their sockets is in `user:<id>` on any node. The adapter answers
 * `fetchSockets()` across nodes, so there is no separate online-map to keep
 * consistent or to leak entries when a node dies.
 *
 * `user-online` / `user-offline` go to the users the Audience allows (who share a
 * conversation with the user and have no block either way). Online is announced on every connect (idempotent for receivers); offline
 * only when the last socket closed, re-checked after lastSeen is written so a
 * reconnect racing the disconnect doesn't end with a wrong "offline".
 */
export class Presence implements PresenceReader {
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly io: PigeonIo,
    private readonly store: Pick<Store, 'setLastSeen' | 'getUsers'>,
    /** Who may learn this user's presence (privacy/audience.ts). */
    private readonly audience: Pick<Audience, 'watchersOf'>,
    private readonly fanout: Fanout,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const sockets = await this.io.in([...new Set(userIds)].map(userRoom)).fetchSockets();
    return new Set(sockets.map((s) => s.data.userId));
  }

  async isOnline(userId: string): Promise<boolean> {
    return (await this.io.in(userRoom(userId)).fetchSockets()).length > 0;
  }

  /** Presence of one user for `user-status`; null when no such user. */
  async status(userId: string): Promise<{ online: boolean; lastSeen: string | null } | null> {
    const [records, online] = await Promise.all([this.store.getUsers([userId]), this.isOnline(userId)]);
    const record = records.find((r) => r.id === userId);
    if (!record) return null;
    return { online, lastSeen: record.lastSeen };
  }

  /** A socket of `userId` joined its room. */
  connected(userId: string): void {
    if (this.stopped) return;
    this.track(
      (async () => {
        const peers = await this.peersOf(userId);
        this.fanout.emit(peers, 'user-online', { userId });
      })(),
      userId,
    );
  }

  /**
   * A socket of `userId` closed (it has already left its rooms).
   * `onOffline` runs when that was the user's last socket anywhere.
   */
  disconnected(userId: string, onOffline?: () => void): void {
    if (this.stopped) return;
    this.track(
      (async () => {
        if (await this.isOnline(userId)) return;
        const lastSeen = this.now().toISOString();
        await this.store.setLastSeen(userId, lastSeen);
        if (await this.isOnline(userId)) return; // came back meanwhile: its connect announced "online"
        onOffline?.();
        const peers = await this.peersOf(userId);
        this.fanout.emit(peers, 'user-offline', { userId, lastSeen });
      })(),
      userId,
    );
  }

  /** Crash simulation: from now on connects and disconnects change nothing (no lastSeen write). */
  stop(): void {
    this.stopped = true;
  }

  /** Shutdown: wait until every lastSeen write and announcement started so far is done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
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
