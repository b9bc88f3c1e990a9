/**
 * The device's database (Dexie 4 over IndexedDB). One database per `dbName`;
 * the engine reaches it only through this class, the UI only through `queries`.
 *
 * Tables:
 *  - users          `id`
 *  - conversations  `id`, ordered by `updatedAt`; unread count and last message kept current
 *                   by every write transaction (conversation-summary.ts); for a group (v3) also
 *                   its title, members and whether we may write, derived from the server's system
 *                   messages and snapshots (group-state.ts) with our own pending changes on top
 *  - messages       primary key `key` = `${senderId}:${clientId}`, known the moment a message is typed,
 *                   so the pending copy and the server copy are the same row (never a duplicate).
 *                   Sparse indexes: IndexedDB leaves out a row whose index key is null/undefined,
 *                   so `id` and `[conversationId+seq]` hold only acked rows. `*unacked` (v9; the
 *                   sparse `pendingAt` and `[conversationId+pendingAt]` before) holds the unacked
 *                   ones, in typing order, overall and per conversation (local/unacked-index.ts).
 *                   `[reader+status+conversationId]` (v8; `[reader+status]` v3–7) holds the
 *                   incoming ones: `reader` is the signed-in user on every message someone else sent, in
 *                   a group as in a 1:1 (sentIncoming, unreadIn).
 *                   `*words` (v6): the body's search words, multiEntry (local/search-words.ts); a
 *                   server copy leaves them to a `wordPages` record (v10).
 *                   Both multiEntry fields are derived from the row on every write (local/derived-fields.ts).
 *  - outbox         `clientId`: what the drainer still has to send, in `localCreatedAt` order:
 *                   messages and (v3) group changes, each with its own clientId; (v4) message
 *                   actions (react, edit, delete, hide), indexed by `targetKey`, the row they act on
 *                   (local/pending-actions.ts re-applies them on top of the row's server state)
 *  - meta           key/value: access and refresh token, own user id, data owner, sync cursor, read marks,
 *                   history cursors, lease, why the last session ended, the block list, the server id
 *                   of each group created here (`alias:<local id>`)
 *  - parked         (v2) another account's unsent messages, put aside while a different account is
 *                   signed in on this device (local/parked.ts); never read by queries or the drainer
 *  - files          (v5) the bytes of this device's unsent attachments, keyed by upload clientId, with
 *                   their owner and message row key: written in the send's transaction, uploaded by
 *                   the drainer (up/uploads.ts), moved into the media cache when the message is acked.
 *                   Owner-scoped: an account switch leaves them (the parked message still names them),
 *                   a sign-out with clearData deletes its owner's
 *  - media          (v5) the download cache (engine/media/): one small row per cached blob (size,
 *                   usedAt for least-recently-used eviction); the bytes in `mediaBytes` by the same
 *                   key, so counting and evicting never reads a blob
 *  - drafts         (v7) unsent composer text per account and conversation (local/drafts.ts); owner-scoped
 *                   like files: an account switch leaves them, a sign-out with clearData deletes its owner's
 *  - wordPages      (v10) `++id, *words, newest`: the search words of the server copies stored, one
 *                   record per sync or history page, live ones gathered in the newest small record
 *                   (local/page-words.ts); cleared with the messages
 *  - messageBlocks  (v11) `[conversationId+firstSeq]`: the acked messages a page brought for one chat,
 *                   in one record, its rows packed as one JSON text (local/message-blocks.ts); a message
 *                   is a row or in one block, and every read and write of messages goes through
 *                   local/message-store.ts
 */
import { Dexie, rangesOverlap, type ObservabilitySet, type RangeSet, type Table } from 'dexie';
import { conversationMembers } from '../../conversation-id.ts';
import type { User } from '../../model/user.ts';
import type { LocalConversation, LocalMessage } from '../api.ts';
import type { GroupChange } from '../transport/transport.ts';
import type { GroupState } from './group-state.ts';
import type { Content } from './pending-actions.ts';
import type { MessageAction } from '../../model/message-action.ts';
import type { FileRow, MediaBytesRow, MediaRow } from './file-rows.ts';
import { keepDerivedFields } from './derived-fields.ts';
import type { UnackedKey } from './unacked-index.ts';
import type { WordPage } from './page-words.ts';
import type { BlockKey, BlockRecord } from './message-blocks.ts';
import { DECLARED_VERSIONS } from './schema-versions.ts';
import { messageStore } from './message-store.ts';

export type { FileRow, MediaBytesRow, MediaRow } from './file-rows.ts';

/** Primary key of a message row: known when the message is typed, so pending and server copy share it. */
/** The index of incoming rows by reader, status and conversation (schema v8). */
const INCOMING = '[reader+status+conversationId]';

export const messageKey = (senderId: string, clientId: string): string => `${senderId}:${clientId}`;

