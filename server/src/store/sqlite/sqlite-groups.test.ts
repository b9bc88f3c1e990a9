import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PigeonError } from '@pigeon/sync-protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Store, UserRecord } from '../store.ts';
import { openDatabase } from './database.ts';
import { prepareGroupStatements } from './group-statements.ts';
import { createSqliteStore } from './sqlite-store.ts';

/** What the contract cannot see: rows written per group send, query plans, atomicity (docs/architecture.md, "Groups"). */
const dir = mkdtempSync(join(tmpdir(), 'pigeon-sqlite-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
const freshFile = (label: string) => join(dir, `${label}-${++fileCounter}.sqlite`);

describe('SQLite groups', () => {
  const toClose: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
  });

  async function storeWithGroup(size: number): Promise<{ store: Store; file: string; users: UserRecord[]; id: string }> {
    const file = freshFile('groups');
    const store = await createSqliteStore({ file });
    toClose.push(store);
    const users: UserRecord[] = [];
    for (let i = 0; i < size; i++) users.push(await store.createUser({ username: `u${i}`, displayName: `U${i}`, passwordHash: 'h' }));
    const { group } = await store.createGroup({
      creatorId: users[0]!.id, clientId: 'create-1', title: 'G', memberIds: users.slice(1).map((u) => u.id), at: new Date().toISOString(),
    });
    return { store, file, users, id: group.id };
  }

  function peek(file: string) {
    const db = new Database(file, { readonly: true });
    toClose.push(db);
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const counter = () => db.prepare(`SELECT value FROM meta WHERE key = 'change_pos'`).pluck().get() as number;
    return { db, count, counter };
  }

  it('a group send is one message row whatever the group’s size; sends write no member or receipt rows', async () => {
    const { store, file, users, id } = await storeWithGroup(60);
    const { count } = peek(file);
    const before = { messages: count('messages'), members: count('members'), moves: count('receipt_moves') };
    expect(before).toEqual({ messages: 1, members: 60, moves: 120 });
    await store.sendMessages(users.slice(0, 10).map((u, i) => ({ senderId: u.id, recipientId: id, conversationId: id, clientId: `c${i}`, body: 'x' })));
    expect({ messages: count('messages'), members: count('members'), moves: count('receipt_moves') }).toEqual({ ...before, messages: 11 });
  });

  it('a receipt logs one move per kind that moved; a repeated receipt logs nothing', async () => {
    const { store, file, users, id } = await storeWithGroup(3);
    const { count } = peek(file);
    const [m] = await store.sendMessages([{ senderId: users[0]!.id, recipientId: id, conversationId: id, clientId: 'm1', body: 'x' }]);
    const moves = count('receipt_moves');
    await store.markDelivered(users[1]!.id, [m!.message!.id], new Date().toISOString());
    await store.markDelivered(users[1]!.id, [m!.message!.id], new Date().toISOString());
    expect(count('receipt_moves')).toBe(moves + 1);
    await store.markRead(users[2]!.id, id, 2, new Date().toISOString());
    expect(count('receipt_moves')).toBe(moves + 3);
  });

  it('a refused change writes nothing, not even a change position', async () => {
    const { store, file, users, id } = await storeWithGroup(3);
    const { count, counter } = peek(file);
    const [messages, members, position] = [count('messages'), count('members'), counter()];
    const err = await store
      .changeGroup({ conversationId: id, actorId: users[0]!.id, clientId: 'add-1', at: new Date().toISOString(), kind: 'add', userIds: ['nobody'] })
      .catch((e: unknown) => e);
    expect((err as PigeonError).code).toBe('NOT_FOUND');
    expect([count('messages'), count('members'), counter()]).toEqual([messages, members, position]);
  });

  it('a group’s changed_pos follows its latest change, sends and settled statuses alike', async () => {
    const { store, file, users, id } = await storeWithGroup(2);
    const { db } = peek(file);
    const changedPos = () => db.prepare(`SELECT changed_pos FROM conversations WHERE id = ?`).pluck().get(id);
    const latest = () => db.prepare(`SELECT max(change_pos) FROM messages WHERE conversation_id = ?`).pluck().get(id);
    await store.sendMessages([{ senderId: users[0]!.id, recipientId: id, conversationId: id, clientId: 'm1', body: 'x' }]);
    expect(changedPos()).toBe(latest());
    await store.markRead(users[1]!.id, id, 2, new Date().toISOString());
    expect(changedPos()).toBe(latest());
    expect((await store.getHistory(id, null, 10, users[0]!.id)).at(-1)!.status).toBe('read');
  });

  describe('query plans stay on indexes', () => {
    const db = openDatabase(freshFile('plans'));
    const gs = prepareGroupStatements(db);
    afterAll(() => db.close());
    const planOf = (stmt: { source: string }, params: unknown) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`).all(params as never) as { detail: string }[]).map((r) => r.detail).join('\n');

    it('the change feed reads one group’s range of the group index, never the recipient index of all groups', () => {
      const plan = planOf(gs.periodChanges, { cid: 1, position: 0, from: 1, to: 5, n: 10 });
      expect(plan).toContain('USING INDEX messages_group_changes (cid=? AND change_pos>?)');
      expect(plan).not.toContain('TEMP B-TREE');
      expect(planOf(gs.changedPeriods, [1, 0])).toContain('USING INDEX members_user (uid=?)');
    });

    it('members, receipts, settling, unread counts and history search their key ranges', () => {
      expect(planOf(gs.currentMembers, [1])).toContain('USING INDEX members_open (cid=?)');
      expect(planOf(gs.isCurrentMember, [1, 1])).toContain('USING INDEX members_open (cid=? AND uid=?)');
      expect(planOf(gs.firstMove, [1, 1, 'read', 3, 9])).toContain('USING PRIMARY KEY (cid=? AND uid=? AND kind=? AND seq>? AND seq<?)');
      const seqRange = /USING INDEX sqlite_autoindex_messages\S* \(cid=\? AND seq>\? AND seq<\?\)/;
      expect(planOf(gs.settleRead, { cid: 1, from: 0, to: 4, sender: null, at: 't', base: 0 })).toMatch(seqRange);
      expect(planOf(gs.unreadIn, [1, 2, 3, 4])).toMatch(seqRange);
      expect(planOf(gs.historyRange, { cid: 1, from: 1, to: 5, n: 3 })).toMatch(seqRange);
      const reads = {
        userPeriods: planOf(gs.userPeriods, [1]),
        periodsHolding: planOf(gs.periodsHolding, { cid: 1, seq: 3 }),
        latestPeriod: planOf(gs.latestPeriod, [1, 1]),
        deliveredGroups: planOf(gs.deliveredGroups, ['["x"]']),
        group: planOf(gs.group, ['g:x']),
        messageAt: planOf(gs.messageAt, [1, 1]),
        settleDelivered: planOf(gs.settleDelivered, { cid: 1, from: 0, to: 4, sender: 'u', at: 't', base: 0 }),
      };
      for (const [name, plan] of Object.entries(reads)) expect(plan, name).not.toMatch(/^SCAN (messages|members|receipt_moves|conversations)\b/m);
    });
  });
});
