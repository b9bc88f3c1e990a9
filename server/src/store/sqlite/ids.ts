import { randomUUID } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, 12 bits of counter, then random bits. Message
 * ids are the key of a UNIQUE index; random v4 ids land on random pages of it at every insert,
 * time-ordered ids append to its right edge (measured: ~12 % of the insert CPU).
 *
 * Ids made in one millisecond follow the order they were made in (RFC 9562 §6.2, method 1: a
 * counter in `rand_a`, started at a random value below half its range each new millisecond). The
 * stores answer "newest first" by createdAt, then id (search.ts): a group commit gives its whole
 * batch one createdAt, and two sends in one millisecond share it too, so with random ids there
 * the order of two messages sent one after the other was a coin toss (search.test.ts failed on
 * it under load). The order holds within this process: SQLite's one writer. (The MongoDB store
 * uses these only for group ids; its message ids are hashes of the send, mongo/message-id.ts.)
 */
export function uuidv7Generator(clock: () => number = Date.now): () => string {
  let last = -1;
  let counter = 0;
  return () => {
    const now = clock();
    if (now > last) {
      last = now;
      counter = Math.floor(Math.random() * 0x800);
    } else if (++counter > 0xfff) {
      // The counter is spent (4,096 ids in one millisecond, or as many while the clock stays behind
      // the last one): borrow the next millisecond, so the order and uniqueness hold.
      last += 1;
      counter = 0;
    }
    return encodeUuidv7(last, counter);
  };
}

/** The UUIDv7 of millisecond `ms` with `counter` (12 bits) in rand_a; the rest random, variant 10. */
export function encodeUuidv7(ms: number, counter: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  // randomUUID() is 8-4-4-4-12: keep its variant and random bits from the fourth group on.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${counter.toString(16).padStart(3, '0')}-${randomUUID().slice(19)}`;
}

/** This process's ids: in the order they were made, within a millisecond too. */
export const uuidv7: () => string = uuidv7Generator();