/**
 * A message row. `pendingAt` (= localCreatedAt) is set only while the message is pending or failed.
 * `reader` is the signed-in user on a message someone else sent (v3): the index of the delivery
 * receipts owed and of the unread ones, for group messages (whose recipientId is the group) too.
 */
export interface StoredMessage extends LocalMessage {
  pendingAt?: number;
  reader?: string;
  /** While this device's actions on it are pending: the server's content state under them (pending-actions.ts). */
  base?: Content;
  /** (v6) The body's search words (search-text.ts), the multiEntry `*words` index; kept by a middleware (local/derived-fields.ts). */
  words?: string[];
  /** (v9) The row's keys in the multiEntry `*unacked` index, from `pendingAt` (local/unacked-index.ts); kept by the same middleware. */
  unacked?: UnackedKey[];
  /** (v10) The words a word record holds for the row (local/page-words.ts); while they are its words, `words` is left `[]`. */
  heldWords?: string[];
}

/** A conversation row: for a group, the server's view of it (group-state.ts) besides what the UI reads. */
export interface StoredConversation extends LocalConversation {
  group?: GroupState;
  /** GET /api/conversations/:id was refused (we are no longer a member): do not ask again. */
  groupFetchRefused?: boolean;
  /** The newest mute record the server gave (up/mutes.ts); `muted` shows it unless a change of ours is queued. */
  serverMute?: { muted: boolean; changedAt: string };
}

/** A group change waiting in the outbox (REST only: the contract has no socket events for them). */
export type GroupOp = { kind: 'create'; title: string; memberIds: string[] } | GroupChange;

/**
 * The id of a group created on this device until the server's id is known. The creation's
 * clientId makes it unique, and the server's `group-created` message carries that clientId,
 * so every copy of it tells which server id the local one became (local/rekey.ts).
 */
export { isLocalGroupId, localGroupId } from './conversation-view.ts';
export const conversationType = (id: string): 'direct' | 'group' => (conversationMembers(id) ? 'direct' : 'group');

export interface OutboxEntry {
  clientId: string;
  key: string;
  conversationId: string;
  to: string;
  body: string;
  /** Same value as the message's localCreatedAt; strictly increasing across the outbox. */
  localCreatedAt: number;
  /** Failed attempts so far (any transport); drives the backoff. */
  attempts: number;
  /** Failed socket attempts; after `socketFailuresBeforeRest` the entry goes over REST. */
  socketFailures: number;
  lastError?: string;
  /** A group change instead of a message (v3); its row is a pending system message. */
  op?: GroupOp;
  /**
   * A message action instead of a message (v4): no row of its own (`key` is `${me}:${clientId}` all
   * the same, for the owner check); `targetId` is the target's server id, null until its send is acked.
   */
  action?: MessageAction & { targetId: string | null };
  /** The row key of an action's target (indexed: the row's pending actions). */
  targetKey?: string;
  /** A reply: its original's row key, and server id once known (resolved when the reply is sent). */
  replyTo?: { key: string | null; id: string | null };
  /** A message with files (v5): the upload clientIds of its `files` rows, in the order shown. */
  uploads?: string[];
  /** A mute change instead of a message (up/mutes.ts): no row; `targetKey` is `mute:<conversationId>`. */
  mute?: { muted: boolean };
  /**
   * A change of the user's own profile instead of a message (up/profile.ts): no row; lane and
   * `targetKey` `profile:<userId>`; `photo` the upload clientId of a new photo in `files`, null to remove it.
   */
  profile?: { displayName?: string; about?: string; photo?: string | null };
}

/** (v7) What the user typed in a chat and has not sent (local/drafts.ts). */
export interface DraftRow {
  owner: string;
  conversationId: string;
  text: string;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

/** Read mark of one conversation: what the user has seen and what the server has acknowledged. */
export interface ReadMark {
  upToSeq: number;
  ackedUpToSeq: number;
}

/**
 * One row of another account's unsent messages, kept aside (local/parked.ts): an outbox entry,
 * its message row, a recipient's profile, or a read mark (its meta row) the server has not
 * acknowledged yet.
 */
export interface ParkedRow {
  owner: string;
  kind: 'outbox' | 'message' | 'user' | 'read-mark';
  /** The row's primary key in its own table. */
  key: string;
  row: OutboxEntry | StoredMessage | User | MetaRow;
}

/** The meta table's keys (pure, so the client's first paint reads the session by the same names). */
export { META } from './meta-keys.ts';


export class LocalDb extends Dexie {
  users!: Table<User, string>;
  conversations!: Table<StoredConversation, string>;
  messages!: Table<StoredMessage, string>;
  outbox!: Table<OutboxEntry, string>;
  meta!: Table<MetaRow, string>;
  parked!: Table<ParkedRow, [string, string, string]>;
  files!: Table<FileRow, string>;
  media!: Table<MediaRow, string>;
  mediaBytes!: Table<MediaBytesRow, string>;
  drafts!: Table<DraftRow, [string, string]>;
  wordPages!: Table<WordPage, number>;
  messageBlocks!: Table<BlockRecord, BlockKey>;

