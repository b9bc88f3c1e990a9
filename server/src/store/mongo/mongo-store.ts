import { chunkedBulkWrite } from './bulk-write.ts';
import {
  directConversationId,
  PigeonError,
  type Message,
  type MessageStatus,
} from '@pigeon/sync-protocol';
import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  ObjectId,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Filter,
  type MongoClientOptions,
  type WriteConcernSettings,
} from 'mongodb';
import type { ChangePage, ConversationRecord, NewUser, SendOutcome, SendRequest, Store, UserRecord } from '../store.ts';
import {
  toMessage,
  toUser,
  type ConversationDoc,
  type CounterDoc,
  type MessageDoc,
  type UserDoc,
} from './documents.ts';
import { INDEXES } from './indexes.ts';
import { messageIdFor } from './message-id.ts';
import { PendingPointers } from './pending-pointers.ts';
import { VisibilityGuard } from './visibility.ts';
import { SerialQueue, SharedWriteLock, type LockDoc, type WriteLane } from './write-lock.ts';

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
  /** Test seams, to stage races between nodes deterministically. */
  hooks?: StoreHooks;
  /**
   * How writes that read-modify-write (sends, receipts) are serialised.
   *  - 'process': each process commits its send batches one at a time; receipts run
   *    concurrently (MongoDB updates are atomic per document). The default on MongoDB.
   *  - 'shared': one writer at a time across all processes, through a lock document.
   *    Required on FerretDB 1.x (its updates are not atomic); on MongoDB it also keeps the
   *    change log in commit order across several nodes, at a throughput cost.
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

export interface StoreHooks {
  /** Awaited in a send batch after its seqs and positions are allocated, before the insert. */
  beforeInsert?: (messages: readonly Message[]) => Promise<void>;
  /** Awaited in a receipt after its positions are allocated, before the status updates. */
  beforeStatusWrite?: (messageIds: readonly string[]) => Promise<void>;
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
}

const DUPLICATE_KEY = 11000;
const CHANGE_COUNTER = 'changePos';
const NOT_READ: MessageStatus[] = ['sent', 'delivered'];
/** Attempts of changesSince to wait out this process's in-flight writes before answering with less. */
const SETTLE_ATTEMPTS = 3;
/** A receipt retries a message overtaken by a later position; one retry is the most a race needs. */
const RECEIPT_ATTEMPTS = 5;
/** Pending conversation pointers kept in memory before they are written on their own. */
const POINTER_BACKLOG_MAX = 10_000;

export function dbNameFromUri(uri: string): string | null {
  // Hosts never contain '/', so the path starts at the first '/' after the scheme.
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri);
  const name = m?.[1] ? decodeURIComponent(m[1]) : '';
  return name.length > 0 ? name : null;
}

export async function createMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  const uriSetsW = /[?&]w=/i.test(options.uri);
  const client = new MongoClient(options.uri, {
    ...options.clientOptions,
    ...(uriSetsW ? {} : { writeConcern: options.writeConcern ?? { w: 'majority' } }),
  });
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
    return new MongoStoreImpl(client, db, server, writeLock, sendLookup, options.hooks ?? {});
  } catch (err) {
    await client.close().catch(() => {});
    throw translate(err);
  }
}

