import { PigeonError } from '@pigeon/sync-protocol';
import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/** The server's error code for an insert or upsert refused by a unique index. */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/**
 * An upsert by `_id`, again when refused as a duplicate. Two upserts of a document that does not
 * exist yet, at once (two devices muting a chat through two nodes, two nodes starting), both find
 * nothing and both insert: one is refused with E11000. MongoDB 4.2+ retries such an upsert itself
 * when its filter is an equality on the unique key; FerretDB 1.x does not, and the refusal reached
 * the client as an internal error (a 2-node chaos run). The retry finds the document and updates it.
 */
export async function upsertById<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isDuplicateKey(err) || attempt === 3) throw err;
    }
  }
}

/**
 * The input indexes of the documents an `insertMany` had refused as duplicates; rethrows
 * anything else (another write error, a connection error).
 */
export function refusedAsDuplicates(err: unknown): number[] {
  const writeErrors = err instanceof MongoBulkWriteError && !err.err ? [err.writeErrors].flat() : [];
  if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
  return writeErrors.map((w) => w.index);
}

/** Connection trouble is `UNAVAILABLE` (503, retry later); anything else stays as it is. */
export function translateDriverError(err: unknown): unknown {
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError
  ) {
    return new PigeonError('UNAVAILABLE', 'database unavailable', err);
  }
  return err;
}
