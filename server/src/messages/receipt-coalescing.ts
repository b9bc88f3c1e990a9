import { LIMITS } from '@pigeon/sync-protocol';
import type { Coalescing } from '../util/coalescing-runner.ts';

/**
 * How one reader's receipts combine while a store call for them runs (ReceiptService).
 *
 * Why at all: each receipt is a write section on the store's one lane, several collection
 * scans each on FerretDB (store/mongo/fair-lane.ts). Under load a client's ack times out
 * before its section ran, and the client sends the receipt again; every re-send queued one
 * more full section, so the queue grew with its own length. In session 23 receipts stayed
 * owed for more than 15 s in chaos-cluster seed 2, and senders saw one tick for 15–40 s.
 * Joined here, a reader costs at most one running and one waiting section per kind.
 *
 * A joined call pushes `message-status` to every device of the reader unless all its parts came
 * from the same socket: a device told about a status it reported itself changes nothing.
 */

export interface DeliveredWork {
  ids: ReadonlySet<string>;
  exceptSocketId: string | undefined;
}

export interface ReadWork {
  readerId: string;
  conversationId: string;
  upToSeq: number;
  exceptSocketId: string | undefined;
}

const sameSocket = (a: string | undefined, b: string | undefined) => (a === b ? a : undefined);

/** Ids already in a call are waited for; the rest join the queued call up to one receipt's worth. */
export const DELIVERED_COALESCING: Coalescing<DeliveredWork> = {
  rest(earlier, next) {
    const left = [...next.ids].filter((id) => !earlier.ids.has(id));
    if (left.length === next.ids.size) return { covered: false, rest: next };
    return { covered: true, rest: left.length === 0 ? null : { ids: new Set(left), exceptSocketId: next.exceptSocketId } };
  },
  join(queued, more) {
    // One store call stays as big as one client receipt may be (its time on the lane bounded).
    if (queued.ids.size + more.ids.size > LIMITS.receiptIdsMax) return null;
    return { ids: new Set([...queued.ids, ...more.ids]), exceptSocketId: sameSocket(queued.exceptSocketId, more.exceptSocketId) };
  },
};

/** A read up to a seq covers every read up to a lower one (statuses only move forward). */
export const READ_COALESCING: Coalescing<ReadWork> = {
  rest(earlier, next) {
    return earlier.upToSeq >= next.upToSeq ? { covered: true, rest: null } : { covered: false, rest: next };
  },
  join(queued, more) {
    return { ...queued, upToSeq: Math.max(queued.upToSeq, more.upToSeq), exceptSocketId: sameSocket(queued.exceptSocketId, more.exceptSocketId) };
  },
};
