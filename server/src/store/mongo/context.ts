import type { Message } from '@pigeon/sync-protocol';
import type { Collection, Db } from 'mongodb';
import { BoundedLru } from '../../util/lru.ts';
import type { AttachmentDoc, AttachmentKeyDoc, ClaimDoc } from './attachment-docs.ts';
import type { BlockDoc, ConversationDoc, GroupStateDoc, LogDoc, MessageDoc, MoveDoc, SessionDoc, SessionUseDoc, UserDoc } from './documents.ts';
import { TakingTurnsLane, type FairWriteLane } from './fair-lane.ts';
import { Numbering } from './numbering.ts';
import type { MuteDoc } from './mutes.ts';
import type { PushSubscriptionDoc } from './push-subscriptions.ts';
import { SharedWriteLock, type LockDoc, type WriteLane } from './write-lock.ts';

export interface StoreHooks {
  /** Awaited in a send batch once its messages are numbered, before their first insert. */
  beforeInsert?: (messages: readonly Message[]) => Promise<void>;
  /** Awaited in a receipt once its entries are numbered, before their first insert. */
  beforeStatusWrite?: (messageIds: readonly string[]) => Promise<void>;
  /** Awaited in applyActions once its entries are judged and numbered, before their first insert. */
  beforeActionInsert?: (entryIds: readonly string[]) => Promise<void>;
  /** Awaited in changesSince between its read of the user's group periods and its read of the entries. */
  beforeFeedRead?: (userId: string) => Promise<void>;
}

/** Conversations this process knows to have their document; others are upserted before their first message. */
const KNOWN_CONVERSATIONS_MAX = 100_000;

/** What the store's parts (users, send batch, receipts, reads) share: one per open store. */
export interface MongoContext {
  readonly server: 'mongodb' | 'ferretdb';
  readonly sendLookup: 'before-insert' | 'on-conflict';
  readonly users: Collection<UserDoc>;
  readonly messages: Collection<MessageDoc>;
  /** The same collection, as the change log of messages and receipt entries. */
  readonly log: Collection<LogDoc>;
  readonly conversations: Collection<ConversationDoc>;
  readonly sessions: Collection<SessionDoc>;
  /** When each refresh-token generation was first used (sessions.ts). */
  readonly sessionUses: Collection<SessionUseDoc>;
  readonly blocks: Collection<BlockDoc>;
  /** Group members' delivered/read position moves (group-receipts.ts). */
  readonly moves: Collection<MoveDoc>;
  /** Attachment records, their (uploader, clientId) keys and the messages that claimed them (attachment-docs.ts). */
  readonly attachments: Collection<AttachmentDoc>;
  readonly attachmentKeys: Collection<AttachmentKeyDoc>;
  readonly claims: Collection<ClaimDoc>;
  /** Web Push subscriptions (push-subscriptions.ts) and per-chat mutes (mutes.ts). */
  readonly pushSubscriptions: Collection<PushSubscriptionDoc>;
  readonly mutes: Collection<MuteDoc>;
  /**
   * Each group's state as of a seq this process saw committed (group-state.ts): a send checks
   * membership against it without a read while no other node wrote to the group.
   */
  readonly groupStates: BoundedLru<string, { asOf: number; state: GroupStateDoc | null }>;
  /** This process's guesses of the next position and seqs (numbering.ts). */
  readonly numbering: Numbering;
  readonly knownConversations: BoundedLru<string, true>;
  /** The last conversation pointer this process wrote, per conversation (send-batch.ts). */
  readonly pointerWritten: BoundedLru<string, number>;
  /**
   * Send batches and receipts of this process run one at a time. Not for correctness (the
   * unique indexes decide between nodes): two sections of one process would only guess the
   * same numbers and make each other retry. Sends and receipts take turns (fair-lane.ts).
   */
  readonly writeLane: FairWriteLane;
  /**
   * Compare-and-set updates of a session (rotation, revocation), a mute record or a profile: null on
   * MongoDB, where a conditional update is atomic; a lock document on FerretDB, where two of
   * them can both match the same stale read and both "win". No message write waits for it.
   */
  readonly casLane: WriteLane | null;
  readonly hooks: StoreHooks;
  /** Small documents by fixed `_id` (store identity, the actions marker of entry-truth.ts). */
  readonly meta: Collection<{ _id: string; since?: string }>;
  /** This process saw the actions marker (entry-truth.ts): it never goes away. */
  actionsMarked: boolean;
}

/** Runs a compare-and-set alone where the server's conditional updates are not atomic (FerretDB). */
export const compareAndSet = <T>(ctx: MongoContext, task: () => Promise<T>): Promise<T> => (ctx.casLane ? ctx.casLane.run(task) : task());

/** A session CAS takes milliseconds; a node that died holding the lock blocks refreshes this long at most. */
const SESSION_LOCK_LEASE_MS = 5_000;

export function createContext(
  db: Db,
  server: 'mongodb' | 'ferretdb',
  sessionLock: 'none' | 'shared',
  sendLookup: 'before-insert' | 'on-conflict',
  hooks: StoreHooks,
): MongoContext {
  const messages = db.collection<MessageDoc>('messages');
  return {
    server,
    sendLookup,
    users: db.collection<UserDoc>('users'),
    messages,
    log: db.collection<LogDoc>('messages'),
    conversations: db.collection<ConversationDoc>('conversations'),
    sessions: db.collection<SessionDoc>('sessions'),
    sessionUses: db.collection<SessionUseDoc>('session_uses'),
    blocks: db.collection<BlockDoc>('blocks'),
    moves: db.collection<MoveDoc>('positionMoves'),
    attachments: db.collection<AttachmentDoc>('attachments'),
    attachmentKeys: db.collection<AttachmentKeyDoc>('attachment_keys'),
    claims: db.collection<ClaimDoc>('attachment_claims'),
    pushSubscriptions: db.collection<PushSubscriptionDoc>('push_subscriptions'),
    mutes: db.collection<MuteDoc>('conversation_mutes'),
    groupStates: new BoundedLru(KNOWN_CONVERSATIONS_MAX),
    numbering: new Numbering({ messages }),
    knownConversations: new BoundedLru(KNOWN_CONVERSATIONS_MAX),
    pointerWritten: new BoundedLru(KNOWN_CONVERSATIONS_MAX),
    writeLane: new TakingTurnsLane(),
    casLane:
      sessionLock === 'shared'
        ? new SharedWriteLock(db.collection<LockDoc>('locks'), 'sessions', { leaseMs: SESSION_LOCK_LEASE_MS, acquireTimeoutMs: SESSION_LOCK_LEASE_MS * 2 })
        : null,
    hooks,
    meta: db.collection<{ _id: string; since?: string }>('meta'),
    actionsMarked: false,
  };
}
