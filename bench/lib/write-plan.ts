/**
 * Pure parts of the "MongoDB store vs raw driver" figure: which sends go in which batch,
 * which of the store's indexes the raw baseline copies, how documents the store wrote are
 * cut into the baseline's batches, and the summary of a side. No I/O here (unit-tested in
 * write-plan.test.ts); bench/workers/mongo-raw.ts does the writing.
 */
import { summarize, type LatencySummary } from './stats.ts';

export interface PlannedSend {
  senderId: string;
  recipientId: string;
  clientId: string;
  body: string;
}

export interface PlanOptions {
  /** User ids, taken in pairs (0,1), (2,3) …: one direct conversation per pair. */
  users: readonly string[];
  batchSize: number;
  batches: number;
  /** Prefix of every clientId, so two plans (warm-up, measured) never collide. */
  tag: string;
  bodyChars?: number;
}

/**
 * `batches` batches of `batchSize` sends, round-robin over every conversation (each batch
 * touches min(batchSize, pairs) conversations, as a busy server's group commit does), the
 * direction alternating so both members send. ClientIds are time-ordered per sender like
 * the engine's (a counter after a fixed prefix), so the (sender, clientId) index sees the
 * append pattern real clients produce.
 */
export function planBatches(o: PlanOptions): PlannedSend[][] {
  const pairs = Math.floor(o.users.length / 2);
  if (pairs < 1) throw new Error('planBatches: needs at least two users');
  if (!(o.batchSize >= 1 && o.batches >= 0)) throw new Error('planBatches: batchSize ≥ 1 and batches ≥ 0');
  const body = benchBody(o.bodyChars ?? 64);
  const out: PlannedSend[][] = [];
  let n = 0;
  for (let b = 0; b < o.batches; b++) {
    const batch: PlannedSend[] = [];
    for (let i = 0; i < o.batchSize; i++, n++) {
      const pair = n % pairs;
      const flip = Math.floor(n / pairs) % 2 === 1;
      const a = o.users[2 * pair]!;
      const c = o.users[2 * pair + 1]!;
      batch.push({
        senderId: flip ? c : a,
        recipientId: flip ? a : c,
        clientId: `${o.tag}-${n.toString(36).padStart(8, '0')}`,
        body,
      });
    }
    out.push(batch);
  }
  return out;
}

/** The load generator's body shape: 64 characters by default. */
export function benchBody(chars: number): string {
  return `bench message ${'·'.repeat(Math.max(0, chars - 14))}`.slice(0, Math.max(1, chars));
}

export interface ListedIndex {
  key: Record<string, number | string>;
  name?: string;
  unique?: boolean;
  [option: string]: unknown;
}

/**
 * The indexes of the store's collection as the baseline creates them on its own: every
 * index but `_id_` (which every collection has), with its key, name and uniqueness (the
 * only options the store uses; FerretDB 1.x rejects partial and collation indexes). Read
 * from the database rather than from the store's source, so the baseline keeps up with
 * whatever the store creates.
 */
export function indexesToCopy(listed: readonly ListedIndex[]): Array<{ key: Record<string, number | string>; name: string; unique?: boolean }> {
  return listed
    .filter((ix) => ix.name !== '_id_')
    .map((ix) => ({ key: ix.key, name: ix.name ?? Object.keys(ix.key).join('_'), ...(ix.unique ? { unique: true } : {}) }));
}

/**
 * Cuts documents (in the order they were written) into batches of the given sizes; the
 * last batch may be short when `sizes` asks for more than there is.
 */
export function cutBatches<T>(docs: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= docs.length) break;
    out.push(docs.slice(at, at + size));
    at += size;
  }
  return out;
}

/** `total` split into batches of `size` (the last one shorter). */
export function batchSizes(total: number, size: number): number[] {
  if (!(size >= 1)) throw new Error('batchSizes: size ≥ 1');
  const out: number[] = [];
  for (let left = total; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}

/** One side of the comparison (the store, or the raw driver), over its measured segments. */
export interface WriteSide {
  messages: number;
  batches: number;
  /** Wall time spent writing (the sum of the measured segments), ms. */
  wallMs: number;
  msgsPerSec: number;
  /** Per batch, ms. */
  batchLatency: LatencySummary;
  /** CPU of the process that calls the driver (the worker), µs per message. */
  clientCpuUsPerMsg: number;
  /** CPU of the database server (FerretDB), µs per message. */
  dbCpuUsPerMsg: number;
}

export interface SideTotals {
  messages: number;
  batchMs: number[];
  wallMs: number;
  clientCpuSec: number;
  dbCpuSec: number;
}

export function emptyTotals(): SideTotals {
  return { messages: 0, batchMs: [], wallMs: 0, clientCpuSec: 0, dbCpuSec: 0 };
}

export function summarizeSide(t: SideTotals): WriteSide {
  const perMsg = (sec: number) => (t.messages > 0 ? (sec * 1e6) / t.messages : NaN);
  return {
    messages: t.messages,
    batches: t.batchMs.length,
    wallMs: t.wallMs,
    msgsPerSec: t.wallMs > 0 ? t.messages / (t.wallMs / 1000) : NaN,
    batchLatency: summarize(t.batchMs),
    clientCpuUsPerMsg: perMsg(t.clientCpuSec),
    dbCpuUsPerMsg: perMsg(t.dbCpuSec),
  };
}