/** Connection trouble is `UNAVAILABLE` (503, retry later); anything else stays as it is. */
function translate(err: unknown): unknown {
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

const sendKey = (senderId: string, clientId: string) => `${senderId}\u0000${clientId}`;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const byChangePos = (a: MessageDoc, b: MessageDoc) => a.changePos - b.changePos;

/** Like Promise.all over `items.map(fn)`, with at most `limit` calls in flight. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Seqs first..last of one conversation, allocated to one batch. */
interface SeqRange {
  first: number;
  last: number;
}

/**
 * `pending` holds, per conversation, the not yet inserted tail of a batch's seq range, in
 * order; `kept` is what remains of it once the sends stored already are dropped. Renumbers
 * `kept` from the start of each tail, so the conversation's seqs stay consecutive.
 */
function closeSeqGaps(kept: readonly MessageDoc[], pending: readonly MessageDoc[]): MessageDoc[] {
  const next = new Map<string, number>();
  for (const d of pending) if (!next.has(d.conversationId)) next.set(d.conversationId, d.seq);
  return kept.map((d) => {
    const seq = next.get(d.conversationId)!;
    next.set(d.conversationId, seq + 1);
    return seq === d.seq ? d : { ...d, seq };
  });
}

class MongoStoreImpl implements MongoStore {
  readonly kind = 'mongodb' as const;
  private readonly users: Collection<UserDoc>;
  private readonly messages: Collection<MessageDoc>;
  private readonly conversations: Collection<ConversationDoc>;
  private readonly counters: Collection<CounterDoc>;
  private readonly guard = new VisibilityGuard();
  private readonly pointers = new PendingPointers();
  private closed = false;
  private readonly allocationConcurrency: number;
  /**
   * Send batches commit one at a time: two overlapping batches with the same
   * (sender, clientId) would both miss it in the lookup and one would burn a seq.
   */
  private readonly sendLane: WriteLane;
  /** Receipts: concurrent on MongoDB, in the shared lane when updates are not atomic. */
  private readonly receiptLane: WriteLane | null;

  constructor(
    readonly client: MongoClient,
    readonly db: Db,
    readonly server: 'mongodb' | 'ferretdb',
    readonly writeLock: 'process' | 'shared',
    readonly sendLookup: 'before-insert' | 'on-conflict',
    private readonly hooks: StoreHooks,
  ) {
    this.users = db.collection<UserDoc>('users');
    this.messages = db.collection<MessageDoc>('messages');
    this.conversations = db.collection<ConversationDoc>('conversations');
    this.counters = db.collection<CounterDoc>('counters');
    // FerretDB runs each findAndModify as its own SQLite write transaction, and concurrent
    // ones queue on SQLite's busy handler: 100 allocations took 0.58 s in parallel, 0.21 s
    // one after another. MongoDB updates different documents in parallel.
    this.allocationConcurrency = server === 'ferretdb' ? 1 : Infinity;
    if (writeLock === 'shared') {
      const lock = new SharedWriteLock(db.collection<LockDoc>('locks'));
      this.sendLane = lock;
      this.receiptLane = lock;
    } else {
      this.sendLane = new SerialQueue();
      this.receiptLane = null;
    }
  }

  /**
   * Pending pointers are dropped, not written: writing them would need the write lock
   * (possibly for its whole timeout while the database is gone), and a pointer left
   * behind only makes the conversation list read one batch more.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.client.close();
  }

  /** Connection trouble is retried by the driver and reported per call (UNAVAILABLE); only close is final. */
  unavailableReason(): string | null {
    return this.closed ? 'store closed' : null;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translate(err);
    }
  }

  // ---------- users ----------

  createUser(user: NewUser): Promise<UserRecord> {
    return this.call(async () => {
      const doc: UserDoc = {
        _id: new ObjectId().toHexString(),
        username: user.username.toLowerCase(),
        displayName: user.displayName,
        displayNameLower: user.displayName.toLowerCase(),
        passwordHash: user.passwordHash,
        createdAt: new Date().toISOString(),
        lastSeen: null,
      };
      try {
        await this.users.insertOne(doc);
      } catch (err) {
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
          throw new PigeonError('USERNAME_TAKEN', 'username is taken');
        }
        throw err;
      }
      return toUser(doc);
    });
  }

  findUserByUsername(username: string): Promise<UserRecord | null> {
    return this.call(async () => {
      const doc = await this.users.findOne({ username: username.toLowerCase() });
      return doc ? toUser(doc) : null;
    });
  }

  getUsers(ids: readonly string[]): Promise<UserRecord[]> {
    return this.call(async () => {
      if (ids.length === 0) return [];
      const docs = await this.users.find({ _id: { $in: [...new Set(ids)] } }).toArray();
      const byId = new Map(docs.map((d) => [d._id, d]));
      return [...new Set(ids)].flatMap((id) => {
        const d = byId.get(id);
        return d ? [toUser(d)] : [];
      });
    });
  }

  searchUsers(prefix: string, limit: number): Promise<UserRecord[]> {
    return this.call(async () => {
      // Anchored and case-sensitive over lower-cased fields, so MongoDB turns it into index bounds.
      const re = `^${escapeRegex(prefix.toLowerCase())}`;
      const docs = await this.users
        .find({ $or: [{ username: { $regex: re } }, { displayNameLower: { $regex: re } }] })
        .sort({ username: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toUser);
    });
  }

  setLastSeen(userId: string, at: string): Promise<void> {
    return this.call(async () => {
      await this.users.updateOne({ _id: userId }, { $set: { lastSeen: at } });
    });
  }

  // ---------- sending ----------

  sendMessages(batch: readonly SendRequest[]): Promise<SendOutcome[]> {
    if (batch.length === 0) return Promise.resolve([]);
    return this.call(() => this.sendLane.run(() => this.commitBatch(batch)));
  }

  /**
   * Round trips per batch, whatever its size: the lookup of already-stored sends (MongoDB
   * only, see `sendLookup`), then (in parallel) one position allocation plus one seq
   * allocation per conversation, one ordered insertMany, one bulk update of the
   * conversation pointers. A send that turns out to be stored already (a resend on
   * FerretDB, a race with another node, a message stored before ids were derived) costs
   * one lookup, one more insert and the return of its unused seq.
   */
  private async commitBatch(batch: readonly SendRequest[]): Promise<SendOutcome[]> {
    // Duplicates inside the batch resolve to their first occurrence.
    const firstOf = new Map<string, SendRequest>();
    for (const r of batch) {
      const k = sendKey(r.senderId, r.clientId);
      if (!firstOf.has(k)) firstOf.set(k, r);
    }
    const unique = [...firstOf.values()];

    const stored = new Map<string, MessageDoc>();
    if (this.sendLookup === 'before-insert') {
      for (const d of await this.findBySendKeys(unique)) stored.set(sendKey(d.senderId, d.clientId), d);
    }
    const fresh = unique.filter((r) => !stored.has(sendKey(r.senderId, r.clientId)));

    const created = new Set<string>();
    if (fresh.length > 0) {
      const inserted = await this.insertFresh(fresh, stored);
      for (const d of inserted) {
        const k = sendKey(d.senderId, d.clientId);
        stored.set(k, d);
        created.add(k);
      }
    }

    return batch.map((r) => {
      const k = sendKey(r.senderId, r.clientId);
      const doc = stored.get(k)!;
      // Only the first occurrence of a new message counts as created.
      const isCreated = created.delete(k);
      return { message: toMessage(doc), created: isCreated };
    });
  }

  /** The stored messages among the requests, by their derived `_id`s: one indexed `$in` on MongoDB. */
  private async findBySendKeys(requests: readonly { senderId: string; clientId: string }[]): Promise<MessageDoc[]> {
    const ids = requests.map((r) => messageIdFor(r.senderId, r.clientId));
    const docs = await this.messages.find({ _id: ids.length === 1 ? ids[0]! : { $in: ids } }).toArray();
    const asked = new Set(requests.map((r) => sendKey(r.senderId, r.clientId)));
    const strangers = docs.filter((d) => !asked.has(sendKey(d.senderId, d.clientId)));
    if (strangers.length > 0) {
      throw new PigeonError('INTERNAL', 'message id collision', { messageIds: strangers.map((d) => d._id) });
    }
    return docs;
  }

  /**
   * Messages stored before ids were derived (ObjectId hex `_id`s) are found by their
   * fields. Only asked about a send whose insert hit the unique (senderId, clientId)
   * index without an `_id` match, so its full scan on FerretDB stays off the hot path.
   */
  private async findLegacyBySendKeys(requests: readonly { senderId: string; clientId: string }[]): Promise<MessageDoc[]> {
    const bySender = new Map<string, string[]>();
    for (const r of requests) {
      const list = bySender.get(r.senderId) ?? [];
      list.push(r.clientId);
      bySender.set(r.senderId, list);
    }
    const clauses: Filter<MessageDoc>[] = [...bySender].map(([senderId, clientIds]) =>
      clientIds.length === 1 ? { senderId, clientId: clientIds[0]! } : { senderId, clientId: { $in: clientIds } },
    );
    return this.messages.find(clauses.length === 1 ? clauses[0]! : { $or: clauses }).toArray();
  }

  /** Inserts new messages; returns the docs inserted by us. Sends found stored already land in `stored`. */
  private async insertFresh(fresh: readonly SendRequest[], stored: Map<string, MessageDoc>): Promise<MessageDoc[]> {
    const now = new Date().toISOString();
    const byConversation = new Map<string, SendRequest[]>();
    for (const r of fresh) {
      const id = directConversationId(r.senderId, r.recipientId);
      const list = byConversation.get(id) ?? [];
      list.push(r);
      byConversation.set(id, list);
    }

    const token = this.guard.begin();
    const seqRanges = new Map<string, SeqRange>();
    let inserted: MessageDoc[];
    try {
      const [posEnd, seqEnds] = await Promise.all([
        this.allocatePositions(fresh.length),
        mapLimited([...byConversation], this.allocationConcurrency, ([id, reqs]) =>
          this.allocateSeqs(id, reqs[0]!, reqs.length, now),
        ),
      ]);
      this.guard.allocated(token, posEnd, fresh.length);

      const nextSeq = new Map<string, number>();
      [...byConversation.entries()].forEach(([id, reqs], i) => {
        seqRanges.set(id, { first: seqEnds[i]! - reqs.length + 1, last: seqEnds[i]! });
        nextSeq.set(id, seqEnds[i]! - reqs.length + 1);
      });
      const firstPos = posEnd - fresh.length + 1;
      const docs: MessageDoc[] = fresh.map((r, i) => {
        const conversationId = directConversationId(r.senderId, r.recipientId);
        const seq = nextSeq.get(conversationId)!;
        nextSeq.set(conversationId, seq + 1);
        return {
          _id: messageIdFor(r.senderId, r.clientId),
          clientId: r.clientId,
          conversationId,
          senderId: r.senderId,
          recipientId: r.recipientId,
          body: r.body,
          seq,
          createdAt: now,
          status: 'sent',
          changePos: firstPos + i,
        };
      });

      await this.hooks.beforeInsert?.(docs.map(toMessage));
      inserted = await this.insertSkippingStored(docs, stored);
    } finally {
      this.guard.end(token);
    }

    await this.returnUnusedSeqs(seqRanges, inserted);
    this.pointers.record(inserted);
    if (this.pointers.size > POINTER_BACKLOG_MAX) await this.flushPointers();
    return inserted;
  }

  /**
   * Inserts in order. An ordered insert stops at its first duplicate key, so nothing after
   * it is stored yet: the sends found stored already are dropped and the later messages of
   * their conversations move down into the freed seqs before they are inserted. Seqs stay
   * gap-free without renumbering anything a reader may have seen.
   */
  private async insertSkippingStored(docs: MessageDoc[], stored: Map<string, MessageDoc>): Promise<MessageDoc[]> {
    const inserted: MessageDoc[] = [];
    let rest = docs;
    while (rest.length > 0) {
      const failedAt = await this.insertUntilDuplicate(rest);
      if (failedAt === null) {
        inserted.push(...rest);
        break;
      }
      inserted.push(...rest.slice(0, failedAt));
      rest = rest.slice(failedAt);
      // One lookup for everything left: a resend rarely comes alone (a reconnecting
      // client resends its outbox), and on FerretDB each lookup scans the collection.
      for (const d of await this.findStoredCopies(rest, rest[0]!)) stored.set(sendKey(d.senderId, d.clientId), d);
      if (!stored.has(sendKey(rest[0]!.senderId, rest[0]!.clientId))) {
        // Not a resend, so a (conversationId, seq) collision: the seq counter went backwards.
        throw new PigeonError('INTERNAL', 'message insert hit a duplicate key that is not a resend', {
          conversationId: rest[0]!.conversationId,
          seq: rest[0]!.seq,
        });
      }
      rest = closeSeqGaps(rest.filter((d) => !stored.has(sendKey(d.senderId, d.clientId))), rest);
    }
    return inserted;
  }

  /** Returns the index of the first document refused as a duplicate (none after it was inserted), or null. */
  private async insertUntilDuplicate(docs: readonly MessageDoc[]): Promise<number | null> {
    try {
      await this.messages.insertMany(docs as MessageDoc[], { ordered: true });
      return null;
    } catch (err) {
      const writeErrors = err instanceof MongoBulkWriteError && !err.err ? [err.writeErrors].flat() : [];
      if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
      return Math.min(...writeErrors.map((w) => w.index));
    }
  }

  /** Stored copies of `docs` by derived id, plus `refused` by its fields when it predates derived ids. */
  private async findStoredCopies(docs: readonly MessageDoc[], refused: MessageDoc): Promise<MessageDoc[]> {
    const found = await this.findBySendKeys(docs);
    const key = sendKey(refused.senderId, refused.clientId);
    if (found.some((d) => sendKey(d.senderId, d.clientId) === key)) return found;
    return [...found, ...(await this.findLegacyBySendKeys([refused]))];
  }

  /**
   * Gives back the seqs that dropped resends left at the end of each conversation's range,
   * unless a later batch (another node) took seqs since: then they stay unused, a gap
   * (docs/operations.md, "Several server nodes on one MongoDB").
   */
  private async returnUnusedSeqs(ranges: ReadonlyMap<string, SeqRange>, inserted: readonly MessageDoc[]): Promise<void> {
    const lastUsed = new Map<string, number>();
    for (const d of inserted) lastUsed.set(d.conversationId, Math.max(d.seq, lastUsed.get(d.conversationId) ?? 0));
    const ops: AnyBulkWriteOperation<ConversationDoc>[] = [];
    for (const [id, { first, last }] of ranges) {
      const used = lastUsed.get(id) ?? first - 1;
      if (used < last) ops.push({ updateOne: { filter: { _id: id, lastSeq: last }, update: { $set: { lastSeq: used } } } });
    }
    if (ops.length > 0) await chunkedBulkWrite(this.conversations, ops, { ordered: false });
  }

  /** Returns the last of `count` fresh change-log positions. */
  private async allocatePositions(count: number): Promise<number> {
    const doc = await this.upsertRetrying(() =>
      this.counters.findOneAndUpdate(
        { _id: CHANGE_COUNTER },
        { $inc: { value: count } },
        { upsert: true, returnDocument: 'after' },
      ),
    );
    return doc.value;
  }

  /**
   * Returns the last of `count` fresh seqs of the conversation. Carries the conversation's
   * pending pointer ($max: batches of other nodes may land in any order; it only moves forward).
   */
  private async allocateSeqs(conversationId: string, first: SendRequest, count: number, now: string): Promise<number> {
    const members = [first.senderId, first.recipientId].sort() as [string, string];
    const pointer = this.pointers.take(conversationId);
    const advance = pointer ? { $max: { lastCommittedSeq: pointer.seq, updatedAt: pointer.createdAt } } : {};
    try {
      const doc = await this.upsertRetrying(() =>
        this.conversations.findOneAndUpdate(
          { _id: conversationId },
          { $inc: { lastSeq: count }, $setOnInsert: { members, createdAt: now }, ...advance },
          { upsert: true, returnDocument: 'after' },
        ),
      );
      return doc.lastSeq;
    } catch (err) {
      this.pointers.restore(conversationId, pointer);
      throw err;
    }
  }

  /**
   * Two upserts of a document that does not exist yet can both try to insert it; the
   * loser gets a duplicate key error (MongoDB retries some of these itself, FerretDB
   * does not). The second attempt finds the document and increments it.
   */
  private async upsertRetrying<T>(op: () => Promise<T | null>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await op();
        if (!doc) throw new Error('upsert with returnDocument "after" returned nothing');
        return doc;
      } catch (err) {
        if (attempt < 2 && err instanceof MongoServerError && err.code === DUPLICATE_KEY) continue;
        throw err;
      }
    }
  }

  /**
   * Writes the pending pointers of conversations that no batch has touched for a while
   * (bounds the memory they take). They are dropped first: one lost to an error only lags.
   */
  private async flushPointers(): Promise<void> {
    const ops: AnyBulkWriteOperation<ConversationDoc>[] = this.pointers.drain().map(([id, p]) => ({
      updateOne: { filter: { _id: id }, update: { $max: { lastCommittedSeq: p.seq, updatedAt: p.createdAt } } },
    }));
    await chunkedBulkWrite(this.conversations, ops, { ordered: false });
  }

  // ---------- receipts ----------

  markDelivered(recipientId: string, messageIds: readonly string[], at: string): Promise<Message[]> {
    return this.call(async () => {
      if (messageIds.length === 0) return [];
      const find = () =>
        this.messages
          .find({ _id: { $in: [...new Set(messageIds)] }, recipientId, status: 'sent' })
          .sort({ conversationId: 1, seq: 1 })
          .toArray();
      return this.receipt(find, 'delivered', ['sent'], at);
    });
  }

  markRead(readerId: string, conversationId: string, upToSeq: number, at: string): Promise<Message[]> {
    return this.call(async () => {
      const find = () =>
        this.messages
          .find({ recipientId: readerId, status: { $in: NOT_READ }, conversationId, seq: { $lte: upToSeq } })
          .sort({ seq: 1 })
          .toArray();
      return this.receipt(find, 'read', NOT_READ, at);
    });
  }

  private async receipt(
    find: () => Promise<MessageDoc[]>,
    to: 'delivered' | 'read',
    from: MessageStatus[],
    at: string,
  ): Promise<Message[]> {
    const task = async () => this.advanceStatus(await find(), to, from, at);
    return this.receiptLane ? this.receiptLane.run(task) : task();
  }

  /**
   * Each candidate gets its own new position and a conditional update: forward only in
   * status, and forward only in position. The second condition matters when two
   * receipts race (delivered and read from two devices or nodes): the one that took
   * the lower position may land second, and a message must never move back in the
   * change log, or a client that already synced past the higher position would never
   * see the later status. Such a message is retried with a fresh position.
   */
  private async advanceStatus(
    candidates: MessageDoc[],
    to: 'delivered' | 'read',
    from: MessageStatus[],
    at: string,
  ): Promise<Message[]> {
    const changed = new Map<string, MessageDoc>();
    let pending = candidates;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const token = this.guard.begin();
      let positions: Map<string, number>;
      let modified: number;
      try {
        const end = await this.allocatePositions(pending.length);
        this.guard.allocated(token, end, pending.length);
        const first = end - pending.length + 1;
        positions = new Map(pending.map((d, i) => [d._id, first + i]));
        const stamp = to === 'delivered' ? { deliveredAt: at } : { readAt: at };
        await this.hooks.beforeStatusWrite?.(pending.map((d) => d._id));
        const result = await chunkedBulkWrite(
          this.messages,
          pending.map((d) => {
            const changePos = positions.get(d._id)!;
            return {
              updateOne: {
                filter: { _id: d._id, status: from.length === 1 ? from[0]! : { $in: from }, changePos: { $lt: changePos } },
                update: { $set: { status: to, changePos, ...stamp } },
              },
            };
          }),
          { ordered: false },
        );
        modified = result.modifiedCount;
      } finally {
        this.guard.end(token);
      }

      if (modified === pending.length) {
        for (const d of pending) changed.set(d._id, d);
        break;
      }
      // Which did we change (they carry our position), and which were overtaken by a
      // receipt with a later position while still needing ours?
      const now = await this.messages.find({ _id: { $in: pending.map((d) => d._id) } }).toArray();
      const retry: MessageDoc[] = [];
      for (const d of now) {
        if (positions.get(d._id) === d.changePos) changed.set(d._id, d);
        else if (from.includes(d.status)) retry.push(d);
      }
      if (retry.length > 0 && attempt >= RECEIPT_ATTEMPTS) {
        throw new PigeonError('UNAVAILABLE', 'receipt kept losing races; retry', { messageIds: retry.map((d) => d._id) });
      }
      const order = new Map(candidates.map((d, i) => [d._id, i]));
      pending = retry.sort((x, y) => order.get(x._id)! - order.get(y._id)!);
    }
    return candidates.filter((d) => changed.has(d._id)).map((d) => toMessage({ ...changed.get(d._id)!, status: to }));
  }

  // ---------- reads ----------

  getHistory(conversationId: string, beforeSeq: number | null, limit: number): Promise<Message[]> {
    return this.call(async () => {
      const filter: Filter<MessageDoc> =
        beforeSeq === null ? { conversationId } : { conversationId, seq: { $lt: beforeSeq } };
      const docs = await this.messages.find(filter).sort({ seq: -1 }).limit(limit).toArray();
      return docs.reverse().map(toMessage);
    });
  }

  listConversations(userId: string): Promise<ConversationRecord[]> {
    return this.call(async () => {
      const [convs, unreadRows] = await Promise.all([
        this.conversations.find({ members: userId }).toArray(),
        this.messages
          .aggregate<{ _id: string; n: number }>([
            { $match: { recipientId: userId, status: { $in: NOT_READ } } },
            { $group: { _id: '$conversationId', n: { $sum: 1 } } },
          ])
          .toArray(),
      ]);
      if (convs.length === 0) return [];
      const unread = new Map(unreadRows.map((r) => [r._id, r.n]));

      // The newest committed message is at lastCommittedSeq, unless a batch committed
      // its messages but not yet the pointer; the range up to lastSeq covers that.
      const tails = await this.messages
        .find({
          $or: convs.map((c) => ({
            conversationId: c._id,
            seq: { $gte: c.lastCommittedSeq ?? 1, $lte: c.lastSeq },
          })),
        })
        .toArray();
      const last = new Map<string, MessageDoc>();
      for (const d of tails) {
        const cur = last.get(d.conversationId);
        if (!cur || d.seq > cur.seq) last.set(d.conversationId, d);
      }

      const list: ConversationRecord[] = [];
      for (const c of convs) {
        const lastMessage = last.get(c._id);
        // A conversation whose only allocation lost a clientId race has no message to show.
        if (!lastMessage) continue;
        list.push({
          id: c._id,
          peerId: c.members[0] === userId ? c.members[1] : c.members[0],
          lastMessage: toMessage(lastMessage),
          unreadCount: unread.get(c._id) ?? 0,
          updatedAt: lastMessage.createdAt,
        });
      }
      return list.sort((a, b) =>
        a.updatedAt !== b.updatedAt ? (a.updatedAt < b.updatedAt ? 1 : -1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
      );
    });
  }

  /**
   * At least the first `count` messages of the user changed after `position`, unordered.
   * MongoDB: one range scan per side, over the (senderId | recipientId, changePos) indexes;
   * each side holds its first `count`, so their merge's first `count` are exact. FerretDB
   * decodes the whole collection for either filter, so one `$or` reads it once, not twice.
   */
  private async changedAfter(userId: string, position: number, count: number): Promise<MessageDoc[]> {
    const after = { changePos: { $gt: position } };
    const filters: Filter<MessageDoc>[] =
      this.server === 'ferretdb'
        ? [{ $or: [{ senderId: userId }, { recipientId: userId }], ...after }]
        : [{ senderId: userId, ...after }, { recipientId: userId, ...after }];
    const found = await Promise.all(
      filters.map((f) => this.messages.find(f).sort({ changePos: 1 }).limit(count).toArray()),
    );
    return found.flat();
  }

  changesSince(userId: string, position: number, limit: number): Promise<ChangePage> {
    return this.call(async () => {
      for (let attempt = 1; ; attempt++) {
        const { result, ceiling } = await this.guard.read(() => this.changedAfter(userId, position, limit + 1));
        const merged = result.sort(byChangePos).slice(0, limit + 1);
        if (merged.length > 0) this.guard.observe(merged[merged.length - 1]!.changePos);

        const visible = merged.filter((d) => d.changePos < ceiling);
        const heldBack = visible.length < merged.length;
        if (heldBack && attempt < SETTLE_ATTEMPTS) {
          // A write of this process holds a lower position than rows already committed; wait
          // for it (milliseconds) rather than hand out a cursor that would skip it.
          await this.guard.settled();
          continue;
        }
        const page = visible.slice(0, limit);
        return {
          messages: page.map(toMessage),
          position: page.length > 0 ? page[page.length - 1]!.changePos : position,
          // hasMore promises a non-empty next page; rows held back above are fetched next time.
          hasMore: visible.length > limit || (heldBack && page.length > 0),
        };
      }
    });
  }
}
