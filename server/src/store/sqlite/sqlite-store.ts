import { randomUUID } from 'node:crypto';
import { PigeonError, directConversationId, type Message } from '@pigeon/sync-protocol';
import { sendKey } from '../send-key.ts';
import type { ConversationRecord, SendOutcome, SendRequest, Store, UserRecord } from '../store.ts';
import { sqliteBlocks } from './blocks.ts';
import { openDatabase } from './database.ts';
import { uuidv7 } from './ids.ts';
import { lastMessageOf, toMessage, toUser, type MessageRow } from './rows.ts';
import { sqliteSessions } from './sessions.ts';
import { prepareStatements } from './statements.ts';

export interface SqliteStoreOptions {
  /** Path of the database file; created (with its -wal/-shm companions) when missing. */
  file: string;
}

/** Sorts past every real character, so [prefix, prefix + TOP) is exactly the strings starting with prefix. */
const TOP = '\u{10FFFF}';

const byChangePos = (a: MessageRow, b: MessageRow) => a.change_pos - b.change_pos;

interface ConversationTally {
  cid: number;
  lastSeq: number;
  /** Change position of the batch's last message in this conversation; 0 while none was inserted. */
  lastPos: number;
}

/**
 * The embedded store: one better-sqlite3 connection, synchronous underneath.
 * Every write runs in a BEGIN IMMEDIATE transaction, which takes the write lock
 * up front, so reading the change-log counter and the conversation's last seq
 * and then writing past them is safe even if another connection shares the file.
 */
export async function createSqliteStore({ file }: SqliteStoreOptions): Promise<Store> {
  const db = openDatabase(file);
  const st = prepareStatements(db);

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

  const sendBatch = db.transaction((batch: readonly SendRequest[]): SendOutcome[] => {
    const createdAt = new Date().toISOString();
    const startPos = st.changePos.get()!;
    let pos = startPos;
    const conversations = new Map<string, ConversationTally>();
    const seen = new Map<string, Message>();
    const outcomes: SendOutcome[] = [];

    for (const r of batch) {
      const key = sendKey(r);
      const earlier = seen.get(key);
      if (earlier) {
        outcomes.push({ message: earlier, created: false });
        continue;
      }
      const sender = uidOf(r.senderId);
      const recipient = uidOf(r.recipientId);
      const conversationId = directConversationId(r.senderId, r.recipientId);
      let conv = conversations.get(conversationId);
      if (!conv) {
        conv = conversationTally(conversationId, r, createdAt);
        conversations.set(conversationId, conv);
      }
      const id = uuidv7();
      const seq = conv.lastSeq + 1;
      const { changes } = st.insertMessage.run(
        id, r.clientId, conv.cid, sender, recipient, conversationId, r.senderId, r.recipientId, r.body, seq, createdAt, pos + 1,
      );
      let outcome: SendOutcome;
      if (changes === 1) {
        pos += 1;
        conv.lastSeq = seq;
        conv.lastPos = pos;
        outcome = {
          message: { id, clientId: r.clientId, conversationId, senderId: r.senderId, recipientId: r.recipientId, body: r.body, seq, createdAt, status: 'sent' },
          created: true,
        };
      } else {
        // Sent before, in an earlier batch: the stored message is the answer, seq and position untouched.
        outcome = { message: toMessage(st.messageBySenderClient.get(sender, r.clientId)!), created: false };
      }
      seen.set(key, outcome.message);
      outcomes.push(outcome);
    }

    for (const conv of conversations.values()) {
      if (conv.lastPos > 0) st.advanceConversation.run(conv.lastSeq, createdAt, conv.lastPos, conv.cid);
    }
    if (pos !== startPos) st.setChangePos.run(pos);
    return outcomes;
  });

  /** The conversation's key and last seq; its row is created by its first message. */
  function conversationTally(conversationId: string, r: SendRequest, now: string): ConversationTally {
    const row = st.conversation.get(conversationId);
    if (row) return { cid: row.cid, lastSeq: row.last_seq, lastPos: 0 };
    const [userA, userB] = r.senderId < r.recipientId ? [r.senderId, r.recipientId] : [r.recipientId, r.senderId];
    return { cid: st.insertConversation.get(conversationId, userA, userB, now)!, lastSeq: 0, lastPos: 0 };
  }

  /** Runs a status UPDATE that numbers its rows from the current counter, and advances the counter past them. */
  const statusChange = db.transaction(
    (stmt: typeof st.markDelivered, params: Record<string, unknown>): Message[] => {
      const base = st.changePos.get()!;
      const rows = stmt.all({ ...params, base }).sort(byChangePos);
      const last = rows[rows.length - 1];
      if (last) st.setChangePos.run(last.change_pos);
      return rows.map(toMessage);
    },
  );

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
      };
      try {
        st.insertUser.run(
          record.id, record.username, record.displayName, record.displayName.toLowerCase(),
          record.passwordHash, record.createdAt,
        );
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

    async searchUsers(prefix, limit) {
      const lo = prefix.toLowerCase();
      return st.searchUsers.all({ lo, hi: lo + TOP, limit }).map(toUser);
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

    ...sqliteSessions(db),
    ...sqliteBlocks(db),

    async sendMessages(batch) {
      if (batch.length === 0) return [];
      return sendBatch.immediate(batch);
    },

    async markDelivered(recipientId, messageIds, at) {
      if (messageIds.length === 0) return [];
      return statusChange.immediate(st.markDelivered, { userId: recipientId, ids: JSON.stringify(messageIds), at });
    },

    async markRead(readerId, conversationId, upToSeq, at) {
      return markReadTx.immediate(readerId, conversationId, upToSeq, at);
    },

    async getHistory(conversationId, beforeSeq, limit) {
      const rows = st.history.all(conversationId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit);
      return rows.reverse().map(toMessage);
    },

    async listConversations(userId): Promise<ConversationRecord[]> {
      return st.listConversations.all({ userId }).map((r) => ({
        id: r.id,
        peerId: r.user_a === userId ? r.user_b : r.user_a,
        lastMessage: lastMessageOf(r),
        unreadCount: r.unread_count,
        updatedAt: r.updated_at,
      }));
    },

    async changesSince(userId, position, limit) {
      const rows = st.changesSince.all({ userId, position, n: limit + 1 });
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      return {
        messages: page.map(toMessage),
        position: page.length > 0 ? page[page.length - 1]!.change_pos : position,
        hasMore,
      };
    },
  };
}
