import type { Database } from 'better-sqlite3';
import { indexedWords, indexUsers, PAGE } from './schema-step-9.ts';

/**
 * Version 10: message_search scoped, so a search reads the caller's messages only (sqlite/search.ts).
 *
 * Version 9's table held the words alone: a query matched every message of the server with the
 * words, then dropped the ones the caller may not read — a one-letter query on a big server read
 * (and sorted) most of the file, on the one thread every write waits for. Now each row also holds
 * the message's *scope*, tokens no word can be confused with (a column of its own, queried with a
 * column filter):
 *  - `c<cid>` for the conversation (conversations.cid), every message;
 *  - `u<uid>` for the sender and the recipient of a direct message (users.uid).
 * A user's messages are then `scope : (u<uid> OR c<group cid>…)` — one token for all their direct
 * chats and one per group they were ever in — AND-ed with the words: FTS5 walks the smaller
 * doclists and skips in the larger ones, so the cost follows the caller's data, not the server's.
 * Membership periods, hides and deletes are still checked per row (search.ts).
 *
 * prefix = '1 2': the words' one- and two-letter prefixes get index entries of their own. A prefix
 * query otherwise merges the doclists of every word that starts with it before anything is skipped:
 * for a one-letter query that is about a 26th of the whole index (measured on 200,000 messages:
 * 37 ms → 1 ms for "a", 9 → 1.5 ms for "ab"; three letters and more merge few words). It costs about
 * 20 µs more per indexed message and twice the index's size. detail = column: no word positions
 * (nothing here asks for phrases or NEAR), a smaller index than version 9's full detail.
 */
export const TABLES_V10 = `
  DROP TABLE message_search;
  -- Text messages not deleted for everyone, by their words and scope (rowid = messages.rowid).
  CREATE VIRTUAL TABLE message_search USING fts5(
    words, scope, content = '', contentless_delete = 1, detail = column, prefix = '1 2',
    tokenize = 'unicode61 remove_diacritics 0'
  );
`;

/** A message's scope tokens: its conversation, and for a direct message its two people. */
export function messageScope(cid: number, sender: number, recipient: number): string {
  // recipient 0: a group message (messages.recipient), readable by its periods' members.
  return recipient === 0 ? `c${cid}` : `c${cid} u${sender} u${recipient}`;
}

/** Indexes every text message not deleted for everyone into an empty message_search. */
function indexMessages(db: Database): void {
  const messages = db.prepare<[number, number], { rid: number; body: string; cid: number; sender: number; recipient: number }>(`
    SELECT rowid AS rid, body, cid, sender, recipient FROM messages
    WHERE rowid > ? AND type = 'text' AND deleted_at IS NULL ORDER BY rowid LIMIT ?`);
  const insert = db.prepare<[number, string, string]>(`INSERT INTO message_search (rowid, words, scope) VALUES (?, ?, ?)`);
  // better-sqlite3 allows no write while a read is iterated: pages of rows, read whole, then written.
  for (let after = 0; ; ) {
    const page = messages.all(after, PAGE);
    for (const row of page) {
      const words = indexedWords(row.body);
      if (words !== null) insert.run(row.rid, words, messageScope(row.cid, row.sender, row.recipient));
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.rid;
  }
}

/**
 * Empties both word indexes and indexes every message and user again, as the current schema wants
 * them. Needed after anything that renumbers message rowids (a VACUUM; nothing in Pigeon runs one).
 */
export function rebuildSearchIndexes(db: Database): void {
  db.exec(`DELETE FROM message_search; DELETE FROM user_search;`);
  indexMessages(db);
  indexUsers(db);
}

/** The migration from version 9: message_search again, scoped, and the existing messages in it. */
export function migrateTo10(db: Database): void {
  db.exec(TABLES_V10);
  indexMessages(db);
}
