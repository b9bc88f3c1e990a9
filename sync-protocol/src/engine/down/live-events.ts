/**
 * What the socket pushes, stored: new messages (in batches), status changes,
 * presence. Each is a fast path only; whatever fails or is missed here is
 * recovered by the catch-up, which these handlers request when they notice a hole.
 */
import type { Message } from '../../model/message.ts';
import type { MessageStatus } from '../../status.ts';
import type { LocalDb } from '../local/local-db.ts';
import { applyServerCopies, applyStatus, type ApplyResult } from './store-server-changes.ts';
import { SingleFlight } from '../util/single-flight.ts';
import { storePresence } from '../local/users.ts';
import { applyReadPosition } from './read-positions.ts';

export interface LiveEventsDeps {
  db: LocalDb;
  me: () => string | null;
  afterApply: (result: ApplyResult) => void;
  requestCatchUp: () => void;
  presence: (event: { userId: string; online: boolean; lastSeen: string | null }) => void;
  /**
   * Presence news of a user is about to be stored: a profile refresh asked before it must not store
   * its older presence over it (up/profile.ts ProfileFreshness).
   */
  heard?: (userId: string) => void;
  onError: (where: string, error: unknown) => void;
}

export class LiveEvents {
  /**
   * Each copy with the account it was received for, read when it arrives, not when it is stored:
   * a copy received for A (a hide's `message-updated` carrying A's hiddenAt) and still queued when
   * B signs in must not be stored as B's. applyServerCopies writes nothing for an account that no
   * longer owns the database (ApplyResult.stale).
   */
  private queue: { message: Message; me: string }[] = [];
  /** A burst of new-message events costs one transaction per batch, not one per message. */
  private readonly flight = new SingleFlight(() => this.storeQueued());

  constructor(private readonly deps: LiveEventsDeps) {}

  newMessage(message: Message): void {
    const me = this.deps.me();
    if (!me) return; // signed out: the owner's next catch-up brings it
    this.queue.push({ message, me });
    void this.flight.request().catch((e) => {
      this.deps.onError('new-message', e);
      this.deps.requestCatchUp(); // the cursor still covers what failed to store
    });
  }

  /**
   * `message-updated`: a message's new content state (a reaction, an edit, a delete; our own hide on
   * another device). Stored like any server copy, in the same batches: merge-rules.ts keeps the
   * higher version whatever order copies arrive in, and this device's pending actions stay on top.
   */
  messageUpdated(message: Message): void {
    this.newMessage(message);
  }

  async status(ids: string[], status: MessageStatus): Promise<void> {
    const me = this.deps.me();
    if (!me) return;
    try {
      const { unknownIds } = await applyStatus(this.deps.db, ids, status, me);
      // A receipt for a message we do not hold (e.g. our send's ack was lost): the cursor will bring it.
      if (unknownIds.length > 0) this.deps.requestCatchUp();
    } catch (e) {
      this.deps.onError('message-status', e);
    }
  }

  /** `read-position`: the user read a group up to `readSeq` on another device (read-positions.ts). */
  async readPosition(conversationId: string, readSeq: number): Promise<void> {
    const me = this.deps.me();
    if (!me) return;
    await applyReadPosition(this.deps.db, me, conversationId, readSeq).catch((e) => this.deps.onError('read-position', e));
  }

  /** Presence news per user, counted: an answer to a question asked before the latest news is stale. */
  private readonly presenceNews = new Map<string, number>();

  /**
   * Pushed presence (`user-online`/`user-offline`), an answer found newest (presenceAnswer) or the
   * device's own knowledge (a block): always the newest, for the answers asked before it and for
   * the profile refreshes under way (`heard`, before storing: a refresh storing meanwhile sees it).
   */
  async presence(userId: string, online: boolean, lastSeen: string | null): Promise<void> {
    this.presenceNews.set(userId, (this.presenceNews.get(userId) ?? 0) + 1);
    this.deps.heard?.(userId);
    await storePresence(this.deps.db, userId, online, lastSeen).catch((e) => this.deps.onError('presence', e));
    this.deps.presence({ userId, online, lastSeen });
  }

  /** Taken before asking the server for a user's presence (`user-status`), for `presenceAnswer`. */
  presenceAsked(userId: string): number {
    return this.presenceNews.get(userId) ?? 0;
  }

  /**
   * The answer to a `user-status` asked at `asked` (presenceAsked): dropped when presence news of
   * that user came meanwhile. A slow answer must not undo a newer event: asked while the two were
   * strangers (`{ online: false, lastSeen: null }`) and answered after their first message and the
   * peer's `user-offline`, it showed neither "online" nor a last seen until the next event.
   */
  async presenceAnswer(userId: string, asked: number, online: boolean, lastSeen: string | null): Promise<void> {
    if (this.presenceAsked(userId) !== asked) return;
    await this.presence(userId, online, lastSeen);
  }

  private async storeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      // One batch per account, in arrival order (all of one account but across a switch).
      const me = this.queue[0]!.me;
      const n = this.queue.findIndex((q) => q.me !== me);
      const batch = this.queue.splice(0, n === -1 ? this.queue.length : n).map((q) => q.message);
      // detectGaps: a seq beyond local max + 1 means a missed event; the catch-up fills it.
      this.deps.afterApply(await applyServerCopies(this.deps.db, batch, me, { detectGaps: true }));
    }
  }
}
