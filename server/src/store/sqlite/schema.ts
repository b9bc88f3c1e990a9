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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this server understands (${SCHEMA_VERSION})`);
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    // Each step is atomic together with its version bump, so a crash mid-migration leaves the old version.
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
