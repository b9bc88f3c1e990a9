import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { directConversationId } from '@pigeon/sync-protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, SQLITE_FILE_NAME } from '../index.ts';
import { storedMessage, type SendRequest, type Store, type UserRecord } from '../store.ts';
import { describeStoreContract } from '../testing/contract/describe-store-contract.ts';
import { prepareActionStatements } from './action-statements.ts';
import { openDatabase } from './database.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { PURGE_SESSIONS_SQL } from './sessions.ts';
import { createSqliteStore } from './sqlite-store.ts';
import { prepareSearchStatements } from './search.ts';
import { prepareStatements } from './statements.ts';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
const freshFile = (label: string) => join(dir, `${label}-${++fileCounter}.sqlite`);

let lastFile = '';
describeStoreContract('sqlite', {
  open: () => createSqliteStore({ file: (lastFile = freshFile('contract')) }),
  reopen: () => createSqliteStore({ file: lastFile }),
});

/**
 * Counts the commits recorded in a WAL file: a frame whose "database size after commit"
 * field is non-zero ends a transaction. Only frames carrying the header's current salts
 * belong to the live log (older ones are leftovers from before a WAL restart).
 */
function walCommitCount(dbFile: string): number {
  const fd = openSync(`${dbFile}-wal`, 'r');
  try {
    const header = Buffer.alloc(32);
    if (readSync(fd, header, 0, 32, 0) < 32) return 0;
    const pageSize = header.readUInt32BE(8);
    const [salt1, salt2] = [header.readUInt32BE(16), header.readUInt32BE(20)];
    const frameHeader = Buffer.alloc(24);
    let commits = 0;
    for (let offset = 32; readSync(fd, frameHeader, 0, 24, offset) === 24; offset += 24 + pageSize) {
      if (frameHeader.readUInt32BE(8) !== salt1 || frameHeader.readUInt32BE(12) !== salt2) break;
      if (frameHeader.readUInt32BE(4) !== 0) commits++;
    }
    return commits;
  } finally {
    closeSync(fd);
  }
}

