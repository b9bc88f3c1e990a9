import { MongoClient, type Db, type MongoClientOptions, type WriteConcernSettings } from 'mongodb';
import type { Store } from '../store.ts';
import { applyActions } from './actions.ts';
import { backfillSearch, type BackfillResult } from './backfill.ts';
import { attachmentsToSweep, createAttachment, findAttachment, getAttachment, removeAttachments } from './attachments.ts';
import { createContext, type MongoContext, type StoreHooks } from './context.ts';
import { translateDriverError } from './errors.ts';
import { INDEXES } from './indexes.ts';
import { blockedBy, blockersOf, blockUser, isBlockedEitherWay, unblockUser } from './blocks.ts';
import { contactsOf } from './contacts.ts';
import { messageReceipts } from './group-receipts.ts';
import { readPosition } from './group-reads.ts';
import { changeGroup, createGroup, getGroup, memberPeriods } from './groups.ts';
import { changesSince, getHistory, getMessage, listConversations } from './reads.ts';
import { markDelivered, markRead } from './receipts.ts';
import { sendMessages } from './send-batch.ts';
import { createSession, getSession, listSessions, markSessionUsed, purgeSessions, revokeSession, rotateSession } from './sessions.ts';
import { storeIdentity } from './identity.ts';
import { deletePushSubscription, dropPushEndpoint, pushSubscriptionsOf, savePushSubscription } from './push-subscriptions.ts';
import { mutedAmong, mutesOf, setMute } from './mutes.ts';
import { searchMessages } from './search.ts';
import { watchSlowCommands, type SlowCommandOptions } from './slow-commands.ts';
import { updateProfile } from './profiles.ts';
import { createUser, findUserByUsername, getUsers, searchUsers, setLastSeen, setPasswordHash } from './users.ts';

export type { StoreHooks } from './context.ts';

export interface MongoStoreOptions {
  uri: string;
  /** null/undefined: the database named in the URI, else `pigeon`. */
  dbName?: string | null;
  /**
   * Default `{ w: 'majority' }`, unless the URI sets `w=` itself. On a replica set anything
   * weaker lets a failover roll back a counter and hand the same seq or position out twice.
   */
  writeConcern?: WriteConcernSettings;
  /** Extra driver options (tests use `monitorCommands`). */
  clientOptions?: MongoClientOptions;
  /** Log the commands the database answers slowly (MONGO_SLOW_COMMAND_MS; slow-commands.ts). Off when absent or 0. */
  slowCommands?: SlowCommandOptions;
  /** Test seams, to stage races between nodes deterministically. */
  hooks?: StoreHooks;
  /**
   * How session compare-and-sets (refresh-token rotation, revocation) are made atomic.
   * Message writes take no lock in any mode: unique indexes order them (log-insert.ts).
   *  - 'process': none needed; MongoDB's conditional findOneAndUpdate is atomic.
   *  - 'shared': through a lock document with a short lease (FerretDB 1.x, whose updates
   *    are read-modify-write without concurrency control).
   *  - 'auto' (default): 'shared' on FerretDB, 'process' on MongoDB.
   */
  writeLock?: 'auto' | 'process' | 'shared';
  /**
   * How a send batch finds the sends that are stored already (resends):
   *  - 'before-insert': one `find({ _id: { $in } })` on the derived ids before inserting,
   *    answered from the `_id` index. The default on MongoDB.
   *  - 'on-conflict': no lookup; the ordered insert's duplicate-key errors reveal them, and
   *    only then are they looked up. The default on FerretDB 1.x, where every lookup scans
   *    the whole collection (its `_id` filter misses the `_id` index) and an insert does not.
   */
  sendLookup?: 'auto' | 'before-insert' | 'on-conflict';
}

