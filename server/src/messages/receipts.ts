import { conversationPeer, PigeonError, type Message } from '@pigeon/sync-protocol';
import type { Store } from '../store/store.ts';
import { CoalescingRunner } from '../util/coalescing-runner.ts';
import type { Fanout } from './fanout.ts';
import { pushStatuses } from './status-push.ts';
import { DELIVERED_COALESCING, READ_COALESCING, type DeliveredWork, type ReadWork } from './receipt-coalescing.ts';

/**
 * Delivery and read receipts. The store moves statuses forward only and returns
 * just the messages that changed, so a late or repeated receipt changes nothing
 * and pushes nothing. Changes are pushed as `message-status` to the senders'
 * sockets and to the reader's other devices; a sender that is offline finds the
 * new status in /api/sync (every status change gets a new change-log position).
 * In a group the store moves a message's status only once every other member's
 * receipt covers it, so its sender hears the aggregate, once per step; the reader's
 * other devices hear `read-position` after each group read.
 *
 * Per reader one store call of each kind runs at a time on this node, and what the reader's
 * devices report meanwhile joins one call queued behind it; a receipt re-sent while the first
 * is in flight waits for it (receipt-coalescing.ts says why).
 */
export class ReceiptService {
  private readonly deliveries = new CoalescingRunner<DeliveredWork>(DELIVERED_COALESCING, (readerId, work) =>
    this.storeDelivered(readerId, [...work.ids], work.exceptSocketId),
  );
  private readonly reads = new CoalescingRunner<ReadWork>(READ_COALESCING, (_key, work) =>
    this.storeRead(work.readerId, work.conversationId, work.upToSeq, work.exceptSocketId),
  );

  constructor(
    private readonly store: Pick<Store, 'markDelivered' | 'markRead' | 'readPosition'>,
    private readonly fanout: Fanout,
    private readonly now: () => Date = () => new Date(),
    /** Is, or was, the user a member of this group? (groups/memberships.ts; none: no groups.) */
    private readonly isGroupMember: (conversationId: string, userId: string) => Promise<boolean> = async () => false,
  ) {}

  /** Settles once the store has these ids (a part may have been stored by another report of the reader's). */
  delivered(readerId: string, messageIds: readonly string[], exceptSocketId?: string): Promise<void> {
    if (messageIds.length === 0) return Promise.resolve();
    return this.deliveries.submit(readerId, { ids: new Set(messageIds), exceptSocketId });
  }

  async read(readerId: string, conversationId: string, upToSeq: number, exceptSocketId?: string): Promise<void> {
    // A 1:1 conversation names its members. In a group a former member still reads up to its removal (its unread count).
    const member = conversationPeer(conversationId, readerId) !== null || (await this.isGroupMember(conversationId, readerId));
    if (!member) throw new PigeonError('FORBIDDEN', 'not a member of this conversation');
    await this.reads.submit(`${readerId}\u0000${conversationId}`, { readerId, conversationId, upToSeq, exceptSocketId });
  }

  private async storeDelivered(readerId: string, messageIds: string[], exceptSocketId: string | undefined): Promise<void> {
    const at = this.now().toISOString();
    const changed = await this.store.markDelivered(readerId, messageIds, at);
    this.push(readerId, changed, at, exceptSocketId);
  }

  private async storeRead(readerId: string, conversationId: string, upToSeq: number, exceptSocketId: string | undefined): Promise<void> {
    const at = this.now().toISOString();
    const changed = await this.store.markRead(readerId, conversationId, upToSeq, at);
    this.push(readerId, changed, at, exceptSocketId);
    // A group message's status is the aggregate over the members: a read alone may change none, so
    // the reader's other devices are told where the reader's position is now (never backwards there).
    if (conversationPeer(conversationId, readerId) === null) {
      const readSeq = await this.store.readPosition(conversationId, readerId);
      if (readSeq !== null) this.fanout.emit([readerId], 'read-position', { conversationId, readSeq }, exceptSocketId);
    }
  }

  /**
   * Each changed message with the status the store gave it, not the receipt's kind: in a group a
   * read can complete a message's *delivered* aggregate while others have not read it (finding G2
   * in docs/reliability.md: the sender was told `read`, the server said `delivered`).
   */
  private push(readerId: string, changed: readonly Message[], at: string, exceptSocketId?: string) {
    pushStatuses(this.fanout, changed, at, [readerId], exceptSocketId);
  }
}
