/**
 * The SQL of each schema version's step (schema.ts says how they are run). A step is never
 * rewritten once released: a file at an older version runs exactly the steps after it.
 */

/** Version 3: users, conversations, messages and the change-log counter. */
export const TABLES_V3 = `
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

/**
 * Version 4: sessions (one per signed-in device, auth/sessions.ts) and blocks. No foreign
 * keys, like messages: users are never deleted, callers check that users exist, and the
 * MongoDB store (which has none) then behaves the same.
 */
export const TABLES_V4 = `
  -- Only hashes of refresh secrets; previous_refresh_hash/rotated_at tell a replayed old
  -- token from an unknown one. Times are ISO-8601 UTC strings, which compare in time order.
  CREATE TABLE sessions (
    id                    TEXT PRIMARY KEY,
    user_id               TEXT NOT NULL,
    user_agent            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    last_seen_at          TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    revoked_at            TEXT,
    refresh_hash          TEXT NOT NULL,
    previous_refresh_hash TEXT,
    rotated_at            TEXT
  ) STRICT;
  -- listSessions: a user's sessions, most recently seen first.
  CREATE INDEX sessions_user_last_seen ON sessions (user_id, last_seen_at);
  -- purgeSessions: ended sessions, expired or revoked before a cutoff (one index range each).
  -- Only revoked sessions have a revoked_at, so that index holds just those.
  CREATE INDEX sessions_expires_at ON sessions (expires_at);
  CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

  -- The key serves blockedBy (a prefix) and both directions of isBlockedEitherWay (two lookups).
  CREATE TABLE blocks (
    blocker_id TEXT NOT NULL,
    blocked_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
  ) STRICT, WITHOUT ROWID;
  -- blockersOf: who blocked a user (presence fan-out leaves them out).
  CREATE INDEX blocks_blocked ON blocks (blocked_id);
`;

/**
 * Version 5: when the current refresh token's access tokens were first used (auth/sessions.ts:
 * a replaced refresh token presented again before that is a retry after a lost answer), and
 * the store's identity.
 */
export const TABLES_V5 = `
  ALTER TABLE sessions ADD COLUMN current_used_at TEXT;

  -- The store's identity: a random id made once, with the file (Store.storeIdentity). Nodes
  -- of one cluster compare it, so a node on another file is refused rather than splitting the data.
  CREATE TABLE identity (
    id TEXT NOT NULL
  ) STRICT;
  INSERT INTO identity (id) VALUES (lower(hex(randomblob(16))));
`;

/**
 * Version 6: groups (docs/architecture.md, "Groups"). A group is a conversation without
 * user_a/user_b, so the conversations table is rebuilt with those nullable (SQLite cannot drop
 * a NOT NULL in place); it holds one row per pair, so the copy is quick. Its rows keep their
 * cid (the messages' key). A new file runs the same step, so both have the same schema.
 */
export const TABLES_V6 = `
  CREATE TABLE conversations_v6 (
    cid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,            -- direct: directConversationId(user_a, user_b); group: 'g:' + UUIDv7
    type        TEXT NOT NULL DEFAULT 'direct' CHECK (type IN ('direct', 'group')),
    user_a      TEXT REFERENCES users (id),      -- direct only
    user_b      TEXT REFERENCES users (id),      -- direct only
    last_seq    INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    last_pos    INTEGER NOT NULL,                -- breaks updated_at ties in listConversations
    read_seq_a  INTEGER NOT NULL DEFAULT 0,      -- direct only (a group's are per member, in members)
    read_seq_b  INTEGER NOT NULL DEFAULT 0,
    title       TEXT,                            -- group only, like the three below
    created_by  TEXT,
    created_at  TEXT,
    -- The last change position of any of the group's messages (send or status): changesSince
    -- skips a group without a change since the cursor without reading its messages.
    changed_pos INTEGER NOT NULL DEFAULT 0,
    CHECK ((type = 'direct') = (user_a IS NOT NULL AND user_b IS NOT NULL)),
    CHECK ((type = 'group') = (title IS NOT NULL))
  ) STRICT;
  INSERT INTO conversations_v6 (cid, id, type, user_a, user_b, last_seq, updated_at, last_pos, read_seq_a, read_seq_b)
    SELECT cid, id, 'direct', user_a, user_b, last_seq, updated_at, last_pos, read_seq_a, read_seq_b FROM conversations;
  DROP TABLE conversations;
  ALTER TABLE conversations_v6 RENAME TO conversations;
  CREATE INDEX conversations_user_a ON conversations (user_a);
  CREATE INDEX conversations_user_b ON conversations (user_b);

  -- A group message is one row whatever the group's size: recipient 0 (no user; uids start
  -- at 1) and recipient_id the group's id, so the per-user 1:1 indexes never hold it twice.
  ALTER TABLE messages ADD COLUMN type TEXT NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'system'));
  ALTER TABLE messages ADD COLUMN system TEXT;   -- the SystemEvent as JSON, system messages only
  -- A group's part of the change feed: its changes in order, with the seq to keep a member to
  -- their periods without reading the rows. Partial, so a 1:1 insert pays no extra index.
  CREATE INDEX messages_group_changes ON messages (cid, change_pos, seq) WHERE recipient = 0;

  -- One row per membership period: from the seq of the message that added the user to the one
  -- that removed them (to_seq NULL while open). delivered_seq/read_seq are the member's receipt
  -- positions in that period (read implies delivered); only the latest period's move.
  CREATE TABLE members (
    cid           INTEGER NOT NULL,              -- conversations.cid
    uid           INTEGER NOT NULL,              -- users.uid
    user_id       TEXT NOT NULL,
    from_seq      INTEGER NOT NULL,
    to_seq        INTEGER,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    delivered_seq INTEGER NOT NULL,
    read_seq      INTEGER NOT NULL,
    PRIMARY KEY (cid, uid, from_seq)             -- a user's periods of a group, oldest first
  ) STRICT, WITHOUT ROWID;
  -- At most one open period per (group, user); also the group's current members (a cid range).
  CREATE UNIQUE INDEX members_open ON members (cid, uid) WHERE to_seq IS NULL;
  -- A user's groups and periods (changesSince, listConversations).
  CREATE INDEX members_user ON members (uid, cid, from_seq);

  -- Every move of a member's receipt position (and a period's first positions): "Message info"
  -- reads the first move of a member of a kind to a seq >= s. Positions only grow, so the
  -- first such row in seq order is also the earliest.
  CREATE TABLE receipt_moves (
    cid  INTEGER NOT NULL,
    uid  INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
    seq  INTEGER NOT NULL,
    at   TEXT NOT NULL,
    PRIMARY KEY (cid, uid, kind, seq)
  ) STRICT, WITHOUT ROWID;