describe('SQLite store specifics', () => {
  const toClose: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
  });

  async function openStore(file = freshFile('specific')) {
    const store = await createSqliteStore({ file });
    toClose.push(store);
    return { store, file };
  }

  /** A second, independent connection to the same file: sees only what was committed. */
  function peek(file: string) {
    const db = new Database(file, { readonly: true });
    toClose.push(db);
    return db;
  }

  async function twoUsers(store: Store): Promise<[UserRecord, UserRecord]> {
    return [
      await store.createUser({ username: 'alice', displayName: 'Alice', passwordHash: 'h' }),
      await store.createUser({ username: 'bob', displayName: 'Bob', passwordHash: 'h' }),
    ];
  }

  const sends = (from: UserRecord, to: UserRecord, n: number, tag = 'c'): SendRequest[] =>
    Array.from({ length: n }, (_, i) => ({
      senderId: from.id,
      recipientId: to.id,
      clientId: `${tag}-${String(i).padStart(6, '0')}`,
      body: `message ${i}`,
    }));

  it('opens the file in WAL mode with FULL sync, foreign keys and a busy timeout', () => {
    const file = freshFile('pragmas');
    const db = openDatabase(file);
    toClose.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    // WAL is a property of the file, so any other connection sees it too.
    expect(peek(file).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('records the schema version and does not create the schema again on reopen', async () => {
    const { store, file } = await openStore();
    const [a, b] = await twoUsers(store);
    await store.sendMessages(sends(a, b, 3));
    await store.close();

    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // Creating the schema again would fail on CREATE TABLE, and would reset the counter.
    const { store: again } = await openStore(file);
    expect(await again.getHistory(directConversationId(a.id, b.id), null, 10)).toHaveLength(3);
  });

  it.each([1, 2])('refuses a schema-%i file (from before the first release) and leaves it untouched', async (version) => {
    const file = freshFile(`v${version}`);
    const raw = new Database(file);
    raw.exec('CREATE TABLE messages (id TEXT)');
    raw.pragma(`user_version = ${version}`);
    raw.close();
    await expect(createSqliteStore({ file })).rejects.toThrow(/before the first release/);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(version);
    expect(peek(file).prepare('SELECT name FROM sqlite_master').pluck().all()).toEqual(['messages']);
  });

  it('refuses a file written by a newer schema and leaves it untouched', async () => {
    const file = freshFile('newer');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await expect(createSqliteStore({ file })).rejects.toThrow(/newer/);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
  });

  it('commits a batch of 1,000 sends as one transaction', async () => {
    const { store, file } = await openStore();
    const [a, b] = await twoUsers(store);
    await store.sendMessages(sends(a, b, 1, 'warm'));
    // An open read snapshot stops checkpoints from restarting the WAL, so every commit stays countable.
    const reader = peek(file);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM messages').get();

    // The counter itself: three separate calls are three commits.
    const before = walCommitCount(file);
    for (const req of sends(b, a, 3, 'single')) await store.sendMessages([req]);
    expect(walCommitCount(file) - before).toBe(3);

    const beforeBatch = walCommitCount(file);
    const outcomes = await store.sendMessages(sends(a, b, 1000, 'batch'));
    expect(walCommitCount(file) - beforeBatch).toBe(1);
    expect(outcomes.every((o) => o.created)).toBe(true);
    expect(outcomes.map((o) => storedMessage(o).seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 5));

    const beforeReceipts = walCommitCount(file);
    const changed = await store.markDelivered(b.id, outcomes.map((o) => storedMessage(o).id), new Date().toISOString());
    expect(changed).toHaveLength(1000);
    expect(walCommitCount(file) - beforeReceipts).toBe(1);
    reader.exec('COMMIT');
  });

  it('a failure in the middle of a batch rolls the whole batch back', async () => {
    const { store, file } = await openStore();
    const [a, b] = await twoUsers(store);
    await store.sendMessages(sends(a, b, 2, 'before'));
    const counterBefore = peek(file).prepare(`SELECT value FROM meta WHERE key = 'change_pos'`).pluck().get();

    const batch = sends(a, b, 1000, 'doomed');
    // Item 500 names a recipient that does not exist: the store refuses it halfway through the batch.
    batch[500] = { ...batch[500]!, recipientId: 'no-such-user' };
    await expect(store.sendMessages(batch)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const conv = directConversationId(a.id, b.id);
    expect((await store.getHistory(conv, null, 5000)).map((m) => m.clientId)).toEqual(['before-000000', 'before-000001']);
    expect(peek(file).prepare(`SELECT value FROM meta WHERE key = 'change_pos'`).pluck().get()).toBe(counterBefore);
    expect(peek(file).prepare(`SELECT count(*) FROM conversations`).pluck().get()).toBe(1);
    // Nothing of the failed batch is remembered: its clientIds are new, and seq resumes without a gap.
    const [retry] = await store.sendMessages([batch[0]!]);
    expect(retry).toMatchObject({ created: true, message: { seq: 3 } });
  });

  it('an acked send is already committed: another connection sees it', async () => {
    const { store, file } = await openStore();
    const [a, b] = await twoUsers(store);
    const reader = peek(file);
    const count = reader.prepare('SELECT count(*) FROM messages').pluck();
    const [outcome] = await store.sendMessages(sends(a, b, 1));
    expect(count.get()).toBe(1);
    expect(reader.prepare('SELECT status, change_pos FROM messages WHERE id = ?').get(storedMessage(outcome!).id)).toEqual({
      status: 'sent',
      change_pos: expect.any(Number),
    });
  });

  it('shares the change log safely between two connections to one file', async () => {
    const { store: one, file } = await openStore();
    const [a, b] = await twoUsers(one);
    const { store: two } = await openStore(file);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).sendMessages(sends(i % 2 ? a : b, i % 2 ? b : a, 5, `x${i}`))),
    );
    const seqs = results.flatMap((r) => r.map((o) => storedMessage(o).seq)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const positions = peek(file).prepare('SELECT change_pos FROM messages ORDER BY change_pos').pluck().all();
    expect(new Set(positions).size).toBe(100);
  });

  describe('query plans stay on indexes', () => {
    function planOf(sql: string, params: unknown): string[] {
      const db = openDatabase(freshFile('plan'));
      toClose.push(db);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as never) as { detail: string }[]).map((r) => r.detail);
    }
    const st = (() => {
      const db = openDatabase(freshFile('plan-statements'));
      const statements = prepareStatements(db);
      const sources = Object.fromEntries(Object.entries(statements).map(([k, s]) => [k, s.source])) as Record<
        keyof typeof statements,
        string
      >;
      db.close();
      return sources;
    })();
    /** Steps that read a whole table instead of searching an index. */
    const fullScans = (plan: string[]) => plan.filter((d) => /^SCAN (messages|users|conversations|[cmu])\b/.test(d));

    it('changesSince merges the sender and recipient change indexes without sorting', () => {
      const plan = planOf(st.changesSince, { userId: 'u', position: 0, n: 10 });
      expect(plan.join('\n')).toContain('messages_sender_changes');
      expect(plan.join('\n')).toContain('messages_recipient_changes');
      expect(plan.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
      expect(fullScans(plan)).toEqual([]);
    });

    it('changesSince omitting own deliveries merges the sender changes and the recipient feed indexes without sorting', () => {
      const plan = planOf(st.changesSinceOwnDelivered, { userId: 'u', position: 0, n: 10 });
      expect(plan.join('\n')).toContain('messages_sender_changes');
      expect(plan.join('\n')).toContain('messages_recipient_feed');
      expect(plan.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
      expect(fullScans(plan)).toEqual([]);
    });

    it('receipts, history and conversations use indexes', () => {
      const plans = {
        markDelivered: planOf(st.markDelivered, { userId: 'u', ids: '["x"]', at: 't', base: 0 }),
        markRead: planOf(st.markRead, { userId: 'u', cid: 1, fromSeq: 0, upToSeq: 3, at: 't', base: 0 }),
        history: planOf(st.history, ['c', 10, 10]),
        listConversations: planOf(st.listConversations, { userId: 'u' }),
      };
      for (const [name, plan] of Object.entries(plans)) expect(fullScans(plan), name).toEqual([]);
      expect(plans.markDelivered.join('\n')).not.toContain('messages_recipient_changes');
      // Unread counts and markRead read the conversation's (cid, seq) range above read_seq.
      expect(plans.listConversations.join('\n')).toMatch(/SEARCH u USING INDEX sqlite_autoindex_messages\S* \(cid=\? AND seq>\?\)/);
      expect(plans.markRead.join('\n')).toMatch(/USING INDEX sqlite_autoindex_messages\S* \(cid=\? AND seq>\? AND seq<\?\)/);
    });

    it('searches: the word indexes drive, every other read is a key lookup', () => {
      const db = openDatabase(freshFile('plan-search'));
      toClose.push(db);
      const ss = prepareSearchStatements(db);
      const plan = (stmt: { source: string }, params: unknown) => planOf(stmt.source, params);
      const users = plan(ss.usersByBoth, { lo: 'a', hi: 'b', q: '"a"*', limit: 5 });
      const byName = plan(ss.usersByName, { lo: 'a', hi: 'b', limit: 5 });
      const messages = plan(ss.messages, { q: 'words : ("a"*) AND scope : (u1 OR c7)', uid: 1, scan: 5000, limit: 5 });
      for (const p of [users, byName, messages]) expect(fullScans(p)).toEqual([]);
      expect(users.join('\n')).toContain('SCAN user_search VIRTUAL TABLE');
      expect(users.join('\n')).toMatch(/SEARCH users USING (COVERING )?INDEX sqlite_autoindex_users\S* \(username>\? AND username<\?\)/);
      expect(byName.join('\n')).toMatch(/SEARCH users USING INDEX sqlite_autoindex_users\S* \(username>\? AND username<\?\)/);
      const m = messages.join('\n');
      // The match streams newest first (FTS5 takes ORDER BY rowid DESC: idxNum 192 = by rowid | descending),
      // as a co-routine the page's LIMIT stops early: nothing is sorted, nothing read past the page.
      expect(m).toContain('CO-ROUTINE s');
      expect(m).toContain('SCAN message_search VIRTUAL TABLE INDEX 192:');
      expect(m).not.toContain('TEMP B-TREE');
      expect(m).toContain('SEARCH m USING INTEGER PRIMARY KEY (rowid=?)');
      expect(m).toMatch(/SEARCH p USING PRIMARY KEY \(cid=\? AND uid=\? AND from_seq<\?\)/);
      expect(m).toMatch(/SEARCH h USING PRIMARY KEY \(uid=\? AND message_id=\?\)/);
    });

    it('message actions: replays, replies, hides and the hider’s feed are index searches', () => {
      const db = openDatabase(freshFile('plan-actions'));
      toClose.push(db);
      const as = prepareActionStatements(db);
      const plan = (stmt: { source: string }, params: unknown) => planOf(stmt.source, params).join('\n');
      expect(plan(as.recorded, [1, 'c'])).toMatch(/SEARCH actions USING PRIMARY KEY \(actor=\? AND client_id=\?\)/);
      expect(plan(as.repliesTo, ['m'])).toContain('SEARCH messages USING INDEX messages_replies (reply_to_id=?)');
      expect(plan(as.hiddenAt, [1, 'm'])).toMatch(/SEARCH hides USING PRIMARY KEY \(uid=\? AND message_id=\?\)/);
      expect(plan(as.hiddenAmong, [1, '["m"]'])).toMatch(/SEARCH hides USING PRIMARY KEY \(uid=\? AND message_id=\?\)/);
      const feed = plan(as.hidesSince, { uid: 1, position: 0, n: 10 });
      expect(feed).toContain('SEARCH h USING INDEX hides_changes (uid=? AND change_pos>?)');
      expect(feed).toMatch(/SEARCH m USING INDEX sqlite_autoindex_messages\S* \(id=\?\)/);
      expect(feed).not.toContain('TEMP B-TREE');
    });

    it('purgeSessions searches two index ranges (expired, revoked), never the whole table', () => {
      const plan = planOf(PURGE_SESSIONS_SQL, { endedBefore: '2026-01-01T00:00:00.000Z' }).join('\n');
      expect(plan).toContain('MULTI-INDEX OR');
      expect(plan).toContain('SEARCH sessions USING INDEX sessions_expires_at (expires_at<?)');
      expect(plan).toContain('SEARCH sessions USING INDEX sessions_revoked_at (revoked_at<?)');
      expect(plan).not.toMatch(/^SCAN sessions/m);
    });
  });
});

describe('openStore without a MongoDB URI', () => {
  it('creates the data directory and keeps the SQLite file there across opens', async () => {
    const dataDir = join(dir, 'nested', `data-${++fileCounter}`);
    const first = await openStore({ dataDir });
    try {
      expect(first.kind).toBe('sqlite');
      await first.createUser({ username: 'kept', displayName: 'Kept', passwordHash: 'h' });
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, SQLITE_FILE_NAME))).toBe(true);
    const second = await openStore({ dataDir, mongodbUri: '' });
    try {
      expect((await second.findUserByUsername('kept'))?.displayName).toBe('Kept');
    } finally {
      await second.close();
    }
  });
});
