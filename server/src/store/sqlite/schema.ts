import type { Database } from 'better-sqlite3';

/**
 * The schema's version, recorded in `PRAGMA user_version`. Versions 1 and 2 existed only
 * while the store was being written, before any release (docs/operations.md, "Stored data
 * and migrations"): a file at either is refused, not migrated.
 *
 * To change the schema once it has shipped: bump the version, change SCHEMA for new files,
 * and add a step that brings a file at the previous version forward; never rewrite what a
 * released version created.
 */
export const SCHEMA_VERSION = 3;

/** The whole schema, created in one transaction on an empty file. */
const SCHEMA = `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;
  -- The last change-log position handed out; every message insert and status change takes the next one.
  INSERT INTO meta (key, value) VALUES ('change_pos', 0);

  -- Users and conversations have INTEGER PRIMARY KEYs (uid, cid; stable, unlike an implicit
  -- rowid, which VACUUM may renumber) so that every message index is keyed on integers: each
  -- insert updates several message indexes, and keyed on 36- and 80-character text ids they
  -- cost about twice the CPU (docs/benchmarks.md, finding 1). Messages keep the text ids as
  -- plain columns too, so reads need no joins.
  CREATE TABLE users (
    uid             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    username        TEXT NOT NULL UNIQUE,       -- stored lower-case, so UNIQUE is case-insensitive
    display_name    TEXT NOT NULL,
    display_name_lc TEXT NOT NULL,              -- lower-cased in JS (Unicode-aware, unlike SQLite's lower())
    password_hash   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen       TEXT
  ) STRICT;
  CREATE INDEX users_display_name_lc ON users (display_name_lc);

  -- read_seq_a/b: the highest seq up to which that member has read. markRead marks every
  -- message to the reader up to its seq, so all of them at or below read_seq are read, and
  -- unread counts and markRead only look at the (cid, seq) range above it. (An index of the
  -- unread messages instead was one more insertion point per message.)
  CREATE TABLE conversations (
    cid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,            -- directConversationId(user_a, user_b)
    user_a     TEXT NOT NULL REFERENCES users (id),
    user_b     TEXT NOT NULL REFERENCES users (id),
    last_seq   INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    last_pos   INTEGER NOT NULL,                -- breaks updated_at ties in listConversations
    read_seq_a INTEGER NOT NULL DEFAULT 0,
    read_seq_b INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX conversations_user_a ON conversations (user_a);
  CREATE INDEX conversations_user_b ON conversations (user_b);

  -- No foreign keys: the send path takes uid and cid from the rows themselves, and each
  -- probe cost an index search per message.
  CREATE TABLE messages (
    id              TEXT NOT NULL UNIQUE,
    client_id       TEXT NOT NULL,
    cid             INTEGER NOT NULL,           -- conversations.cid
    sender          INTEGER NOT NULL,           -- users.uid
    recipient       INTEGER NOT NULL,           -- users.uid
    conversation_id TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    recipient_id    TEXT NOT NULL,
    body            TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('sent', 'delivered', 'read')),
    delivered_at    TEXT,
    read_at         TEXT,
    change_pos      INTEGER NOT NULL,
    UNIQUE (sender, client_id),
    UNIQUE (cid, seq)
  ) STRICT;
  -- changesSince reads one range from each and merges them.
  CREATE INDEX messages_sender_changes ON messages (sender, change_pos);
  CREATE INDEX messages_recipient_changes ON messages (recipient, change_pos);
`;

/** Creates the schema in a new (empty) file; refuses a file at any other version. */
export function ensureSchema(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current === SCHEMA_VERSION) return;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this server understands (${SCHEMA_VERSION})`);
  }
  if (current !== 0) {
    throw new Error(
      `database schema version ${current} is from before the first release and cannot be opened (this server writes version ${SCHEMA_VERSION})`,
    );
  }
  // Atomic together with the version, so a crash halfway leaves an empty version-0 file.
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
