import { queryTerms, type Message } from '@pigeon/sync-protocol';
import { isGroupId } from '../../groups/memberships.ts';
import type { SearchOptions, UserRecord } from '../store.ts';
import type { SqliteDatabase } from './database.ts';
import { messageScope } from './schema-step-10.ts';
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

/**
 * The most index matches one message search reads before it stops (newest first), readable or
 * not. Matches come from the caller's own scope (schema-step-10.ts), so nearly all are readable and
 * a page fills long before; what is not: a group's messages from after the caller left it, and
 * messages they hid. This bounds a search's time on the store's one thread (about 10–25 ms at
 * most, docs/operations.md) whoever asks what; a caller whose newest matches are mostly ones they
 * may not read gets fewer results, never others' messages.
 */
export const SEARCH_SCAN_MAX = 5_000;

/** The statements of the word indexes (schema versions 9 and 10), prepared once per connection like statements.ts. */
export function prepareSearchStatements(db: SqliteDatabase) {
  return {
    insertMessage: db.prepare<[number | bigint, string, string]>(`INSERT INTO message_search (rowid, words, scope) VALUES (?, ?, ?)`),
    deleteMessage: db.prepare<[number]>(`DELETE FROM message_search WHERE rowid = ?`),
    rowOf: db.prepare<[string], { rid: number; cid: number; sender: number; recipient: number }>(
      `SELECT rowid AS rid, cid, sender, recipient FROM messages WHERE id = ?`,
    ),
    insertUser: db.prepare<[number | bigint, string]>(`INSERT INTO user_search (rowid, words) VALUES (?, ?)`),
    deleteUser: db.prepare<[number]>(`DELETE FROM user_search WHERE rowid = ?`),
    /** Every group the user was ever in (members_user), for the scope of a search. */
    groupsOf: db.prepare<[number], number>(`SELECT DISTINCT cid FROM members WHERE uid = ?`).pluck(),
    conversationCid: db.prepare<[string], number>(`SELECT cid FROM conversations WHERE id = ?`).pluck(),

    // The FTS5 match drives, already limited to the caller's scope (their direct chats, the groups
    // they were ever in, or the one conversation asked for), newest first (rowid order is store
    // order), at most SEARCH_SCAN_MAX of them. Each is then kept only if the user may read it, as
    // getHistory with a viewer would: a 1:1 message they sent or received (a group message has
    // recipient 0), or a group message inside one of their periods (members' key (cid, uid,
    // from_seq)); not hidden by them (hides' key); not deleted (already out of the index, checked
    // again for safety). Cost: the scope's and the words' doclists (skipped through, not read
    // whole) plus at most SEARCH_SCAN_MAX row lookups.
    messages: db.prepare<{ q: string; uid: number; scan: number; limit: number }, MessageRow>(`
      SELECT m.* FROM (
        SELECT rowid AS rid FROM message_search WHERE message_search MATCH @q ORDER BY rowid DESC LIMIT @scan
      ) s JOIN messages m ON m.rowid = s.rid
      WHERE m.type = 'text' AND m.deleted_at IS NULL
        AND CASE WHEN m.recipient <> 0 THEN m.sender = @uid OR m.recipient = @uid
                 ELSE EXISTS (SELECT 1 FROM members p WHERE p.cid = m.cid AND p.uid = @uid
                                AND p.from_seq <= m.seq AND (p.to_seq IS NULL OR m.seq <= p.to_seq)) END
        AND NOT EXISTS (SELECT 1 FROM hides h WHERE h.uid = @uid AND h.message_id = m.id)
      ORDER BY s.rid DESC
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
 * The word indexes (schema-step-9.ts; message_search scoped since version 10, schema-step-10.ts) kept on every write path, and the two
 * searches that read them.
 *
 * Writes: a stored text message is indexed in its send's commit (send-batch.ts); an edit re-indexes
 * it and a delete for everyone removes it in the action's commit (actions.ts); system messages are
 * never indexed. A user is indexed by display name when created.
 */
export function sqliteSearch(db: SqliteDatabase) {
  const st = prepareSearchStatements(db);

  /** The scope tokens the caller's matches must have (schema-step-10.ts), or null: nothing to find. */
  function scopeOf(uid: number, conversationId: string | undefined): string | null {
    if (conversationId === undefined) return [`u${uid}`, ...st.groupsOf.all(uid).map((cid) => `c${cid}`)].join(' OR ');
    const cid = st.conversationCid.get(conversationId);
    if (cid === undefined) return null;
    // A direct chat's messages carry both people: one the caller is not in has none with u<uid>.
    // A group's carry only c<cid>; the periods check (per row) keeps a non-member out.
    return isGroupId(conversationId) ? `c${cid}` : `c${cid} AND u${uid}`;
  }

  return {
    /** In the send's commit, right after the row's insert (`rowid` its lastInsertRowid). */
    indexMessage(rowid: number | bigint, body: string, cid: number, sender: number, recipient: number): void {
      const words = indexedWords(body);
      if (words !== null) st.insertMessage.run(rowid, words, messageScope(cid, sender, recipient));
    },

    /** After an action rewrote a text message: its new words, or none once deleted for everyone. */
    reindexMessage(messageId: string, body: string, deleted: boolean): void {
      const row = st.rowOf.get(messageId);
      if (!row) return;
      st.deleteMessage.run(row.rid);
      const words = deleted ? null : indexedWords(body);
      if (words !== null) st.insertMessage.run(row.rid, words, messageScope(row.cid, row.sender, row.recipient));
    },

    /** In createUser's commit. */
    indexUser(uid: number | bigint, displayName: string): void {
      const words = indexedWords(displayName);
      if (words !== null) st.insertUser.run(uid, words);
    },

    /** In updateProfile's commit: the words of the new display name. */
    reindexUser(uid: number, displayName: string): void {
      st.deleteUser.run(uid);
      const words = indexedWords(displayName);
      if (words !== null) st.insertUser.run(uid, words);
    },

    searchMessages(uid: number | undefined, terms: readonly string[], options: SearchOptions): Message[] {
      const words = ftsQuery(terms);
      if (words === null || uid === undefined || options.limit <= 0) return [];
      const scope = scopeOf(uid, options.conversationId);
      if (scope === null) return [];
      const rows = st.messages.all({ q: `words : (${words}) AND scope : (${scope})`, uid, scan: SEARCH_SCAN_MAX, limit: options.limit });
      // The page is cut in store order (rowid); within it, newest first as every store answers: by
      // createdAt, then id (a batch committed in one millisecond shares createdAt, and UUIDv7 ids
      // are not in insertion order within one).
      return rows.map(toMessage).sort(newestFirst);
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

const newestFirst = (a: Message, b: Message): number =>
  a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

export type SqliteSearch = ReturnType<typeof sqliteSearch>;
