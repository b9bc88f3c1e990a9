import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { directConversationId, queryTerms } from '@pigeon/sync-protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { SCHEMA_VERSION, schemaAt } from './schema.ts';
import { createSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
const freshFile = (label: string) => join(dir, `${label}-${++fileCounter}.sqlite`);

/** Every table and index as SQLite keeps its definition: two files with the same list have the same schema. */
const schemaOf = (db: Database.Database) =>
  db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`).all();

/** A file as schema version `version` wrote it: the SQL of the steps up to it (never rewritten). */
function writeVersionFile(file: string, version: number): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(schemaAt(version));
  db.pragma(`user_version = ${version}`);
  return db;
}
const writeVersion3File = (file: string) => writeVersionFile(file, 3).close();

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

  it('is at version 13', () => {
    expect(SCHEMA_VERSION).toBe(13);
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
    expect(old).toMatchObject({ username: 'old', displayName: 'Old', profileVersion: 0 });
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
    const v4 = writeVersionFile(file, 4);
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

  /** A version-5 file with a 1:1 conversation (cid 7) of three messages, b having read the first. */
  function writeVersion5FileWithMessages(file: string): string {
    const v5 = writeVersionFile(file, 5);
    const user = v5.prepare(`INSERT INTO users (uid, id, username, display_name, display_name_lc, password_hash, created_at) VALUES (?, ?, ?, ?, ?, 'h', ?)`);
    for (const [uid, id] of [[1, 'u-a'], [2, 'u-b'], [3, 'u-c']] as const) user.run(uid, id, id, id, id, '2026-11-30T00:00:00.000Z');
    const conv = directConversationId('u-a', 'u-b');
    v5.prepare(`INSERT INTO conversations (cid, id, user_a, user_b, last_seq, updated_at, last_pos, read_seq_a, read_seq_b) VALUES (7, ?, 'u-a', 'u-b', 3, ?, 3, 0, 1)`)
      .run(conv, '2026-12-01T00:00:03.000Z');
    const message = v5.prepare(`
      INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id, body, seq, created_at, status, change_pos)
      VALUES (?, ?, 7, 1, 2, ?, 'u-a', 'u-b', ?, ?, ?, ?, ?)`);
    message.run('m-1', 'client-1', conv, 'one', 1, '2026-12-01T00:00:01.000Z', 'read', 1);
    message.run('m-2', 'client-2', conv, 'two', 2, '2026-12-01T00:00:02.000Z', 'delivered', 2);
    message.run('m-3', 'client-3', conv, 'three', 3, '2026-12-01T00:00:03.000Z', 'sent', 3);
    v5.prepare(`UPDATE meta SET value = 3 WHERE key = 'change_pos'`).run();
    v5.close();
    return conv;
  }

  it('brings a version-5 file forward: its 1:1 conversations kept (same cid, read positions), groups work, same schema as a new file', async () => {
    const file = freshFile('v5');
    const conv = writeVersion5FileWithMessages(file);
    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(peek(file).prepare(`SELECT cid, type, read_seq_b FROM conversations`).all()).toEqual([{ cid: 7, type: 'direct', read_seq_b: 1 }]);

    const history = await store.getHistory(conv, null, 10);
    expect(history.map((m) => [m.body, m.seq, m.status, m.type])).toEqual([['one', 1, 'read', 'text'], ['two', 2, 'delivered', 'text'], ['three', 3, 'sent', 'text']]);
    expect(history.every((m) => !('system' in m))).toBe(true);
    expect(await store.listConversations('u-b')).toEqual([
      { id: conv, type: 'direct', peerId: 'u-a', title: null, members: [], lastMessage: history[2], unreadCount: 2, updatedAt: '2026-12-01T00:00:03.000Z' },
    ]);
    expect((await store.changesSince('u-a', 0, 10)).messages).toEqual(history);
    expect((await store.markRead('u-b', conv, 3, new Date().toISOString())).map((m) => m.seq)).toEqual([2, 3]);
    const [next] = await store.sendMessages([{ senderId: 'u-b', recipientId: 'u-a', clientId: 'client-4', body: 'four' }]);
    expect(next?.message?.seq).toBe(4);

    const { group } = await store.createGroup({ creatorId: 'u-a', clientId: 'group-1', title: 'After', memberIds: ['u-b', 'u-c'], at: new Date().toISOString() });
    const [inGroup] = await store.sendMessages([{ senderId: 'u-c', recipientId: group.id, conversationId: group.id, clientId: 'client-5', body: 'hi' }]);
    expect(inGroup?.message?.seq).toBe(2);
    expect((await store.listConversations('u-c')).map((c) => c.type)).toEqual(['group']);

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('brings a version-6 file forward: its messages read as never acted on (contract v2 defaults), and take actions and replies', async () => {
    const file = freshFile('v6');
    const v6 = writeVersionFile(file, 6);
    v6.close();
    // Rows as a version-6 store wrote them: no contract v2 columns yet.
    const conv = directConversationId('u-a', 'u-b');
    const raw = new Database(file);
    const user = raw.prepare(`INSERT INTO users (uid, id, username, display_name, display_name_lc, password_hash, created_at) VALUES (?, ?, ?, ?, ?, 'h', ?)`);
    for (const [uid, id] of [[1, 'u-a'], [2, 'u-b']] as const) user.run(uid, id, id, id, id, '2026-11-30T00:00:00.000Z');
    raw.prepare(`INSERT INTO conversations (cid, id, user_a, user_b, last_seq, updated_at, last_pos) VALUES (7, ?, 'u-a', 'u-b', 2, ?, 2)`)
      .run(conv, '2026-12-01T00:00:02.000Z');
    const message = raw.prepare(`
      INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id, body, seq, created_at, status, change_pos)
      VALUES (?, ?, 7, 1, 2, ?, 'u-a', 'u-b', ?, ?, ?, 'sent', ?)`);
    message.run('m-1', 'client-1', conv, 'one', 1, '2026-12-01T00:00:01.000Z', 1);
    message.run('m-2', 'client-2', conv, 'two', 2, '2026-12-01T00:00:02.000Z', 2);
    raw.prepare(`UPDATE meta SET value = 2 WHERE key = 'change_pos'`).run();
    raw.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const history = await store.getHistory(conv, null, 10);
    expect(history.map((m) => [m.body, m.replyTo, m.reactions, m.editedAt, m.deletedAt, m.attachments, m.version])).toEqual([
      ['one', null, [], null, null, [], 0],
      ['two', null, [], null, null, [], 0],
    ]);
    const [reacted] = await store.applyActions([{ actorId: 'u-b', clientId: 'r-1', messageId: 'm-1', at: '2026-12-01T00:00:05.000Z', kind: 'react', emoji: '👍' }]);
    expect(reacted?.message).toMatchObject({ id: 'm-1', reactions: [{ userId: 'u-b', emoji: '👍' }], version: 1 });
    const [reply] = await store.sendMessages([{ senderId: 'u-b', recipientId: 'u-a', clientId: 'client-3', body: 'three', replyTo: 'm-2' }]);
    expect(reply?.message).toMatchObject({ seq: 3, replyTo: { id: 'm-2', senderId: 'u-a', preview: 'two' } });

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('brings a version-7 file forward: its messages and actions kept, and sends carry attachments', async () => {
    const file = freshFile('v7');
    const v7 = writeVersionFile(file, 7);
    const conv = directConversationId('u-a', 'u-b');
    const user = v7.prepare(`INSERT INTO users (uid, id, username, display_name, display_name_lc, password_hash, created_at) VALUES (?, ?, ?, ?, ?, 'h', ?)`);
    for (const [uid, id] of [[1, 'u-a'], [2, 'u-b']] as const) user.run(uid, id, id, id, id, '2026-11-30T00:00:00.000Z');
    v7.prepare(`INSERT INTO conversations (cid, id, user_a, user_b, last_seq, updated_at, last_pos) VALUES (3, ?, 'u-a', 'u-b', 1, ?, 1)`)
      .run(conv, '2026-12-01T00:00:01.000Z');
    // A message as a version-7 store wrote it, with a reaction.
    v7.prepare(`
      INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id, body, seq, created_at, status, change_pos, reactions, version)
      VALUES ('m-1', 'client-1', 3, 1, 2, ?, 'u-a', 'u-b', 'one', 1, '2026-12-01T00:00:01.000Z', 'sent', 1, ?, 1)`)
      .run(conv, JSON.stringify([{ userId: 'u-b', emoji: '👍' }]));
    v7.prepare(`UPDATE meta SET value = 1 WHERE key = 'change_pos'`).run();
    v7.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(await store.getMessage('m-1')).toMatchObject({ body: 'one', reactions: [{ userId: 'u-b', emoji: '👍' }], attachments: [], version: 1 });
    const { attachment } = await store.createAttachment({
      id: 'att-1', uploaderId: 'u-b', clientId: 'upload-1', name: 'a.pdf', mime: 'application/pdf', size: 3, sha256: 'ab'.repeat(32),
      createdAt: '2026-12-01T00:00:02.000Z',
    });
    const [sent] = await store.sendMessages([{ senderId: 'u-b', recipientId: 'u-a', clientId: 'client-2', body: '', attachmentIds: [attachment.id] }]);
    expect(sent?.message).toMatchObject({ seq: 2, attachments: [{ id: 'att-1', name: 'a.pdf', mime: 'application/pdf', size: 3 }] });
    expect((await store.getAttachment('att-1'))?.holder).toEqual({ messageId: sent!.message!.id, conversationId: conv, seq: 2 });
    expect((await store.getHistory(conv, null, 10)).map((m) => m.id)).toEqual(['m-1', sent!.message!.id]);

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('brings a version-8 file forward: its messages and users are searchable at once (deleted and system ones never)', async () => {
    const file = freshFile('v8');
    const v8 = writeVersionFile(file, 8);
    const user = v8.prepare(`INSERT INTO users (uid, id, username, display_name, display_name_lc, password_hash, created_at) VALUES (?, ?, ?, ?, ?, 'h', ?)`);
    for (const [uid, id, name] of [[1, 'u-a', 'Marie Curie'], [2, 'u-b', 'Pierre Dupré']] as const) user.run(uid, id, id, name, name.toLowerCase(), '2026-11-30T00:00:00.000Z');
    const conv = directConversationId('u-a', 'u-b');
    v8.prepare(`INSERT INTO conversations (cid, id, user_a, user_b, last_seq, updated_at, last_pos) VALUES (3, ?, 'u-a', 'u-b', 3, ?, 3)`)
      .run(conv, '2026-12-01T00:00:03.000Z');
    const message = v8.prepare(`
      INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id, body, seq, created_at, status, change_pos, deleted_at, version)
      VALUES (?, ?, 3, 1, 2, ?, 'u-a', 'u-b', ?, ?, ?, 'sent', ?, ?, ?)`);
    message.run('m-1', 'client-1', conv, 'Rendez-vous à l’Opéra', 1, '2026-12-01T00:00:01.000Z', 1, null, 0);
    message.run('m-2', 'client-2', conv, 'opera tickets', 2, '2026-12-01T00:00:02.000Z', 2, null, 0);
    message.run('m-3', 'client-3', conv, '', 3, '2026-12-01T00:00:03.000Z', 3, '2026-12-01T00:00:04.000Z', 1); // deleted for everyone
    v8.prepare(`UPDATE meta SET value = 3 WHERE key = 'change_pos'`).run();
    v8.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // The index holds the two text messages, not the deleted one.
    expect(peek(file).prepare(`SELECT count(*) FROM message_search`).pluck().get()).toBe(2);
    expect((await store.searchMessages('u-b', queryTerms('opé'), { limit: 10 })).map((m) => m.id)).toEqual(['m-2', 'm-1']);
    expect((await store.searchMessages('u-a', queryTerms('rendez opera'), { limit: 10 })).map((m) => m.id)).toEqual(['m-1']);
    expect(await store.searchMessages('u-c', queryTerms('opera'), { limit: 10 })).toEqual([]);
    expect((await store.searchUsers('cur', 10)).map((u) => u.id)).toEqual(['u-a']);
    expect((await store.searchUsers('dupre', 10)).map((u) => u.id)).toEqual(['u-b']);
    // And it keeps the index from then on.
    const [sent] = await store.sendMessages([{ senderId: 'u-b', recipientId: 'u-a', clientId: 'client-4', body: 'Opera night' }]);
    expect((await store.searchMessages('u-a', queryTerms('opera'), { limit: 10 })).map((m) => m.id)).toEqual([sent!.message!.id, 'm-2', 'm-1']);

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('brings a version-9 file forward: its word index rebuilt with each message\'s scope, searches kept to the caller', async () => {
    const file = freshFile('v9');
    const v9 = writeVersionFile(file, 9);
    const user = v9.prepare(`INSERT INTO users (uid, id, username, display_name, display_name_lc, password_hash, created_at) VALUES (?, ?, ?, ?, ?, 'h', ?)`);
    for (const [uid, id] of [[1, 'u-a'], [2, 'u-b'], [3, 'u-c']] as const) user.run(uid, id, id, id, id, '2026-11-30T00:00:00.000Z');
    const ab = directConversationId('u-a', 'u-b');
    const bc = directConversationId('u-b', 'u-c');
    const conversation = v9.prepare(`INSERT INTO conversations (cid, id, user_a, user_b, last_seq, updated_at, last_pos) VALUES (?, ?, ?, ?, 1, ?, 1)`);
    conversation.run(4, ab, 'u-a', 'u-b', '2026-12-01T00:00:01.000Z');
    conversation.run(5, bc, 'u-b', 'u-c', '2026-12-01T00:00:02.000Z');
    const message = v9.prepare(`
      INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id, body, seq, created_at, status, change_pos, deleted_at, version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 'sent', ?, NULL, 0)`);
    const rowA = message.run('m-ab', 'client-1', 4, 1, 2, ab, 'u-a', 'u-b', 'tulips at noon', '2026-12-01T00:00:01.000Z', 1).lastInsertRowid;
    const rowB = message.run('m-bc', 'client-2', 5, 2, 3, bc, 'u-b', 'u-c', 'tulips for you', '2026-12-01T00:00:02.000Z', 2).lastInsertRowid;
    // As a version-9 server indexed them: the words alone.
    const index = v9.prepare(`INSERT INTO message_search (rowid, words) VALUES (?, ?)`);
    index.run(rowA, 'tulips at noon');
    index.run(rowB, 'tulips for you');
    v9.prepare(`UPDATE meta SET value = 2 WHERE key = 'change_pos'`).run();
    v9.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(peek(file).prepare(`SELECT count(*) FROM message_search`).pluck().get()).toBe(2);
    const found = async (userId: string, conversationId?: string) =>
      (await store.searchMessages(userId, queryTerms('tul'), { limit: 10, ...(conversationId ? { conversationId } : {}) })).map((m) => m.id);
    expect(await found('u-a')).toEqual(['m-ab']);
    expect(await found('u-b')).toEqual(['m-bc', 'm-ab']);
    expect(await found('u-c')).toEqual(['m-bc']);
    expect(await found('u-a', bc)).toEqual([]); // a conversation they are not in: nothing, whatever its words
    expect(await found('u-b', ab)).toEqual(['m-ab']);
    // The scope is its own column: a word that looks like a scope token finds nothing.
    expect(await store.searchMessages('u-a', ['u1'], { limit: 10 })).toEqual([]);
    expect(await store.searchMessages('u-a', ['c4'], { limit: 10 })).toEqual([]);

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('brings a version-10 file forward: users get an empty about line and no photo, and can set both', async () => {
    const file = freshFile('v10');
    const v10 = writeVersionFile(file, 10);
    v10.prepare(`INSERT INTO users (uid, id, username, display_name, display_name_lc, password_hash, created_at) VALUES (1, 'u-a', 'ada', 'Ada', 'ada', 'h', ?)`)
      .run('2026-11-30T00:00:00.000Z');
    v10.prepare(`INSERT INTO attachments (id, uploader_id, client_id, name, mime, size, sha256, preview, created_at) VALUES ('att-1', 'u-a', 'c-1', 'me.png', 'image/png', 10, 'ab', 'YJqG', ?)`)
      .run('2026-11-30T00:00:00.000Z');
    v10.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect((await store.getUsers(['u-a']))[0]).toMatchObject({ displayName: 'Ada', about: '', avatar: null });
    expect(await store.updateProfile('u-a', { about: 'hello', avatarId: 'att-1' })).toMatchObject({ about: 'hello', avatar: { id: 'att-1', preview: 'YJqG' } });
    // In use: the sweep leaves it, however old.
    expect(await store.attachmentsToSweep('2099-01-01T00:00:00.000Z', 10)).toEqual([]);

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('brings a version-11 file forward: 1:1 messages get their recipient feed position, and a feed omitting own deliveries reads them', async () => {
    const file = freshFile('v11');
    const v11 = writeVersionFile(file, 11);
    const at = '2026-11-30T00:00:00.000Z';
    const addUser = v11.prepare(`INSERT INTO users (uid, id, username, display_name, display_name_lc, password_hash, created_at) VALUES (?, ?, ?, ?, ?, 'h', ?)`);
    addUser.run(1, 'u-a', 'ada', 'Ada', 'ada', at);
    addUser.run(2, 'u-b', 'bob', 'Bob', 'bob', at);
    const conversationId = directConversationId('u-a', 'u-b');
    v11.prepare(`INSERT INTO conversations (cid, id, user_a, user_b, last_seq, updated_at, last_pos) VALUES (1, ?, 'u-a', 'u-b', 2, ?, 3)`).run(conversationId, at);
    const addMessage = v11.prepare(`INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id, body, seq, created_at, status, change_pos)
      VALUES (?, ?, 1, 1, 2, ?, 'u-a', 'u-b', ?, ?, ?, ?, ?)`);
    // m-1 inserted at 1 and delivered at 3; m-2 inserted at 2.
    addMessage.run('m-1', 'client-0001', conversationId, 'one', 1, at, 'delivered', 3);
    addMessage.run('m-2', 'client-0002', conversationId, 'two', 2, at, 'sent', 2);
    v11.prepare(`UPDATE meta SET value = 3 WHERE key = 'change_pos'`).run();
    v11.close();

    const store = await createSqliteStore({ file });
    toClose.push(store);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // A row delivered before the upgrade comes at its last position (never less than before).
    const page = await store.changesSince('u-b', 0, 10, { omitOwnDelivered: true });
    expect(page.messages.map((m) => [m.id, m.status])).toEqual([['m-2', 'sent'], ['m-1', 'delivered']]);
    await store.markDelivered('u-b', ['m-2'], at);
    expect((await store.changesSince('u-b', page.position, 10, { omitOwnDelivered: true })).messages).toEqual([]);
    expect((await store.changesSince('u-b', page.position, 10)).messages.map((m) => m.id)).toEqual(['m-2']);

    const fresh = openDatabase(freshFile('fresh'));
    toClose.push(fresh);
    expect(schemaOf(peek(file))).toEqual(schemaOf(fresh));
  });

  it('a failed step 9 leaves the version-8 file as it was: no half-built index', async () => {
    const file = freshFile('v8-fail');
    writeVersionFile(file, 8).close();
    const raw = new Database(file);
    raw.exec('CREATE TABLE user_search (x TEXT)'); // in the way of the step's last table
    raw.close();
    await expect(createSqliteStore({ file })).rejects.toThrow(/user_search/);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(8);
    expect(peek(file).prepare(`SELECT name FROM sqlite_master WHERE name IN ('push_subscriptions', 'message_search')`).all()).toEqual([]);
  });

  it('a failed step 6 leaves the version-5 file as it was, its conversations table included', async () => {
    const file = freshFile('v5-fail');
    writeVersion5FileWithMessages(file);
    const raw = new Database(file);
    const conversationsSql = raw.prepare(`SELECT sql FROM sqlite_master WHERE name = 'conversations'`).pluck().get();
    // In the way of the step after the conversations table was rebuilt.
    raw.exec('CREATE TABLE members (x TEXT)');
    raw.close();
    await expect(createSqliteStore({ file })).rejects.toThrow(/members/);
    expect(peek(file).pragma('user_version', { simple: true })).toBe(5);
    expect(peek(file).prepare(`SELECT sql FROM sqlite_master WHERE name = 'conversations'`).pluck().get()).toBe(conversationsSql);
    expect(peek(file).prepare(`SELECT count(*) FROM messages`).pluck().get()).toBe(3);
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
    expect(tables).toEqual([
      'actions', 'attachments', 'blocks', 'conversation_mutes', 'conversations', 'hides', 'identity', 'members',
      'message_search', 'message_search_config', 'message_search_data', 'message_search_docsize', 'message_search_idx',
      'messages', 'meta', 'push_subscriptions', 'receipt_moves', 'sessions',
      'user_search', 'user_search_config', 'user_search_data', 'user_search_docsize', 'user_search_idx', 'users',
    ]);
  });
});
