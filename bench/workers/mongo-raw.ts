/**
 * Worker of the "MongoDB store vs raw driver" figure (bench/figures/mongo-raw.ts), a child
 * of the bench so its CPU is its own. Two commands:
 *
 *  - `storeVsRaw`: Pigeon's MongoDB store (`createMongoStore` → `sendMessages`) and the
 *    official driver's `insertMany` alone, on the same server, in alternating segments
 *    (store, raw, store, raw …, so drift on a shared machine hits both). The raw side
 *    writes the very documents the store wrote in the segment before (read back by
 *    clientId, untimed), cut into the same batches, into its own collection with the
 *    store's indexes and write concern.
 *  - `replay`: the documents a Pigeon server wrote through the full send path, inserted
 *    by the raw driver in batches of the server's mean group commit.
 */
import type { Collection, Document } from 'mongodb';
import { createMongoStore, type MongoStore } from '../../server/src/store/mongo/mongo-store.ts';
import { openRawTarget, readBack, STORE_MESSAGES, timedSegment, type RawTarget } from '../lib/mongo-raw.ts';
import { serveRpc } from '../lib/procs.ts';
import { batchSizes, cutBatches, emptyTotals, planBatches, summarizeSide, type PlannedSend, type WriteSide } from '../lib/write-plan.ts';

export interface StoreVsRawArgs {
  uri: string;
  /** FerretDB's pid, whose CPU is charged to the side writing; null: not measured. */
  dbPid: number | null;
  users: number;
  batchSize: number;
  /** Measured batches per side, split over `segments` alternations. */
  batches: number;
  segments: number;
  warmupBatches: number;
  /** Batches in flight at once, the same on both sides. */
  inflight: number;
}

export interface StoreVsRawResult {
  store: WriteSide;
  raw: WriteSide;
  writeConcern: string;
  indexes: string[];
  /** What answered (buildInfo), as the store detected it. */
  server: string;
}

/**
 * Pigeon's store on `uri` (default options: the write path and write concern the server
 * uses) and the raw baseline beside it, both closed after `fn`.
 */
async function withStoreAndRaw<T>(uri: string, fn: (store: MongoStore, raw: RawTarget) => Promise<T>): Promise<T> {
  const store = await createMongoStore({ uri });
  try {
    const raw = await openRawTarget(uri, store.db);
    try {
      return await fn(store, raw);
    } finally {
      await raw.client.close();
    }
  } finally {
    await store.close();
  }
}

function storeVsRaw(a: StoreVsRawArgs): Promise<StoreVsRawResult> {
  return withStoreAndRaw(a.uri, async (store, raw) => {
    const users: string[] = [];
    const tag = Date.now().toString(36);
    for (let i = 0; i < a.users; i++) users.push((await store.createUser({ username: `raw${tag}_${i}`, displayName: `Raw ${i}`, passwordHash: 'x' })).id);
    const storeMessages = store.db.collection(STORE_MESSAGES);

    const storeTotals = emptyTotals();
    const rawTotals = emptyTotals();
    /** One alternation: the store writes `plan`, then the driver writes what the store stored. */
    const round = async (plan: PlannedSend[][], count: boolean) => {
      const st = count ? storeTotals : emptyTotals();
      const rt = count ? rawTotals : emptyTotals();
      const outcomes = await timedSegment(plan, a.inflight, (b) => store.sendMessages(b), st, count ? a.dbPid : null);
      const fresh = outcomes.flat().filter((o) => o.created).length;
      const planned = plan.reduce((n, b) => n + b.length, 0);
      if (fresh !== planned) throw new Error(`store created ${fresh} of ${planned} new sends`);
      const docs = await readBack(storeMessages, plan.flat().map((s) => s.clientId));
      const rawBatches = cutBatches(docs, plan.map((b) => b.length));
      await timedSegment(rawBatches, a.inflight, (b: Document[]) => raw.collection.insertMany(b), rt, count ? a.dbPid : null);
    };

    await round(planBatches({ users, batchSize: a.batchSize, batches: a.warmupBatches, tag: `${tag}w` }), false);
    const plan = planBatches({ users, batchSize: a.batchSize, batches: a.batches, tag: `${tag}m` });
    const perSegment = Math.ceil(plan.length / Math.max(1, a.segments));
    for (let i = 0; i < plan.length; i += perSegment) await round(plan.slice(i, i + perSegment), true);
    await expectHeld(raw.collection, (a.warmupBatches + a.batches) * a.batchSize);

    return { store: summarizeSide(storeTotals), raw: summarizeSide(rawTotals), writeConcern: raw.writeConcern, indexes: raw.indexes, server: store.server };
  });
}

export interface ReplayArgs {
  uri: string;
  dbPid: number | null;
  batchSize: number;
  /** At most this many of the stored messages. */
  limit: number;
  inflight: number;
}

export interface ReplayResult {
  raw: WriteSide;
  writeConcern: string;
}

/** The store is opened only for the write concern and indexes it uses on this URI. */
function replay(a: ReplayArgs): Promise<ReplayResult> {
  return withStoreAndRaw(a.uri, async (store, raw) => {
    // Natural order: FerretDB (and MongoDB without deletes) returns documents as they were inserted.
    const docs = await store.db.collection(STORE_MESSAGES).find({}).limit(a.limit).toArray();
    const totals = emptyTotals();
    await timedSegment(cutBatches(docs, batchSizes(docs.length, a.batchSize)), a.inflight, (b: Document[]) => raw.collection.insertMany(b), totals, a.dbPid);
    await expectHeld(raw.collection, docs.length);
    return { raw: summarizeSide(totals), writeConcern: raw.writeConcern };
  });
}

/** The baseline really stored every document it was timed for (an unacknowledged write would not be). */
async function expectHeld(collection: Collection<Document>, n: number): Promise<void> {
  const held = await collection.countDocuments();
  if (held !== n) throw new Error(`raw baseline holds ${held} documents, expected ${n}`);
}

serveRpc({
  storeVsRaw: (a) => storeVsRaw(a as StoreVsRawArgs),
  replay: (a) => replay(a as ReplayArgs),
});
