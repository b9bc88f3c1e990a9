import type { AnyBulkWriteOperation, BulkWriteOptions, Collection, Document } from 'mongodb';

/**
 * FerretDB 1.24 (the Mongo-protocol test server) never answers a bulkWrite of 100
 * or more operations (seen: 90 answer in ~0.3 s, 100 hang until the client gives up).
 * Splitting costs MongoDB one round trip per chunk, so every bulkWrite goes through here.
 */
export const BULK_WRITE_CHUNK = 50;

export async function chunkedBulkWrite<T extends Document>(
  collection: Collection<T>,
  ops: readonly AnyBulkWriteOperation<T>[],
  options: BulkWriteOptions,
): Promise<{ modifiedCount: number }> {
  let modifiedCount = 0;
  for (let i = 0; i < ops.length; i += BULK_WRITE_CHUNK) {
    const result = await collection.bulkWrite(ops.slice(i, i + BULK_WRITE_CHUNK), options);
    modifiedCount += result.modifiedCount;
  }
  return { modifiedCount };
}
