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
