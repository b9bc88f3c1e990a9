/**
 * Receipts this device owes the server. The database is the queue, so nothing is
 * lost to a disconnect or a reload:
 *  - delivered: every incoming message is stored `delivered` with its id in an owed record written by
 *    the same transaction (local/owed-receipts.ts); the record is deleted once the server acks
 *    `message-received`. Until then the device is ahead of the server, so the debt is counted
 *    into the engine's state (`receiptsOwed`). Rows a previous version stored `sent`
 *    (MessageStore.sentIncoming) are still sent and then raised to `delivered`, as that version did.
 *  - read: each conversation's read mark `{ upToSeq, ackedUpToSeq }` in meta; the mark is
 *    re-sent until the server acks it (the event is "up to", so re-sending is harmless).
 * Both flushes run on every (re)connect and after the writes that create a debt, except that the
 * delivered receipts owed while a catch-up runs wait for its end (`holdDelivered`). An emit
 * that fails while the socket stays up (an ack lost to a stalled connection, a busy server)
 * is retried with backoff, cut short when the connection proves fine (up/receipt-retry.ts):
 * otherwise the debt would wait for the next reconnect or read, which may never come, and
 * the sender would never see its ticks.
 */
import { PERMANENT_SEND_ERRORS, PigeonError } from '../../errors.ts';
import { LIMITS } from '../../limits.ts';
import { refreshConversations, touch, type Touched } from '../local/conversation-summary.ts';
import { localMaxSeq, META, type LocalDb, type ReadMark, type StoredMessage } from '../local/local-db.ts';
import { applyStatus } from '../down/store-server-changes.ts';
import { raiseStatus } from '../down/merge-rules.ts';
import { type BackoffOptions } from '../util/backoff.ts';
import { SingleFlight } from '../util/single-flight.ts';
import { owedCount, owedDelivered, paidDelivered, receiptBatches } from '../local/owed-receipts.ts';
import { ReceiptRetry } from './receipt-retry.ts';
import { messageStore, messageTables } from '../local/message-store.ts';

/** Owed records read per round of the flush (each holds one storing transaction's ids: a live event's, or a catch-up commit's, PageSizes.perCommit pages). */
const OWED_RECORDS_PER_READ = 100;

export interface ReceiptsDeps {
  db: LocalDb;
  me: () => string | null;
  /** Socket connected and engine started. */
  canEmit: () => boolean;
  emitReceived: (messageIds: string[]) => Promise<void>;
  emitRead: (conversationId: string, upToSeq: number) => Promise<void>;
  /** How many delivery receipts the signed-in user owes now (after `recount()`). */
  owed?: (n: number) => void;
  onError: (where: string, error: unknown) => void;
  /** Delays of the retries after a failed emit (the drainer's by default). */
  backoff?: BackoffOptions;
  /** The longest the delivered receipts owed during a catch-up wait for its end (ms; `holdDelivered`). */
  deliveredHoldMaxMs: number;
  random?: () => number;
}

