import type { Database } from 'better-sqlite3';
import { searchTokens } from '@pigeon/sync-protocol';

/**
 * Version 9: push subscriptions, per-chat mutes and the word indexes of message and people search
 * (contract v2, "Notifications and search"; store/notification-records.ts, sqlite/search.ts).
 *
 * Both word indexes are FTS5 tables over `searchTokens(text).join(' ')` (@pigeon/sync-protocol
 * search-text.ts: the one word rule of every store and the device), CONTENTLESS (content=''):
 *  - the indexed text is derived in JS (folded, deduplicated words), so there is no column for an
 *    external-content table to point at, and a contentful table would store a second copy of every
 *    body; contentless keeps only the index;
 *  - contentless_delete=1 (SQLite ≥ 3.43; better-sqlite3 bundles its own) lets an edit or a delete
 *    for everyone remove a row by rowid without handing back the text it indexed.
 * The tokenizer is unicode61 with remove_diacritics 0: the words are already folded by
 * foldForSearch, so FTS5 folds nothing more and matches exactly what matchesTerms would (its own
 * diacritic table also folds letters NFKD does not, e.g. ø, and would find more than the device).
 *
 * message_search's rowid is the message row's rowid. messages has no INTEGER PRIMARY KEY, so its
 * rowids are only as stable as the file: nothing in Pigeon VACUUMs it (which may renumber them);
 * whoever would must run rebuildSearchIndexes (schema-step-10.ts) afterwards. user_search's rowid is users.uid.
 * Version 10 recreated message_search with the conversation scope of each message.
 * Messages are never deleted (a delete for everyone empties the row), so a rowid is never reused.
 */
export const TABLES_V9 = `
  -- One row per endpoint (a browser's push channel), held by the user who saved it last.
  CREATE TABLE push_subscriptions (
    endpoint TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL,                      -- users.id
    p256dh   TEXT NOT NULL,
    auth     TEXT NOT NULL,
    preview  INTEGER NOT NULL CHECK (preview IN (0, 1)),
    saved_at TEXT NOT NULL
  ) STRICT;
  -- A user's subscriptions, least recently saved first (the per-user cap drops from there).
  CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, saved_at);

  -- One row per (user, conversation), replaced by each change; an unmute stays (muted 0).
  -- The key serves mutesOf (a prefix) and mutedAmong (one lookup per recipient).
  CREATE TABLE conversation_mutes (
    user_id         TEXT NOT NULL,               -- users.id
    conversation_id TEXT NOT NULL,
    muted           INTEGER NOT NULL CHECK (muted IN (0, 1)),
    changed_at      TEXT NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
  ) STRICT, WITHOUT ROWID;

  -- Text messages not deleted for everyone, by their words (rowid = messages.rowid).
  CREATE VIRTUAL TABLE message_search USING fts5(
    words, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0'
  );
  -- Users by the words of their display name (rowid = users.uid).
  CREATE VIRTUAL TABLE user_search USING fts5(
    words, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0'
  );
`;

/** What an FTS5 row of the word indexes holds: the words of a text, or null when it has none. */
export function indexedWords(text: string): string | null {
  const words = searchTokens(text);
  return words.length === 0 ? null : words.join(' ');
}

/** Rows read per page while indexing existing data: bounded memory whatever the file's size. */
export const PAGE = 2000;

/**
 * Indexes every existing text message (not deleted for everyone) into version 9's message_search
 * (words only), and every user: the migration to version 9 runs it in its transaction, so a file at
 * 9 is searchable as soon as it opens. Version 10 recreates message_search and indexes the messages
 * again its way (schema-step-10.ts, also the rebuild for the current schema); this stays what 9 did.
 */
function indexExistingV9(db: Database): void {
  db.exec(`DELETE FROM message_search; DELETE FROM user_search;`);
  const messages = db.prepare<[number, number], { rid: number; body: string }>(`
    SELECT rowid AS rid, body FROM messages
    WHERE rowid > ? AND type = 'text' AND deleted_at IS NULL ORDER BY rowid LIMIT ?`);
  const indexMessage = db.prepare<[number, string]>(`INSERT INTO message_search (rowid, words) VALUES (?, ?)`);
  // better-sqlite3 allows no write while a read is iterated: pages of rows, read whole, then written.
  for (let after = 0; ; ) {
    const page = messages.all(after, PAGE);
    for (const row of page) {
      const words = indexedWords(row.body);
      if (words !== null) indexMessage.run(row.rid, words);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.rid;
  }
  indexUsers(db);
}

/** Indexes every user by display name into an empty user_search (unchanged since version 9). */
export function indexUsers(db: Database): void {
  const users = db.prepare<[number, number], { uid: number; display_name: string }>(
    `SELECT uid, display_name FROM users WHERE uid > ? ORDER BY uid LIMIT ?`,
  );
  const indexUser = db.prepare<[number, string]>(`INSERT INTO user_search (rowid, words) VALUES (?, ?)`);
  for (let after = 0; ; ) {
    const page = users.all(after, PAGE);
    for (const row of page) {
      const words = indexedWords(row.display_name);
      if (words !== null) indexUser.run(row.uid, words);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.uid;
  }
}

/** The migration from version 8: the tables, then the existing data indexed. */
export function migrateTo9(db: Database): void {
  db.exec(TABLES_V9);
  indexExistingV9(db);
}
