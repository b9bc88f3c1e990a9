import type { Message } from '@pigeon/sync-protocol';
import type { Collection, Db } from 'mongodb';
import type { BlockDoc, ConversationDoc, CounterDoc, MessageDoc, SessionDoc, UserDoc } from './documents.ts';
import { PendingPointers } from './pending-pointers.ts';
import { VisibilityGuard } from './visibility.ts';
import { SerialQueue, SharedWriteLock, type LockDoc, type WriteLane } from './write-lock.ts';

export interface StoreHooks {
  /** Awaited in a send batch after its seqs and positions are allocated, before the insert. */
  beforeInsert?: (messages: readonly Message[]) => Promise<void>;
  /** Awaited in a receipt after its positions are allocated, before the status updates. */
  beforeStatusWrite?: (messageIds: readonly string[]) => Promise<void>;
}

/** What the store's parts (users, send batch, counters, receipts, reads) share: one per open store. */
export interface MongoContext {
  readonly server: 'mongodb' | 'ferretdb';
  readonly sendLookup: 'before-insert' | 'on-conflict';
  readonly users: Collection<UserDoc>;
  readonly messages: Collection<MessageDoc>;
  readonly conversations: Collection<ConversationDoc>;
  readonly counters: Collection<CounterDoc>;
  readonly sessions: Collection<SessionDoc>;
  readonly blocks: Collection<BlockDoc>;
  /** Keeps sync reads below the positions that writes of this process may still commit. */
  readonly guard: VisibilityGuard;
  /** Conversation pointers committed but not written yet; they ride along with seq allocations. */
  readonly pointers: PendingPointers;
  /** How many seq allocations of one batch run at once. */
  readonly allocationConcurrency: number;
  /**
   * Send batches commit one at a time: two overlapping batches with the same
   * (sender, clientId) would both miss it in the lookup and one would burn a seq.
   */
  readonly sendLane: WriteLane;
  /** Receipts: concurrent on MongoDB (null), in the shared lane when updates are not atomic. */
  readonly receiptLane: WriteLane | null;
  /**
   * Compare-and-set updates of a session (rotation, revocation): null on MongoDB, where a
   * conditional findOneAndUpdate is atomic; the shared lane on FerretDB, where two of them
   * can both match the same stale read and both "win".
   */
  readonly casLane: WriteLane | null;
  readonly hooks: StoreHooks;
}

export function createContext(
  db: Db,
  server: 'mongodb' | 'ferretdb',
  writeLock: 'process' | 'shared',
  sendLookup: 'before-insert' | 'on-conflict',
  hooks: StoreHooks,
): MongoContext {
  const shared = writeLock === 'shared' ? new SharedWriteLock(db.collection<LockDoc>('locks')) : null;
  return {
    server,
    sendLookup,
    users: db.collection<UserDoc>('users'),
    messages: db.collection<MessageDoc>('messages'),
    conversations: db.collection<ConversationDoc>('conversations'),
    counters: db.collection<CounterDoc>('counters'),
    sessions: db.collection<SessionDoc>('sessions'),
    blocks: db.collection<BlockDoc>('blocks'),
    guard: new VisibilityGuard(),
    pointers: new PendingPointers(),
    // FerretDB runs each findAndModify as its own SQLite write transaction, and concurrent
    // ones queue on SQLite's busy handler: 100 allocations took 0.58 s in parallel, 0.21 s
    // one after another. MongoDB updates different documents in parallel.
    allocationConcurrency: server === 'ferretdb' ? 1 : Infinity,
    sendLane: shared ?? new SerialQueue(),
    receiptLane: shared,
    casLane: shared,
    hooks,
  };
}
