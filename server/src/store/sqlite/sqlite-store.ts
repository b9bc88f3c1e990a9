import { randomUUID } from 'node:crypto';
import { PigeonError, type Message } from '@pigeon/sync-protocol';
import type { Store, UserRecord } from '../store.ts';
import { prepareActionStatements } from './action-statements.ts';
import { sqliteActions } from './actions.ts';
import { prepareAttachmentStatements, sqliteAttachmentStore } from './attachments.ts';
import { sqliteBlocks } from './blocks.ts';
import { sqliteContacts } from './contacts.ts';
import { openDatabase } from './database.ts';
import { sqliteGroupReads } from './group-reads.ts';
import { inChangeOrder } from './group-receipts.ts';
import { prepareGroupStatements } from './group-statements.ts';
import { sqliteGroups } from './groups.ts';
import { sqliteNotifications } from './notifications.ts';
import { sqliteProfiles } from './profiles.ts';
import { toMessage, toUser, type MessageRow } from './rows.ts';
import { sqliteSearch } from './search.ts';
import { sqliteSendBatch } from './send-batch.ts';
import { sqliteSessions } from './sessions.ts';
import { prepareStatements } from './statements.ts';

export interface SqliteStoreOptions {
  /** Path of the database file; created (with its -wal/-shm companions) when missing. */
  file: string;
}

/** Group ids are 'g:' + UUIDv7 (groups.ts); direct ones 'dm:…'. */
const isGroupId = (conversationId: string) => conversationId.startsWith('g:');

const byChangePos = (a: MessageRow, b: MessageRow) => a.change_pos - b.change_pos;

/**
 * The embedded store: one better-sqlite3 connection, synchronous underneath.
 * Every write runs in a BEGIN IMMEDIATE transaction, which takes the write lock
 * up front, so reading the change-log counter and the conversation's last seq
 * and then writing past them is safe even if another connection shares the file.
 */