`;

/**
 * Version 7: message actions and replies (contract v2, "Message actions"; sqlite/actions.ts).
 * The content a message gained is plain columns (ADD COLUMN with constant defaults rewrites no
 * row, so the step is quick on a big file); older rows read as a message never acted on.
 */
export const TABLES_V7 = `
  -- The quote of a reply as of its commit (replyRefOf): the original's id, sender and preview.
  -- The preview is emptied when the original is deleted for everyone; the whole quote is cleared
  -- when the reply itself is.
  ALTER TABLE messages ADD COLUMN reply_to_id      TEXT;
  ALTER TABLE messages ADD COLUMN reply_to_sender  TEXT;
  ALTER TABLE messages ADD COLUMN reply_to_preview TEXT;
  ALTER TABLE messages ADD COLUMN reactions   TEXT NOT NULL DEFAULT '[]';   -- JSON [{ userId, emoji }], in the order made
  ALTER TABLE messages ADD COLUMN edited_at   TEXT;
  ALTER TABLE messages ADD COLUMN deleted_at  TEXT;
  ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';   -- JSON [attachment]
  -- How many times the content changed (a copy with a higher one is newer); statuses do not count.
  ALTER TABLE messages ADD COLUMN version     INTEGER NOT NULL DEFAULT 0;
  -- The replies of a message, whose quote a delete for everyone empties. Partial: only replies pay for it.
  CREATE INDEX messages_replies ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;

  -- Every accepted action, changed something or not, once per (actor, clientId): a replay is
  -- answered with the message's current state and applies nothing. Refusals are not recorded.
  CREATE TABLE actions (
    actor      INTEGER NOT NULL,                 -- users.uid
    client_id  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (actor, client_id)
  ) STRICT, WITHOUT ROWID;

  -- Delete for me: the message is hidden for that user only. Each hide takes a change position of
  -- its own, read by that user's changesSince alone (hides_changes); the key answers "did the reader hide it".
  CREATE TABLE hides (
    uid        INTEGER NOT NULL,                 -- users.uid
    message_id TEXT NOT NULL,
    at         TEXT NOT NULL,
    change_pos INTEGER NOT NULL,
    PRIMARY KEY (uid, message_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX hides_changes ON hides (uid, change_pos);
`;

/**
 * Version 8: attachments (contract v2, "Attachments"; store/attachment-records.ts, sqlite/attachments.ts).
 * One row per finished upload; the bytes are files (attachments/disk-blob-store.ts). Messages
 * already carry their attachments' public fields as JSON (version 7's `attachments` column).
 */
export const TABLES_V8 = `
  CREATE TABLE attachments (
    id          TEXT PRIMARY KEY,
    uploader_id TEXT NOT NULL,                   -- users.id
    client_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    width       INTEGER,                         -- raster images only, like height and (usually) preview
    height      INTEGER,
    preview     TEXT,
    created_at  TEXT NOT NULL,
    -- The message carrying it, set in its send's commit (NULL until sent): who may read the bytes.
    holder_message_id      TEXT,
    holder_conversation_id TEXT,
    holder_seq             INTEGER,
    deleted_at  TEXT,                            -- its message was deleted for everyone then
    UNIQUE (uploader_id, client_id),             -- a repeated upload finds the first record
    CHECK ((holder_message_id IS NULL) = (holder_seq IS NULL))
  ) STRICT;
  -- The sweep: orphans (never sent) by age, and deleted ones; partial, so each holds only its own.
  CREATE INDEX attachments_orphans ON attachments (created_at) WHERE holder_message_id IS NULL;
  CREATE INDEX attachments_deleted ON attachments (created_at) WHERE deleted_at IS NOT NULL;
`;
