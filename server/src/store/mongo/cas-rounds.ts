import { PigeonError } from '@pigeon/sync-protocol';
import { compareAndSet, type MongoContext } from './context.ts';

/** What a round returns when another write landed between its read and its conditional write. */
export const LOST_ROUND: unique symbol = Symbol('lost round');

/** Rounds lost to concurrent writes of one document before giving up (one user's devices: a handful at most). */
export const CAS_MAX_ROUNDS = 20;

/**
 * A read followed by a write conditional on what was read, repeated until the write lands.
 * A round is lost only to a write that landed in between, so a few rounds end it; after
 * CAS_MAX_ROUNDS the caller gets UNAVAILABLE (its client retries). Runs alone where the
 * server's conditional writes are not atomic (`compareAndSet`: FerretDB's shared lock).
 * `what` names the document in that error.
 */
export function casRounds<T>(ctx: MongoContext, what: string, round: () => Promise<T | typeof LOST_ROUND>): Promise<T> {
  return compareAndSet(ctx, async () => {
    for (let i = 0; i < CAS_MAX_ROUNDS; i++) {
      const result = await round();
      if (result !== LOST_ROUND) return result;
    }
    throw new PigeonError('UNAVAILABLE', `${what} kept changing under ${CAS_MAX_ROUNDS} rounds`);
  });
}