/** A Store plus the handles operators and tests need. */
export interface MongoStore extends Store {
  readonly kind: 'mongodb';
  readonly client: MongoClient;
  readonly db: Db;
  /** What answered: a real MongoDB or FerretDB (detected with buildInfo). */
  readonly server: 'mongodb' | 'ferretdb';
  readonly writeLock: 'process' | 'shared';
  readonly sendLookup: 'before-insert' | 'on-conflict';
  /**
   * The backfill of search words for data stored before search (backfill.ts), started in the
   * background at open; settles when it is done or stopped by close (never rejects: a failure is
   * logged, and the next open tries again).
   */
  readonly searchBackfill: Promise<BackfillResult | null>;
}

export function dbNameFromUri(uri: string): string | null {
  // Hosts never contain '/', so the path starts at the first '/' after the scheme.
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri);
  const name = m?.[1] ? decodeURIComponent(m[1]) : '';
  return name.length > 0 ? name : null;
}

export async function createMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  const uriSetsW = /[?&]w=/i.test(options.uri);
  const slow = options.slowCommands && options.slowCommands.thresholdMs > 0 ? options.slowCommands : null;
  const client = new MongoClient(options.uri, {
    ...options.clientOptions,
    ...(slow ? { monitorCommands: true } : {}),
    ...(uriSetsW ? {} : { writeConcern: options.writeConcern ?? { w: 'majority' } }),
  });
  if (slow) watchSlowCommands(client, slow);
  try {
    await client.connect();
    const db = client.db(options.dbName ?? dbNameFromUri(options.uri) ?? 'pigeon');
    const info = await db.command({ buildInfo: 1 });
    const server = typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb';
    const mode = options.writeLock ?? 'auto';
    const writeLock = mode === 'auto' ? (server === 'ferretdb' ? 'shared' : 'process') : mode;
    const lookup = options.sendLookup ?? 'auto';
    const sendLookup = lookup === 'auto' ? (server === 'ferretdb' ? 'on-conflict' : 'before-insert') : lookup;
    // One index per createIndexes command: FerretDB 1.24 drops the connection when a
    // multi-index createIndexes finds all of them already there (every restart).
    for (const [name, indexes] of Object.entries(INDEXES)) {
      for (const index of indexes) await db.collection(name).createIndexes([index]);
    }
    const ctx = createContext(db, server, writeLock === 'shared' ? 'shared' : 'none', sendLookup, options.hooks ?? {});
    return mongoStore(client, db, ctx, writeLock);
  } catch (err) {
    await client.close().catch(() => {});
    throw translateDriverError(err);
  }
}

