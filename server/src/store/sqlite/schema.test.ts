import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { directConversationId } from '@pigeon/sync-protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { createSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
const freshFile = (label: string) => join(dir, `${label}-${++fileCounter}.sqlite`);

/** Every table and index as SQLite keeps its definition: two files with the same list have the same schema. */
const schemaOf = (db: Database.Database) =>
  db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`).all();

/**
 * A file as schema version 3 wrote it: today's schema less what versions 4 and 5 added. (They
 * only added tables, and a column to one of those, so dropping them gives back exactly the
 * version-3 file.)
 */
function writeVersion3File(file: string): void {
  const db = openDatabase(file);
  db.exec('DROP TABLE sessions; DROP TABLE blocks; DROP TABLE identity;');
  db.pragma('user_version = 3');
  db.close();
}

describe('SQLite schema versions', () => {
  const toClose: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
  });
  const peek = (file: string) => {
    const db = new Database(file, { readonly: true });
    toClose.push(db);
    return db;
  };

  it('is at version 5', () => {
    expect(SCHEMA_VERSION).toBe(5);
  });

  it('brings a version-3 file forward in place: data kept, sessions and blocks work, same schema as a new file', async () => {
    const file = freshFile('v3');
    writeVersion3File(file);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(3);

    // Data written by a version-3 store (the tables it had are untouched by the step).
    const v3 = new Database(file);
    v3.prepare(`INSERT INTO users (id, username, display_name, display_name_lc, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run('u-1', 'old', 'Old', 'old', 'h', '2026-11-30T00:00:00.000Z');
    v3.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const [old] = await store.getUsers(['u-1']);
    expect(old).toMatchObject({ username: 'old', displayName: 'Old' });
    const other = await store.createUser({ username: 'new', displayName: 'New', passwordHash: 'h' });
    await store.sendMessages([{ senderId: 'u-1', recipientId: other.id, clientId: 'client-0001', body: 'hi' }]);
    expect(await store.getHistory(directConversationId('u-1', other.id), null, 10)).toHaveLength(1);

    const session = await store.createSession({
      userId: 'u-1', userAgent: '', refreshHash: 'h', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(await store.getSession(session.id)).toEqual(session);
    await store.blockUser('u-1', other.id, new Date().toISOString());
    expect(await store.isBlockedEitherWay(other.id, 'u-1')).toBe(true);

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('brings a version-4 file forward: its sessions kept, unused until a token of theirs is seen', async () => {
    const file = freshFile('v4');
    const v4 = openDatabase(file);
    v4.exec('ALTER TABLE sessions DROP COLUMN current_used_at; DROP TABLE identity;');
    v4.pragma('user_version = 4');
    v4.prepare(`INSERT INTO sessions (id, user_id, user_agent, created_at, last_seen_at, expires_at, refresh_hash) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run('s-1', 'u-1', 'ua', '2026-11-30T00:00:00.000Z', '2026-11-30T00:00:00.000Z', '2099-01-01T00:00:00.000Z', 'h');
    v4.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(await store.getSession('s-1')).toMatchObject({ userId: 'u-1', refreshHash: 'h', currentUsedAt: null });
    await store.markSessionUsed('s-1', 'h', '2026-12-01T00:00:00.000Z');
    expect((await store.getSession('s-1'))?.currentUsedAt).toBe('2026-12-01T00:00:00.000Z');
    expect(await store.storeIdentity()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a failed step leaves the version-3 file as it was', async () => {
    const file = freshFile('v3-fail');
    writeVersion3File(file);
    // A table in the way makes the step fail halfway (sessions is created, blocks is not).
    const raw = new Database(file);
    raw.exec('CREATE TABLE blocks (x TEXT)');
    raw.close();
    await expect(createSqliteStore({ file })).rejects.toThrow(/blocks/);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(3);
    expect(peek(file).prepare(`SELECT name FROM sqlite_master WHERE name = 'sessions'`).get()).toBeUndefined();
  });

  it('a new file is created at the current version in one step', () => {
    const file = freshFile('new');
    openDatabase(file).close();
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = peek(file).prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(['blocks', 'conversations', 'identity', 'messages', 'meta', 'sessions', 'users']);
  });
});
