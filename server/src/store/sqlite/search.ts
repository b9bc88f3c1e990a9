import { queryTerms, type Message } from '@pigeon/sync-protocol';
import type { SearchOptions, UserRecord } from '../store.ts';
import type { SqliteDatabase } from './database.ts';
import { indexedWords } from './schema-step-9.ts';
import { toMessage, toUser, type MessageRow, type UserRow } from './rows.ts';

/** Sorts past every real character, so [prefix, prefix + TOP) is exactly the strings starting with prefix. */
const TOP = '\u{10FFFF}';

/**
 * An FTS5 query for "every term starts some word": each term a quoted string (a `"` doubled, so
 * no term can become FTS5 syntax) with the prefix `*`, all AND-ed. Null when there is no term.
 */
export function ftsQuery(terms: readonly string[]): string | null {
  const parts = terms.filter((t) => t.length > 0).map((t) => `"${t.replaceAll('"', '""')}"*`);
  return parts.length === 0 ? null : parts.join(' AND ');
}

/** The statements of the word indexes (schema version 9), prepared once per connection like statements.ts. */
export function prepareSearchStatements(db: SqliteDatabase) {
  return {
    insertMessage: db.prepare<[number | bigint, string]>(`INSERT INTO message_search (rowid, words) VALUES (?, ?)`),
    deleteMessage: db.prepare<[string]>(`DELETE FROM message_search WHERE rowid = (SELECT rowid FROM messages WHERE id = ?)`),
    rowidOf: db.prepare<[string], number>(`SELECT rowid FROM messages WHERE id = ?`).pluck(),
    insertUser: db.prepare<[number | bigint, string]>(`INSERT INTO user_search (rowid, words) VALUES (?, ?)`),

    // The FTS5 match drives (every indexed message with all the terms, server-wide); each is then
    // kept only if the user may read it, as getHistory with a viewer would: a 1:1 message they
    // sent or received (a group message has recipient 0), or a group message inside one of their
    // periods (members' key (cid, uid, from_seq)); not hidden by them (hides' key); not deleted
    // (already out of the index, checked again for safety). Then newest first.
    // Cost: O(matches × log n) row lookups plus a sort of the readable ones: a very common prefix
    // reads every message with it; fine at this store's scale (one node, one file).
    messages: db.prepare<{ q: string; uid: number; conversationId: string | null; limit: number }, MessageRow>(`
      SELECT m.* FROM message_search s JOIN messages m ON m.rowid = s.rowid
      WHERE message_search MATCH @q
        AND m.type = 'text' AND m.deleted_at IS NULL
        AND (@conversationId IS NULL OR m.conversation_id = @conversationId)
        AND CASE WHEN m.recipient <> 0 THEN m.sender = @uid OR m.recipient = @uid
                 ELSE EXISTS (SELECT 1 FROM members p WHERE p.cid = m.cid AND p.uid = @uid
                                AND p.from_seq <= m.seq AND (p.to_seq IS NULL OR m.seq <= p.to_seq)) END
        AND NOT EXISTS (SELECT 1 FROM hides h WHERE h.uid = @uid AND h.message_id = m.id)
      ORDER BY m.created_at DESC, m.id DESC
      LIMIT @limit`),

    // A username range (its UNIQUE index; a range, not LIKE, so '_' and '%' are plain characters)
    // merged with the display-name words that have every term as a prefix (user_search).
    // Cost: O(log n + k) for the range, the FTS5 doclists of the terms' prefixes for the words;
    // the union is sorted by username (at most the users matched).
    usersByBoth: db.prepare<{ lo: string; hi: string; q: string; limit: number }, UserRow>(`
      SELECT * FROM users WHERE uid IN (
        SELECT uid FROM users WHERE username >= @lo AND username < @hi
        UNION
        SELECT rowid FROM user_search WHERE user_search MATCH @q
      )
      ORDER BY username LIMIT @limit`),
    usersByName: db.prepare<{ lo: string; hi: string; limit: number }, UserRow>(
      `SELECT * FROM users WHERE username >= @lo AND username < @hi ORDER BY username LIMIT @limit`,
    ),
  };
}

/**
 * The word indexes of schema version 9 (schema-step-9.ts) kept on every write path, and the two
 * searches that read them.
 *
 * Writes: a stored text message is indexed in its send's commit (send-batch.ts); an edit re-indexes
 * it and a delete for everyone removes it in the action's commit (actions.ts); system messages are
 * never indexed. A user is indexed by display name when created.
 */
export function sqliteSearch(db: SqliteDatabase) {
  const st = prepareSearchStatements(db);
  return {
    /** In the send's commit, right after the row's insert (`rowid` its lastInsertRowid). */
    indexMessage(rowid: number | bigint, body: string): void {
      const words = indexedWords(body);
      if (words !== null) st.insertMessage.run(rowid, words);
    },

    /** After an action rewrote a text message: its new words, or none once deleted for everyone. */
    reindexMessage(messageId: string, body: string, deleted: boolean): void {
      st.deleteMessage.run(messageId);
      const words = deleted ? null : indexedWords(body);
      if (words !== null) st.insertMessage.run(st.rowidOf.get(messageId)!, words);
    },

    /** In createUser's commit. */
    indexUser(uid: number | bigint, displayName: string): void {
      const words = indexedWords(displayName);
      if (words !== null) st.insertUser.run(uid, words);
    },

    searchMessages(uid: number | undefined, terms: readonly string[], options: SearchOptions): Message[] {
      const q = ftsQuery(terms);
      if (q === null || uid === undefined || options.limit <= 0) return [];
      return st.messages.all({ q, uid, conversationId: options.conversationId ?? null, limit: options.limit }).map(toMessage);
    },

    /** Store.searchUsers: a username prefix, or every word of the query starting a word of the display name. */
    searchUsers(query: string, limit: number): UserRecord[] {
      const lo = query.toLowerCase();
      const q = ftsQuery(queryTerms(query));
      const rows = q === null ? st.usersByName.all({ lo, hi: lo + TOP, limit }) : st.usersByBoth.all({ lo, hi: lo + TOP, q, limit });
      return rows.map(toUser);
    },
  };
}

export type SqliteSearch = ReturnType<typeof sqliteSearch>;
