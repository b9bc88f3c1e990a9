import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Never edit a shipped migration: append a new one, so every existing file can
 * be brought forward step by step.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: users, conversations, messages, change-log counter.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;
  -- The last change-log position handed out; every message insert and status change takes the next one.
  INSERT INTO meta (key, value) VALUES ('change_pos', 0);

  CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,       -- stored lower-case, so UNIQUE is case-insensitive
    display_name    TEXT NOT NULL,
    display_name_lc TEXT NOT NULL,              -- lower-cased in JS (Unicode-aware, unlike SQLite's lower())
    password_hash   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen       TEXT
  ) STRICT;
  CREATE INDEX users_display_name_lc ON users (display_name_lc);

  CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,                -- directConversationId(user_a, user_b)
    user_a     TEXT NOT NULL REFERENCES users (id),
    user_b     TEXT NOT NULL REFERENCES users (id),
    last_seq   INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    last_pos   INTEGER NOT NULL                 -- breaks updated_at ties in listConversations
  ) STRICT;
  CREATE INDEX conversations_user_a ON conversations (user_a);
  CREATE INDEX conversations_user_b ON conversations (user_b);

  CREATE TABLE messages (
    id              TEXT NOT NULL UNIQUE,
    client_id       TEXT NOT NULL,
    -- Deferred: a batch inserts its messages first and upserts each conversation row once at the end.
    conversation_id TEXT NOT NULL REFERENCES conversations (id) DEFERRABLE INITIALLY DEFERRED,
    sender_id       TEXT NOT NULL REFERENCES users (id),
    recipient_id    TEXT NOT NULL REFERENCES users (id),
    body            TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('sent', 'delivered', 'read')),
    delivered_at    TEXT,
    read_at         TEXT,
    change_pos      INTEGER NOT NULL,
    UNIQUE (sender_id, client_id),
    UNIQUE (conversation_id, seq)
  ) STRICT;
  -- changesSince reads one range from each and merges them.
  CREATE INDEX messages_sender_changes ON messages (sender_id, change_pos);
  CREATE INDEX messages_recipient_changes ON messages (recipient_id, change_pos);
  -- Unread counts and markRead only ever look at messages not yet read, which stay few.
  CREATE INDEX messages_unread ON messages (recipient_id, conversation_id, seq) WHERE status <> 'read';
  `,

  // 2: integer keys in every message index. Each insert updates six message indexes; keyed
  // on 36- and 80-character text ids they cost about twice the CPU of integer keys
  // (docs/benchmarks.md, finding 1). Users and conversations get INTEGER PRIMARY KEYs
  // (stable, unlike an implicit rowid, which VACUUM may renumber); messages keep the text
  // ids as plain columns, so reads need no joins. No foreign keys on messages: the send
  // path takes uid and cid from the rows themselves, and each probe cost an index search
  // per message. Runs with foreign_keys off (see migrate), checked at the end.
  `
  CREATE TABLE users_v2 (
    uid             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    username        TEXT NOT NULL UNIQUE,       -- stored lower-case, so UNIQUE is case-insensitive
    display_name    TEXT NOT NULL,
    display_name_lc TEXT NOT NULL,              -- lower-cased in JS (Unicode-aware, unlike SQLite's lower())
    password_hash   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen       TEXT
  ) STRICT;
  INSERT INTO users_v2 (id, username, display_name, display_name_lc, password_hash, created_at, last_seen)
    SELECT id, username, display_name, display_name_lc, password_hash, created_at, last_seen FROM users ORDER BY rowid;

  CREATE TABLE conversations_v2 (
    cid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,            -- directConversationId(user_a, user_b)
    user_a     TEXT NOT NULL REFERENCES users (id),
    user_b     TEXT NOT NULL REFERENCES users (id),
    last_seq   INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    last_pos   INTEGER NOT NULL                 -- breaks updated_at ties in listConversations
  ) STRICT;
  INSERT INTO conversations_v2 (id, user_a, user_b, last_seq, updated_at, last_pos)
    SELECT id, user_a, user_b, last_seq, updated_at, last_pos FROM conversations ORDER BY rowid;

  CREATE TABLE messages_v2 (
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
  INSERT INTO messages_v2 (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id,
                           body, seq, created_at, status, delivered_at, read_at, change_pos)
    SELECT m.id, m.client_id, c.cid, s.uid, r.uid, m.conversation_id, m.sender_id, m.recipient_id,
           m.body, m.seq, m.created_at, m.status, m.delivered_at, m.read_at, m.change_pos
    -- LEFT JOINs: a message whose user or conversation went missing hits NOT NULL and aborts
    -- the migration instead of being silently left behind.
    FROM messages m
    LEFT JOIN conversations_v2 c ON c.id = m.conversation_id
    LEFT JOIN users_v2 s ON s.id = m.sender_id
    LEFT JOIN users_v2 r ON r.id = m.recipient_id
    ORDER BY m.rowid;

  DROP TABLE messages;
  DROP TABLE conversations;
  DROP TABLE users;
  ALTER TABLE users_v2 RENAME TO users;
  ALTER TABLE conversations_v2 RENAME TO conversations;
  ALTER TABLE messages_v2 RENAME TO messages;

  CREATE INDEX users_display_name_lc ON users (display_name_lc);
  CREATE INDEX conversations_user_a ON conversations (user_a);
  CREATE INDEX conversations_user_b ON conversations (user_b);
  -- changesSince reads one range from each and merges them.
  CREATE INDEX messages_sender_changes ON messages (sender, change_pos);
  CREATE INDEX messages_recipient_changes ON messages (recipient, change_pos);
  -- Unread counts and markRead only ever look at messages not yet read, which stay few.
  CREATE INDEX messages_unread ON messages (recipient, cid, seq) WHERE status <> 'read';
  `,

  // 3: unread bookkeeping per conversation side instead of an index. messages_unread was one
  // more insertion point per recipient in every group commit (about a quarter of the insert
  // CPU). read_seq_a/b = the highest seq up to which that member has read: markRead marks
  // every message to the reader up to its seq, so all of them at or below read_seq are read,
  // and unread counts and markRead only look at the (cid, seq) range above it.
  `
  ALTER TABLE conversations ADD COLUMN read_seq_a INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE conversations ADD COLUMN read_seq_b INTEGER NOT NULL DEFAULT 0;
  UPDATE conversations SET
    read_seq_a = coalesce((SELECT max(seq) FROM messages m
                           WHERE m.cid = conversations.cid AND m.recipient_id = conversations.user_a AND m.status = 'read'), 0),
    read_seq_b = coalesce((SELECT max(seq) FROM messages m
                           WHERE m.cid = conversations.cid AND m.recipient_id = conversations.user_b AND m.status = 'read'), 0);
  DROP INDEX messages_unread;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this server understands (${SCHEMA_VERSION})`);
  }
  if (current === SCHEMA_VERSION) return;
  // Table rebuilds drop tables that others reference; SQLite's documented procedure is to
  // switch foreign keys off (only possible outside a transaction) and check them before commit.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    for (let version = current; version < SCHEMA_VERSION; version++) {
      // Each step is atomic together with its version bump, so a crash mid-migration leaves the old version.
      db.transaction(() => {
        db.exec(MIGRATIONS[version]!);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${version + 1} left ${broken.length} broken foreign keys`);
        db.pragma(`user_version = ${version + 1}`);
      }).immediate();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}
