/**
 * I/O of the "MongoDB store vs raw driver" figure, run inside bench/workers/mongo-raw.ts:
 * the raw baseline's collection (the store's indexes, the store's write concern) and a
 * timed writer that charges wall time, this process's CPU and the database's CPU to a side.
 */
import { MongoClient, type Collection, type Db, type Document, type IndexDescription } from 'mongodb';
import { readCpuSeconds } from './procs.ts';
import { indexesToCopy, type ListedIndex, type SideTotals } from './write-plan.ts';

/** The collection Pigeon's MongoDB store keeps messages in (docs/operations.md, indexes). */
export const STORE_MESSAGES = 'messages';
export const RAW_COLLECTION = 'bench_raw_messages';

export interface RawTarget {
  client: MongoClient;
  collection: Collection<Document>;
  /** As the driver will send it, e.g. {"w":"majority"}. */
  writeConcern: string;
  indexes: string[];
}

/**
 * A fresh collection next to the store's (same database, so the same file and fsyncs on
 * FerretDB), with every index the store's messages collection has, written through its own
 * client with the store's write concern. Throws if the write concerns differ: a baseline
 * that acknowledges less would do less work.
 */
export async function openRawTarget(uri: string, storeDb: Db): Promise<RawTarget> {
  const storeWc = storeDb.collection(STORE_MESSAGES).writeConcern;
  const client = new MongoClient(uri, storeWc ? { writeConcern: storeWc } : {});
  await client.connect();
  try {
    const db = client.db(storeDb.databaseName);
    await db.collection(RAW_COLLECTION).drop().catch(() => {});
    await db.createCollection(RAW_COLLECTION);
    const collection = db.collection(RAW_COLLECTION);
    const listed = (await storeDb.collection(STORE_MESSAGES).listIndexes().toArray()) as ListedIndex[];
    const indexes = indexesToCopy(listed);
    // One index per command: FerretDB 1.24 mishandles multi-index createIndexes (as the store does).
    for (const ix of indexes) await collection.createIndexes([ix as IndexDescription]);
    const wc = JSON.stringify(collection.writeConcern ?? null);
    if (wc !== JSON.stringify(storeWc ?? null)) throw new Error(`raw baseline write concern ${wc} ≠ the store's ${JSON.stringify(storeWc)}`);
    return { client, collection, writeConcern: wc, indexes: indexes.map((ix) => `${ix.name}${ix.unique ? ' (unique)' : ''}`) };
  } catch (e) {
    await client.close();
    throw e;
  }
}

/**
 * Runs `batches` with up to `inflight` at once through `write`, adding to `totals`: messages,
 * each batch's time, the wall time of the whole segment, this process's CPU and the CPU of
 * `dbPid` (FerretDB) over it.
 */
export async function timedSegment<B extends readonly unknown[], R>(
  batches: readonly B[],
  inflight: number,
  write: (batch: B) => Promise<R>,
  totals: SideTotals,
  dbPid: number | null,
): Promise<R[]> {
  const results: R[] = new Array(batches.length);
  const cpu0 = process.cpuUsage();
  const db0 = dbPid ? readCpuSeconds(dbPid) : 0;
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < batches.length) {
      const i = next++;
      const b0 = performance.now();
      results[i] = await write(batches[i]!);
      totals.batchMs.push(performance.now() - b0);
      totals.messages += batches[i]!.length;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inflight, batches.length)) }, lane));
  totals.wallMs += performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  totals.clientCpuSec += (cpu.user + cpu.system) / 1e6;
  if (dbPid) totals.dbCpuSec += readCpuSeconds(dbPid) - db0;
  return results;
}

/**
 * The documents the store wrote for these sends, in the order of `clientIds` (unique within a
 * plan); throws if one is missing. By clientId rather than `_id`: how the store derives
 * `_id` is its own business.
 */
export async function readBack(collection: Collection<Document>, clientIds: readonly string[]): Promise<Document[]> {
  const found = new Map<string, Document>();
  for (const d of await collection.find({ clientId: { $in: [...clientIds] } }).toArray()) found.set(d.clientId as string, d);
  return clientIds.map((id) => {
    const d = found.get(id);
    if (!d) throw new Error(`send ${id} acknowledged by the store but not found in ${STORE_MESSAGES}`);
    return d;
  });
}
