import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { laneHeads, newClientId, nextLocalTime, commitSend, markFailed, requeue } from './outbox.ts';
import { LocalDb, META, type OutboxEntry } from '../local/local-db.ts';
import { applyServerCopies } from '../down/store-server-changes.ts';
import { createQueries } from '../local/queries.ts';
import { clientIdSchema } from '../../model/message.ts';

const entry = (conversationId: string, localCreatedAt: number): OutboxEntry => ({
  clientId: `c-${conversationId}-${localCreatedAt}`,
  key: `me:c-${conversationId}-${localCreatedAt}`,
  conversationId,
  to: 'peer',
  body: 'x',
  localCreatedAt,
  attempts: 0,
  socketFailures: 0,
});

describe('outbox ordering (pure)', () => {
  it('local time is strictly increasing even within one millisecond or with a clock step back', () => {
    expect(nextLocalTime(100, undefined)).toBe(100);
    expect(nextLocalTime(100, 100)).toBe(101);
    expect(nextLocalTime(50, 100)).toBe(101);
    expect(nextLocalTime(200, 100)).toBe(200);
  });

  it('a lane head is the oldest entry of each conversation, whatever the input order', () => {
    const heads = laneHeads([entry('b', 5), entry('a', 3), entry('a', 1), entry('b', 2), entry('c', 9)]);
    expect(heads.map((e) => [e.conversationId, e.localCreatedAt])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 9],
    ]);
  });

  it('client ids are valid and unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, newClientId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(clientIdSchema.safeParse(id).success).toBe(true);
  });

  it('client ids of one device sort by creation time, across milliseconds', () => {
    const ids = Array.from({ length: 200 }, (_, i) => newClientId(1_764_000_000_000 + i * 7));
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toHaveLength(26);
  });
});

describe('outbox transactions (fake-indexeddb)', () => {
  let db: LocalDb;
  afterEach(() => db?.close());
  const open = () => (db = new LocalDb('t', { indexedDB: new IDBFactory(), IDBKeyRange }));

  it('send stores the pending message and its entry together, in typing order', async () => {
    open();
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push(await commitSend(db, 'me', 'peer', `  message ${i}  `));
    expect(sent[0]!.body).toBe('message 0'); // trimmed by the shared schema
    const entries = await db.outbox.orderBy('localCreatedAt').toArray();
    expect(entries.map((e) => e.clientId)).toEqual(sent.map((m) => m.clientId));
    const times = entries.map((e) => e.localCreatedAt);
    expect(new Set(times).size).toBe(times.length);
    const q = createQueries(db);
    expect((await q.messages(sent[0]!.conversationId, 100)).map((m) => m.key)).toEqual(sent.map((m) => m.key));
    const [conv] = await q.conversations();
    expect(conv!.conversation.lastMessage?.key).toBe(sent[19]!.key);
  });

  it('rejects invalid input before writing anything', async () => {
    open();
    await expect(commitSend(db, 'me', 'peer', '   ')).rejects.toBeInstanceOf(PigeonError);
    await expect(commitSend(db, 'me', 'peer', 'x'.repeat(4097))).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(commitSend(db, 'me', 'me', 'hi')).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await db.outbox.count()).toBe(0);
    expect(await db.messages.count()).toBe(0);
  });

  it('a server copy replaces the pending row and clears its entry; pending ones stay last', async () => {
    open();
    await db.setMeta(META.userId, 'me'); // server copies are stored only for the signed-in user
    const a = await commitSend(db, 'me', 'peer', 'a');
    const b = await commitSend(db, 'me', 'peer', 'b');
    await applyServerCopies(db, [
      { id: 's1', clientId: 'peer-msg-0001', conversationId: a.conversationId, senderId: 'peer', recipientId: 'me', body: 'from peer', seq: 1, createdAt: '2025-01-01T00:00:00Z', status: 'sent' },
      { id: 's2', clientId: a.clientId, conversationId: a.conversationId, senderId: 'me', recipientId: 'peer', body: 'a', seq: 2, createdAt: '2025-01-01T00:00:01Z', status: 'sent' },
    ], 'me');
    expect(await db.outbox.count()).toBe(1);
    const list = await createQueries(db).messages(a.conversationId);
    // An incoming copy is stored delivered, its receipt owed apart (local/owed-receipts.ts).
    expect(list.map((m) => [m.body, m.status, m.seq])).toEqual([
      ['from peer', 'delivered', 1],
      ['a', 'sent', 2],
      ['b', 'pending', null],
    ]);
    expect(await db.messages.count()).toBe(3);
    const [conv] = await createQueries(db).conversations();
    expect(conv!.conversation.unreadCount).toBe(1);
    expect(conv!.conversation.lastMessage?.key).toBe(b.key);
  });

  it('a permanent failure marks the message failed; retry re-queues it at the end', async () => {
    open();
    const a = await commitSend(db, 'me', 'peer', 'a');
    const b = await commitSend(db, 'me', 'peer', 'b');
    const entryA = (await db.outbox.get(a.clientId))!;
    await markFailed(db, entryA, 'me', 'FORBIDDEN', 'nope');
    expect(await db.outbox.count()).toBe(1);
    expect(await db.messages.get(a.key)).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN' } });
    await requeue(db, a.key, 'me');
    const entries = await db.outbox.orderBy('localCreatedAt').toArray();
    expect(entries.map((e) => e.clientId)).toEqual([b.clientId, a.clientId]);
    expect((await db.messages.get(a.key))!.status).toBe('pending');
    expect((await db.messages.get(a.key))!.error).toBeUndefined();
    expect((await createQueries(db).outbox()).map((m) => m.key)).toEqual([b.key, a.key]);
  });
});