export class Receipts {
  private readonly delivered: SingleFlight;
  private readonly reads: SingleFlight;
  private readonly counting: SingleFlight;
  private readonly retry: ReceiptRetry;
  /** Delivered receipts are held for a running catch-up (`holdDelivered`): the bound on their wait. */
  private held: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: ReceiptsDeps) {
    this.delivered = new SingleFlight(() => this.flushDelivered(), deps.canEmit);
    this.reads = new SingleFlight(() => this.flushReads(), deps.canEmit);
    this.counting = new SingleFlight(async () => {
      const me = deps.me();
      deps.owed?.(me ? await owedCount(deps.db, me) : 0);
    });
    this.retry = new ReceiptRetry({
      run: () => this.flush(),
      canRun: deps.canEmit,
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    });
  }

  /** Sends what is owed; a failure leaves the debt in the database for the next flush. */
  flush(): void {
    this.flushDeliveredSoon();
    this.flushReadsSoon();
  }

  /** Drops a scheduled retry or hold (the engine stopped; the next start flushes on connect). */
  stop(): void {
    this.retry.reset();
    if (this.held) clearTimeout(this.held);
    this.held = null;
  }

  /** A new connection: earlier failures say nothing about it (its connect flushes). */
  resetBackoff(): void {
    this.retry.reset();
  }

  /** Something else just went through the connection: a retry waiting out its backoff goes now. */
  connectionProven(): void {
    this.retry.proven();
  }

  /** Counts the debt into `owed` (after each change of meta, this tab's or another's). */
  recount(): void {
    void this.counting.request().catch((e) => this.deps.onError('receipts.count', e));
  }

  /**
   * Delivered receipts owed by what a running catch-up stored: sent when the run ends
   * (`releaseDelivered`), or `deliveredHoldMaxMs` after the first one held, whichever comes first.
   * Why: a long absence's backlog and its receipts compete for the same CPU, on the device (the
   * emits, the reads and deletes of the owed records between its pages) and on the server (a
   * status write and a push per message): the user waiting for the backlog comes first, the
   * sender's ticks follow a moment later. The debt is in the database either way, so holding it
   * loses nothing (a reload or a reconnect meanwhile flushes it as before). 20,000 messages in
   * Chromium: the server's CPU during the catch-up 0.83-1.06 s before, 0.47-0.61 s held (#20).
   */
  holdDelivered(): void {
    this.held ??= setTimeout(() => this.releaseDelivered(), this.deps.deliveredHoldMaxMs);
  }

  /** A catch-up run ended (stored to the end, failed or stopped) or held long enough: what it held goes now. */
  releaseDelivered(): void {
    if (!this.held) return;
    clearTimeout(this.held);
    this.held = null;
    this.flushDeliveredSoon();
  }

  flushDeliveredSoon(): void {
    if (this.deps.canEmit()) void this.delivered.request().catch((e) => this.deps.onError('receipts.delivered', e));
  }

  flushReadsSoon(): void {
    if (this.deps.canEmit()) void this.reads.request().catch((e) => this.deps.onError('receipts.read', e));
  }

  private async flushDelivered(): Promise<void> {
    if ((await this.flushOwedRecords()) === 'stop') return;
    await this.flushSentRows();
  }

  /** The debt recorded beside the rows (local/owed-receipts.ts): emitted, then its records deleted. */
  private async flushOwedRecords(): Promise<'done' | 'stop'> {
    const { db, me, canEmit, emitReceived } = this.deps;
    for (;;) {
      const userId = me();
      if (!userId || !canEmit()) return 'stop';
      const records = await owedDelivered(db, userId, OWED_RECORDS_PER_READ);
      if (records.length === 0) return 'done';
      for (const batch of receiptBatches(records, LIMITS.receiptIdsMax)) {
        // A record over the emit's cap (a catch-up's commit of several pages) goes out in emits side by side:
        // the server takes a reader's receipts that arrive together in one write (ReceiptService).
        // One that fails leaves the whole record owed; the ones acked are harmless to send again.
        const outcomes = await Promise.all(batch.emits.map((ids) => this.settled(emitReceived(ids))));
        if (outcomes.includes('retry')) return 'stop';
        await paidDelivered(db, batch.keys);
      }
    }
  }

  /**
   * Incoming rows still stored `sent`: written before the owed records existed (an older version
   * of this engine left them so until the ack). Emitted, then raised to `delivered` as before.
   */
  private async flushSentRows(): Promise<void> {
    const { db, me, canEmit, emitReceived } = this.deps;
    for (;;) {
      const userId = me();
      if (!userId || !canEmit()) return;
      // Batches of up to receiptIdsMax: a burst of incoming messages costs one emit per batch.
      const rows = await db.transaction('r', messageTables(db), () => messageStore(db).sentIncoming(userId, LIMITS.receiptIdsMax));
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
      this.retry.succeeded();
      // An ack: if the other kind of receipt is waiting out a backoff, it need not.
      this.retry.proven();
      return 'ok';
    } catch (e) {
      if (e instanceof PigeonError && PERMANENT_SEND_ERRORS.has(e.code)) return 'refused';
      this.retry.failed();
      return 'retry';
    }
  }
}


/**
 * The user has seen the conversation: every incoming message up to the highest stored
 * seq becomes read locally, the badge goes to 0, and the read mark is raised (never
 * lowered). Returns the mark's upToSeq, or null when the conversation holds nothing.
 */
export async function markReadLocally(db: LocalDb, conversationId: string, me: string): Promise<number | null> {
  return db.transaction('rw', [...messageTables(db), db.conversations, db.meta], async () => {
    const upTo = await localMaxSeq(db, conversationId);
    if (upTo === 0) return null;
    const key = META.readPrefix + conversationId;
    const mark = (await db.getMeta<ReadMark>(key)) ?? { upToSeq: 0, ackedUpToSeq: 0 };
    const store = messageStore(db);
    const unread = (await store.unreadIn(me, conversationId)).filter((r) => r.seq !== null && r.seq <= upTo);
    const writes: StoredMessage[] = unread.map((r) => raiseStatus(r, 'read'));
    await store.bulkPut(writes);
    const next: ReadMark = { upToSeq: Math.max(mark.upToSeq, upTo), ackedUpToSeq: mark.ackedUpToSeq };
    await db.setMeta(key, next);
    const touched: Touched = new Map();
    touch(touched, conversationId);
    await refreshConversations(db, touched, me, { zeroUnread: true });
    return next.upToSeq;
  });
}