export async function createSqliteStore({ file }: SqliteStoreOptions): Promise<Store> {
  const db = openDatabase(file);
  const st = prepareStatements(db);
  const gs = prepareGroupStatements(db);
  const as = prepareActionStatements(db);
  const ats = prepareAttachmentStatements(db);

  // Users never change id or uid, so the mapping is cached; bounded so a huge directory can't grow it forever.
  const uids = new Map<string, number>();
  const uidOf = (userId: string): number => {
    let uid = uids.get(userId);
    if (uid === undefined) {
      uid = st.uidOf.get(userId);
      if (uid === undefined) throw new PigeonError('NOT_FOUND', `no such user ${userId}`);
      if (uids.size >= 100_000) uids.clear();
      uids.set(userId, uid);
    }
    return uid;
  };

  const ctx = { db, st, gs, uidOf };
  const search = sqliteSearch(db);
  const sendBatch = sqliteSendBatch(ctx, ats, search);

  /** Runs a status UPDATE that numbers its rows from the current counter, and advances the counter past them. */
  const statusChange = (stmt: typeof st.markDelivered, params: Record<string, unknown>): Message[] => {
    const base = st.changePos.get()!;
    const rows = stmt.all({ ...params, base }).sort(byChangePos);
    const last = rows[rows.length - 1];
    if (last) st.setChangePos.run(last.change_pos);
    return rows.map(toMessage);
  };

  const groups = sqliteGroups(ctx);
  const reads = sqliteGroupReads(ctx, as);
  const actions = sqliteActions(ctx, as, ats, search);
  const contacts = sqliteContacts(db);

  /** 1:1 messages to the user become delivered; in groups, the user's delivered positions move (group-receipts.ts). */
  const markDeliveredTx = db.transaction((userId: string, messageIds: readonly string[], at: string): Message[] => {
    const ids = JSON.stringify(messageIds);
    const direct = statusChange(st.markDelivered, { userId, ids, at });
    const uid = st.uidOf.get(userId);
    const grouped = uid === undefined ? [] : groups.receipts.delivered(uid, ids, at);
    return grouped.length === 0 ? direct : [...direct, ...inChangeOrder(grouped)];
  });

  const markGroupReadTx = db.transaction((readerId: string, conversationId: string, upToSeq: number, at: string): Message[] => {
    const group = gs.group.get(conversationId);
    const uid = st.uidOf.get(readerId);
    if (!group || uid === undefined) return [];
    return inChangeOrder(groups.receipts.read(group.cid, uid, upToSeq, at));
  });

  /** markRead over the range above the reader's read_seq, then moves read_seq up to where it read. */
  const markReadTx = db.transaction((readerId: string, conversationId: string, upToSeq: number, at: string): Message[] => {
    const conv = st.conversationForRead.get(conversationId);
    const side = conv?.user_a === readerId ? 'a' : conv?.user_b === readerId ? 'b' : null;
    if (!conv || !side) return [];
    const fromSeq = side === 'a' ? conv.read_seq_a : conv.read_seq_b;
    // Never past the last message: a later message must not count as read before it exists.
    const toSeq = Math.min(upToSeq, conv.last_seq);
    if (toSeq <= fromSeq) return [];
    const changed = statusChange(st.markRead, { cid: conv.cid, fromSeq, upToSeq: toSeq, userId: readerId, at });
    (side === 'a' ? st.setReadSeqA : st.setReadSeqB).run(toSeq, conv.cid);
    return changed;
  });

  /** The user's row and its words in one commit: a user is never unsearchable by display name. */
  const insertUserTx = db.transaction((record: UserRecord) => {
    const { lastInsertRowid } = st.insertUser.run(
      record.id, record.username, record.displayName, record.displayName.toLowerCase(),
      record.passwordHash, record.createdAt,
    );
    search.indexUser(lastInsertRowid, record.displayName);
  });

  let closed = false;

  return {
    kind: 'sqlite',

    unavailableReason: () => (closed ? 'store closed' : null),

    async close() {
      if (closed) return;
      closed = true;
      try {
        // Keeps query-planner statistics fresh; cheap when little changed.
        db.pragma('optimize');
      } finally {
        db.close();
      }
    },

    async createUser(user): Promise<UserRecord> {
      const record: UserRecord = {
        id: randomUUID(),
        username: user.username.toLowerCase(),
        displayName: user.displayName,
        passwordHash: user.passwordHash,
        createdAt: new Date().toISOString(),
        lastSeen: null,
        about: '',
        avatar: null,
        profileVersion: 0,
      };
      try {
        insertUserTx.immediate(record);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new PigeonError('USERNAME_TAKEN', `username "${record.username}" is taken`);
        }
        throw err;
      }
      return record;
    },

    async findUserByUsername(username) {
      const row = st.userByUsername.get(username.toLowerCase());
      return row ? toUser(row) : null;
    },

    async getUsers(ids) {
      if (ids.length === 0) return [];
      return st.usersByIds.all(JSON.stringify(ids)).map(toUser);
    },

    async searchUsers(query, limit) {
      return search.searchUsers(query, limit);
    },

    async storeIdentity() {
      return (db.prepare<[], { id: string }>(`SELECT id FROM identity`).get()!).id;
    },

    async setLastSeen(userId, at) {
      st.setLastSeen.run(at, userId);
    },

    async setPasswordHash(userId, passwordHash) {
      st.setPasswordHash.run(passwordHash, userId);
    },

    ...sqliteProfiles(db, search),
    ...sqliteSessions(db),
    ...sqliteBlocks(db),
    ...sqliteAttachmentStore(ats),
    ...sqliteNotifications(db),

    async searchMessages(userId, terms, options) {
      return search.searchMessages(st.uidOf.get(userId), terms, options);
    },

    async sendMessages(batch) {
      if (batch.length === 0) return [];
      return sendBatch.immediate(batch);
    },

    applyActions: actions.applyActions,

    async markDelivered(recipientId, messageIds, at) {
      if (messageIds.length === 0) return [];
      return markDeliveredTx.immediate(recipientId, messageIds, at);
    },

    async markRead(readerId, conversationId, upToSeq, at) {
      if (isGroupId(conversationId)) return markGroupReadTx.immediate(readerId, conversationId, upToSeq, at);
      return markReadTx.immediate(readerId, conversationId, upToSeq, at);
    },

    async readPosition(conversationId, userId) {
      return reads.readPosition(conversationId, userId);
    },

    async getHistory(conversationId, beforeSeq, limit, viewerId) {
      const messages = isGroupId(conversationId)
        ? reads.groupHistory(conversationId, beforeSeq, limit, viewerId)
        : st.history.all(conversationId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit).reverse().map(toMessage);
      return viewerId === undefined ? messages : reads.hiddenFor(viewerId, messages);
    },

    async listConversations(userId) {
      return reads.listConversations(userId);
    },

    async contactsOf(userId) {
      return contacts.contactsOf(userId);
    },

    async changesSince(userId, position, limit, options) {
      return reads.changesSince(userId, position, limit, options);
    },

    async createGroup(request) {
      return groups.createGroup(request);
    },

    async changeGroup(request) {
      return groups.changeGroup(request);
    },

    async getGroup(conversationId) {
      return groups.getGroup(conversationId);
    },

    async memberPeriods(conversationId, userId) {
      return groups.memberPeriods(conversationId, userId);
    },

    async getMessage(messageId) {
      const row = gs.messageById.get(messageId);
      return row ? toMessage(row) : null;
    },

    async messageReceipts(messageId) {
      return groups.receipts.receipts(messageId);
    },
  };
}
