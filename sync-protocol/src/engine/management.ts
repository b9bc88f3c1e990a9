/**
 * Account management that needs the server now: the user's sessions (one per signed-in device),
 * the block list, and who got and read a group message ("message info": kept on the server only).
 * Nothing here is queued the way messages are: revoking a device or blocking someone "later,
 * when the network is back" would surprise the user more than an error, so
 * every call refuses at once while the network is off (`requireOnline`) and otherwise reports
 * the server's or the network's error as it is.
 *
 * The local view follows each confirmed change at once: a blocked peer shows offline and stops
 * typing here (the server stops their presence and typing to us), the stored block list
 * (local/blocks.ts) changes, and an unblocked peer's presence is asked for again. That ask is
 * owed until answered: the peer announces nothing until they reconnect, so an ask lost to a
 * timeout (an ack lost to a stalled connection, a busy server) or made while the socket is down
 * would leave them shown offline for as long as this connection lasts. It is retried with
 * backoff while connected and asked again at the next connect, as receipts are (up/receipts.ts).
 */
import { PERMANENT_SEND_ERRORS, PigeonError } from '../errors.ts';
import type { User } from '../model/user.ts';
import type { SessionInfo } from '../rest/auth.ts';
import type { MessageReceipt } from './api.ts';
import { markBlocked, storeBlocked } from './local/blocks.ts';
import type { Parts } from './parts.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './util/backoff.ts';
import { SingleFlight } from './util/single-flight.ts';

export interface ManagementHost {
  /** The signed-in user; throws UNAUTHENTICATED when signed out, UNAVAILABLE (network) while offline. */
  requireOnline(): string;
  reportError(where: string, error: unknown): void;
}

/** An unblocked peer's presence still to be asked, for the user who unblocked them. */
interface OwedPresence {
  me: string;
}

export class Management {
  /** Peer → the ask owed; replaced by a newer unblock, dropped by a block or an answer. */
  private readonly owedPresence = new Map<string, OwedPresence>();
  private readonly presenceAsks = new SingleFlight(() => this.askOwedPresence());
  private presenceRetry: ReturnType<typeof setTimeout> | null = null;
  private presenceFailures = 0;

  constructor(
    private readonly parts: Parts,
    private readonly host: ManagementHost,
    private readonly retry: { backoff: BackoffOptions; random?: () => number } = { backoff: DEFAULT_BACKOFF },
  ) {
    // A (re)connect asks what is owed; a lost connection (or a stop) drops the retry: the next connect is it.
    let wasOnline = false;
    parts.events.on('state', ({ connection }) => {
      const online = connection === 'online';
      if (online === wasOnline) return;
      wasOnline = online;
      if (online) return this.askPresence();
      if (this.presenceRetry) clearTimeout(this.presenceRetry);
      this.presenceRetry = null;
      this.presenceFailures = 0;
    });
  }

  async listSessions(): Promise<SessionInfo[]> {
    this.host.requireOnline();
    return (await this.parts.transport.sessions()).sessions;
  }

  async revokeSession(sessionId: string): Promise<void> {
    this.host.requireOnline();
    try {
      await this.parts.transport.revokeSession(sessionId);
    } catch (e) {
      // NOT_FOUND: not (or no longer) a live session of this user — what the caller wanted.
      if (!(e instanceof PigeonError && e.code === 'NOT_FOUND')) throw e;
    }
  }

  async blockUser(userId: string): Promise<void> {
    const me = this.host.requireOnline();
    const { transport, db, live, typing } = this.parts;
    await transport.block(userId);
    // An ask left from an earlier unblock must not show them online now.
    this.owedPresence.delete(userId);
    await markBlocked(db, me, userId, true);
    this.resyncBlockList();
    await live.presence(userId, false, null);
    typing.forget(userId);
  }

  async unblockUser(userId: string): Promise<void> {
    const me = this.host.requireOnline();
    const { transport, db } = this.parts;
    await transport.unblock(userId);
    await markBlocked(db, me, userId, false);
    this.resyncBlockList();
    // Their presence reaches us again, but they will not announce it until they reconnect: ask,
    // until answered (now if connected, otherwise at the next connect).
    this.owedPresence.set(userId, { me });
    this.askPresence();
  }

  /** "Message info" of a group message: the server keeps who got and read it when; the device does not. */
  async messageReceipts(messageId: string): Promise<MessageReceipt[]> {
    this.host.requireOnline();
    return (await this.parts.transport.messageReceipts(messageId)).receipts;
  }

  async blockedUsers(): Promise<User[]> {
    const me = this.host.requireOnline();
    const { users } = await this.parts.transport.blocked();
    await storeBlocked(this.parts.db, me, users.map((u) => u.id));
    return users;
  }

  /**
   * A list refresh in flight may have been answered before this change reached the server and
   * would overwrite it with the old list: ask for one more run after it (no run: nothing to do).
   */
  private resyncBlockList(): void {
    if (this.parts.blockList.running) void this.parts.blockList.fetchNow();
  }

  private askPresence(): void {
    if (this.owedPresence.size === 0 || !this.parts.transport.connected) return;
    void this.presenceAsks.request().then(
      () => {
        this.presenceFailures = 0;
      },
      () => this.retryPresenceLater(),
    );
  }

  /** Asks each owed presence in turn; rejects on the first failure worth a retry (the rest stay owed). */
  private async askOwedPresence(): Promise<void> {
    const { transport, live } = this.parts;
    for (const [userId, owed] of [...this.owedPresence]) {
      let me: string;
      try {
        me = this.host.requireOnline();
      } catch {
        return; // signed out, offline or closed: the next connect asks (or the owner check drops it)
      }
      // Asked for another account than the one signed in now: not this account's business.
      if (owed.me !== me) {
        this.owedPresence.delete(userId);
        continue;
      }
      if (!transport.connected) return;
      let answer: { online: boolean; lastSeen: string | null };
      const asked = live.presenceAsked(userId);
      try {
        answer = await transport.userStatus(userId);
      } catch (e) {
        if (!(e instanceof PigeonError && PERMANENT_SEND_ERRORS.has(e.code))) throw e;
        // Refused for good (no such user any more): asked again, it would be refused again.
        if (this.owedPresence.get(userId) === owed) this.owedPresence.delete(userId);
        this.host.reportError('unblock.presence', e);
        continue;
      }
      // Blocked again meanwhile (dropped), or unblocked once more (a newer ask is owed): not this answer's to show.
      if (this.owedPresence.get(userId) !== owed) continue;
      this.owedPresence.delete(userId);
      await live.presenceAnswer(userId, asked, answer.online, answer.lastSeen);
    }
  }

  private retryPresenceLater(): void {
    // Disconnected: the ask at the next connect is the retry.
    if (this.presenceRetry || !this.parts.transport.connected) return;
    this.presenceRetry = setTimeout(
      () => {
        this.presenceRetry = null;
        this.askPresence();
      },
      backoffDelay(++this.presenceFailures, this.retry.backoff, this.retry.random),
    );
  }
}