/** The Store over an open connection: each call runs one of the modules, with driver errors translated. */
function mongoStore(client: MongoClient, db: Db, ctx: MongoContext, writeLock: 'process' | 'shared'): MongoStore {
  const { server, sendLookup } = ctx;
  let closed = false;
  // Data stored before search gets its search words, once, in the background (backfill.ts).
  const searchBackfill = backfillSearch(ctx, () => closed).catch((err: unknown) => {
    if (!closed) console.warn(`pigeon: search backfill failed (retried at the next start): ${err instanceof Error ? err.message : String(err)}`);
    return null;
  });

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translateDriverError(err);
    }
  }

  return {
    kind: 'mongodb',
    client,
    db,
    server,
    writeLock,
    sendLookup,

    searchBackfill,

    async close() {
      closed = true;
      // The backfill stops at its next chunk: it must not write through a closed client.
      await searchBackfill;
      await client.close();
    },
    /** Connection trouble is retried by the driver and reported per call (UNAVAILABLE); only close is final. */
    unavailableReason: () => (closed ? 'store closed' : null),

    storeIdentity: () => call(() => storeIdentity(db)),
    createUser: (user) => call(() => createUser(ctx, user)),
    findUserByUsername: (username) => call(() => findUserByUsername(ctx, username)),
    getUsers: (ids) => call(() => getUsers(ctx, ids)),
    searchUsers: (query, limit) => call(() => searchUsers(ctx, query, limit)),
    setLastSeen: (userId, at) => call(() => setLastSeen(ctx, userId, at)),
    setPasswordHash: (userId, passwordHash) => call(() => setPasswordHash(ctx, userId, passwordHash)),
    updateProfile: (userId, change) => call(() => updateProfile(ctx, userId, change)),

    createSession: (session) => call(() => createSession(ctx, session)),
    getSession: (sessionId) => call(() => getSession(ctx, sessionId)),
    rotateSession: (request) => call(() => rotateSession(ctx, request)),
    markSessionUsed: (sessionId, refreshHash, at) => call(() => markSessionUsed(ctx, sessionId, refreshHash, at)),
    revokeSession: (userId, sessionId, at) => call(() => revokeSession(ctx, userId, sessionId, at)),
    listSessions: (userId, now) => call(() => listSessions(ctx, userId, now)),
    purgeSessions: (endedBefore) => call(() => purgeSessions(ctx, endedBefore)),

    blockUser: (blockerId, blockedId, at) => call(() => blockUser(ctx, blockerId, blockedId, at)),
    unblockUser: (blockerId, blockedId) => call(() => unblockUser(ctx, blockerId, blockedId)),
    blockedBy: (userId) => call(() => blockedBy(ctx, userId)),
    blockersOf: (userId) => call(() => blockersOf(ctx, userId)),
    isBlockedEitherWay: (a, b) => call(() => isBlockedEitherWay(ctx, a, b)),

    sendMessages: (batch) => call(() => sendMessages(ctx, batch)),
    applyActions: (batch) => call(() => applyActions(ctx, batch)),

    markDelivered: (recipientId, messageIds, at) => call(() => markDelivered(ctx, recipientId, messageIds, at)),
    markRead: (readerId, conversationId, upToSeq, at) => call(() => markRead(ctx, readerId, conversationId, upToSeq, at)),
    readPosition: (conversationId, userId) => call(() => readPosition(ctx, conversationId, userId)),

    getHistory: (conversationId, beforeSeq, limit, viewerId) => call(() => getHistory(ctx, conversationId, beforeSeq, limit, viewerId)),
    listConversations: (userId) => call(() => listConversations(ctx, userId)),
    contactsOf: (userId) => call(() => contactsOf(ctx, userId)),
    changesSince: (userId, position, limit, options) => call(() => changesSince(ctx, userId, position, limit, options)),
    getMessage: (messageId) => call(() => getMessage(ctx, messageId)),

    createGroup: (request) => call(() => createGroup(ctx, request)),
    changeGroup: (request) => call(() => changeGroup(ctx, request)),
    getGroup: (conversationId) => call(() => getGroup(ctx, conversationId)),
    memberPeriods: (conversationId, userId) => call(() => memberPeriods(ctx, conversationId, userId)),
    messageReceipts: (messageId) => call(() => messageReceipts(ctx, messageId)),

    createAttachment: (attachment) => call(() => createAttachment(ctx, attachment)),
    getAttachment: (id) => call(() => getAttachment(ctx, id)),
    findAttachment: (uploaderId, clientId) => call(() => findAttachment(ctx, uploaderId, clientId)),
    attachmentsToSweep: (orphanedBefore, limit) => call(() => attachmentsToSweep(ctx, orphanedBefore, limit)),
    removeAttachments: (ids, orphanedBefore) => call(() => removeAttachments(ctx, ids, orphanedBefore)),

    savePushSubscription: (record, maxPerUser) => call(() => savePushSubscription(ctx, record, maxPerUser)),
    deletePushSubscription: (userId, endpoint) => call(() => deletePushSubscription(ctx, userId, endpoint)),
    dropPushEndpoint: (endpoint) => call(() => dropPushEndpoint(ctx, endpoint)),
    pushSubscriptionsOf: (userIds) => call(() => pushSubscriptionsOf(ctx, userIds)),
    setMute: (userId, conversationId, muted, at) => call(() => setMute(ctx, userId, conversationId, muted, at)),
    mutesOf: (userId) => call(() => mutesOf(ctx, userId)),
    mutedAmong: (conversationId, userIds) => call(() => mutedAmong(ctx, conversationId, userIds)),
    searchMessages: (userId, terms, options) => call(() => searchMessages(ctx, userId, terms, options)),
  };
}
