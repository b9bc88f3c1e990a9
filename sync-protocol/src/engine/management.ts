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
 * (local/blocks.ts) changes, and an unblocked peer's presence is asked for again.
 */
import { PigeonError } from '../errors.ts';
import type { User } from '../model/user.ts';
import type { SessionInfo } from '../rest/auth.ts';
import type { MessageReceipt } from './api.ts';
import { markBlocked, storeBlocked } from './local/blocks.ts';
import type { Parts } from './parts.ts';

export interface ManagementHost {
  /** The signed-in user; throws UNAUTHENTICATED when signed out, UNAVAILABLE (network) while offline. */
  requireOnline(): string;
  reportError(where: string, error: unknown): void;
}

export class Management {
  constructor(
    private readonly parts: Parts,
    private readonly host: ManagementHost,
  ) {}

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
    await markBlocked(db, me, userId, true);
    this.resyncBlockList();
    await live.presence(userId, false, null);
    typing.forget(userId);
  }

  async unblockUser(userId: string): Promise<void> {
    const me = this.host.requireOnline();
    const { transport, db, live } = this.parts;
    await transport.unblock(userId);
    await markBlocked(db, me, userId, false);
    this.resyncBlockList();
    // Their presence reaches us again, but they will not announce it until they reconnect: ask.
    if (transport.connected) {
      transport
        .userStatus(userId)
        .then(({ online, lastSeen }) => live.presence(userId, online, lastSeen))
        .catch((e) => this.host.reportError('unblock.presence', e));
    }
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
    if (this.parts.blockList.running) void this.parts.blockList.request().catch((e) => this.host.reportError('blocked', e));
  }
}
