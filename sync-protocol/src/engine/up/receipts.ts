/**
 * Receipts this device owes the server. The database is the queue, so nothing is
 * lost to a disconnect or a reload:
 *  - delivered: every incoming message stored as `sent` still needs `message-received`
 *    (LocalDb.sentIncoming, 1:1 and group messages alike); after the server acks, it is stored
 *    as `delivered`.
 *  - read: each conversation's read mark `{ upToSeq, ackedUpToSeq }` in meta; the mark is
 *    re-sent until the server acks it (the event is "up to", so re-sending is harmless).
 * Both flushes run on every (re)connect and after the writes that create a debt. An emit
 * that fails while the socket stays up (an ack lost to a stalled connection, a busy server)
 * is retried with backoff: otherwise the debt would wait for the next reconnect or read,
 * which may never come, and the sender would never see its ticks.
 */
import { PERMANENT_SEND_ERRORS, PigeonError } from '../../errors.ts';
import { LIMITS } from '../../limits.ts';
import { refreshConversations, touch, type Touched } from '../local/conversation-summary.ts';
import { localMaxSeq, META, type LocalDb, type ReadMark, type StoredMessage } from '../local/local-db.ts';
import { applyStatus } from '../down/store-server-changes.ts';
import { raiseStatus } from '../down/merge-rules.ts';
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';
import { SingleFlight } from '../util/single-flight.ts';

export interface ReceiptsDeps {
  db: LocalDb;
  me: () => string | null;
  /** Socket connected and engine started. */
  canEmit: () => boolean;
  emitReceived: (messageIds: string[]) => Promise<void>;
  emitRead: (conversationId: string, upToSeq: number) => Promise<void>;
  onError: (where: string, error: unknown) => void;
  /** Delays of the retries after a failed emit (the drainer's by default). */
  backoff?: BackoffOptions;
  random?: () => number;
}

export class Receipts {
  private readonly delivered: SingleFlight;
  private readonly reads: SingleFlight;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  constructor(private readonly deps: ReceiptsDeps) {
    this.delivered = new SingleFlight(() => this.flushDelivered(), deps.canEmit);
    this.reads = new SingleFlight(() => this.flushReads(), deps.canEmit);
  }

  /** Sends what is owed; a failure leaves the debt in the database for the next flush. */
  flush(): void {
    this.flushDeliveredSoon();
    this.flushReadsSoon();
  }

  /** Drops a scheduled retry (the engine stopped; the next start flushes on connect). */
  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failures = 0;
  }

  flushDeliveredSoon(): void {
    if (this.deps.canEmit()) void this.delivered.request().catch((e) => this.deps.onError('receipts.delivered', e));
  }

  flushReadsSoon(): void {
    if (this.deps.canEmit()) void this.reads.request().catch((e) => this.deps.onError('receipts.read', e));
  }

  private async flushDelivered(): Promise<void> {
    const { db, me, canEmit, emitReceived } = this.deps;
    for (;;) {
      const userId = me();
      if (!userId || !canEmit()) return;
      // Batches of up to receiptIdsMax: a burst of incoming messages costs one emit per batch.
      const rows = await db.sentIncoming(userId).limit(LIMITS.receiptIdsMax).toArray();
      const owed = rows.filter((r) => r.id);
      const ids = owed.map((r) => r.id!);
      if (ids.length === 0) return;
      if ((await this.settled(emitReceived(ids))) === 'retry') return;
      await applyStatus(db, ids, 'delivered', userId, owed.map((r) => r.key));
      if (rows.length < LIMITS.receiptIdsMax) return;
    }
  }

  private async flushReads(): Promise<void> {
    const { db, canEmit, emitRead } = this.deps;
    const marks = await db.meta.where('key').startsWith(META.readPrefix).toArray();
    for (const row of marks) {
      const mark = row.value as ReadMark;
      if (mark.upToSeq <= mark.ackedUpToSeq) continue;
      if (!canEmit()) return;
      const conversationId = row.key.slice(META.readPrefix.length);
      // Refused for good (we left the group, it is gone): the debt can never be paid; drop it.
      if ((await this.settled(emitRead(conversationId, mark.upToSeq))) === 'retry') return;
      await db.transaction('rw', db.meta, async () => {
        const current = (await db.getMeta<ReadMark>(row.key)) ?? mark;
        await db.setMeta(row.key, { ...current, ackedUpToSeq: Math.max(current.ackedUpToSeq, mark.upToSeq) });
      });
    }
  }

  /**
   * How the emit ended: acked ok; refused for good (FORBIDDEN, NOT_FOUND, VALIDATION: sent again,
   * it would be refused again, forever); or failed otherwise (timeout, disconnect, a busy server),
   * which schedules a retry of both flushes.
   */
  private async settled(p: Promise<void>): Promise<'ok' | 'refused' | 'retry'> {
    try {
      await p;
      this.failures = 0;
      return 'ok';
    } catch (e) {
      if (e instanceof PigeonError && PERMANENT_SEND_ERRORS.has(e.code)) return 'refused';
      this.retryLater();
      return 'retry';
    }
  }

  private retryLater(): void {
    // Disconnected: the flush on reconnect is the retry. One timer covers both kinds of debt.
    if (this.retryTimer || !this.deps.canEmit()) return;
    const delay = backoffDelay(++this.failures, this.deps.backoff, this.deps.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, delay);
  }
}


/**
 * The user has seen the conversation: every incoming message up to the highest stored
 * seq becomes read locally, the badge goes to 0, and the read mark is raised (never
 * lowered). Returns the mark's upToSeq, or null when the conversation holds nothing.
 */
export async function markReadLocally(db: LocalDb, conversationId: string, me: string): Promise<number | null> {
  return db.transaction('rw', [db.messages, db.conversations, db.meta], async () => {
    const upTo = await localMaxSeq(db, conversationId);
    if (upTo === 0) return null;
    const key = META.readPrefix + conversationId;
    const mark = (await db.getMeta<ReadMark>(key)) ?? { upToSeq: 0, ackedUpToSeq: 0 };
    const unread = (await db.unreadIn(me, conversationId)).filter((r) => r.seq !== null && r.seq <= upTo);
    const writes: StoredMessage[] = unread.map((r) => raiseStatus(r, 'read'));
    await db.messages.bulkPut(writes);
    const next: ReadMark = { upToSeq: Math.max(mark.upToSeq, upTo), ackedUpToSeq: mark.ackedUpToSeq };
    await db.setMeta(key, next);
    const touched: Touched = new Map();
    touch(touched, conversationId);
    await refreshConversations(db, touched, me, { zeroUnread: true });
    return next.upToSeq;
  });
}
