import { PigeonError } from '@pigeon/sync-protocol';
import {
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