  constructor(name: string, deps: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange } = {}) {
    super(name, {
      ...(deps.indexedDB ? { indexedDB: deps.indexedDB } : {}),
      ...(deps.IDBKeyRange ? { IDBKeyRange: deps.IDBKeyRange } : {}),
    });
    for (const v of DECLARED_VERSIONS) {
      const version = this.version(v.version).stores(v.stores);
      if (v.upgrade) version.upgrade(v.upgrade);
    }
    this.use(keepDerivedFields);
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    const row = await this.meta.get(key);
    return row?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.meta.put({ key, value });
  }

  /**
   * One conversation's pending and failed rows, in the order they were typed (local/unacked-index.ts).
   * Never in a block. Acked messages are read through local/message-store.ts (rows and blocks).
   */
  inConversation(index: 'unacked', conversationId: string) {
    return this.messages.where(index).between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey]);
  }

  /** Every unacked row (pending or failed), in the order they were typed: the index's number keys (local/unacked-index.ts). */
  unackedRows() {
    return this.messages.where('unacked').between(-Infinity, Infinity, true, true);
  }

  /** Incoming rows (not blocks: MessageStore.sentIncoming) still stored `sent`, in any conversation: their delivery receipts are not acked yet (the index's prefix). */
  sentIncomingRows(reader: string) {
    return this.messages.where(INCOMING).between([reader, 'sent', Dexie.minKey], [reader, 'sent', Dexie.maxKey]);
  }

  /**
   * One conversation's incoming rows (not blocks: MessageStore.unreadIn) not read yet (`sent` or `delivered`), without reading other chats'.
   * Two equality reads, not `anyOf`: Dexie walks an anyOf with cursor jumps, and fake-indexeddb's walk
   * each jump from the start (400 rows among 20,000: 14.8 s, against 5 ms for an equality read).
   */
  async unreadRowsIn(reader: string, conversationId: string): Promise<StoredMessage[]> {
    // One after the other: a Promise.all here lost the caller's transaction (PrematureCommitError).
    const sent = await this.messages.where(INCOMING).equals([reader, 'sent', conversationId]).toArray();
    const delivered = await this.messages.where(INCOMING).equals([reader, 'delivered', conversationId]).toArray();
    return [...sent, ...delivered];
  }
}

/** Strips the internal fields of a row: what the UI and the events see. */
export function toLocalMessage(row: StoredMessage): LocalMessage {
  const { pendingAt: _pendingAt, reader: _reader, base: _base, words: _words, unacked: _unacked, heldWords: _held, ...message } = row;
  return message;
}

/** Strips the internal fields of a conversation row (pure, so the client's first paint shares it). */
export { toLocalConversation } from './conversation-view.ts';

/** The outbox entries of actions on the row `key`, oldest first (inside a transaction over the outbox). */
export async function actionsOn(db: LocalDb, key: string): Promise<OutboxEntry[]> {
  const entries = await db.outbox.where('targetKey').equals(key).toArray();
  return entries.sort((a, b) => a.localCreatedAt - b.localCreatedAt);
}

/** Highest acked seq stored for a conversation (0 when none). */
export async function localMaxSeq(db: LocalDb, conversationId: string): Promise<number> {
  const last = await messageStore(db).last(conversationId);
  return last?.seq ?? 0;
}

/**
 * Calls `onChange` after every committed write to `table`, from this engine, another
 * engine on the same database, or another tab (Dexie broadcasts across tabs). Dexie's
 * raw `storagemutated` event is used rather than liveQuery: liveQuery never fires in Node
 * unless a global indexedDB is set, and the engine must not need a global.
 *
 * `keys`: only writes that touch these primary keys (a put, a delete, or a clear, which covers
 * every key). Meta holds a dozen kinds of records, and a catch-up writes its cursor and owed
 * receipts there every page: a watcher of the session keys or of the owed records need not re-read
 * for those, and its read transactions would queue the next page behind them (#20). Dexie names
 * no keys for a write of 50 rows or more, only a range over them all: such a write is told to
 * every watcher (a read for nothing, never a change missed).
 */
export function watchTable(db: LocalDb, table: string, onChange: () => void, keys?: RangeSet): () => void {
  const part = `idb://${db.name}/${table}/`;
  const listener = (parts: ObservabilitySet) => {
    const changed = parts[part];
    if (changed && (!keys || rangesOverlap(changed, keys))) onChange();
  };
  Dexie.on.storagemutated.subscribe(listener);
  return () => Dexie.on.storagemutated.unsubscribe(listener);
}
