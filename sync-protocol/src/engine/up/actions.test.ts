import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalDb, META } from '../local/local-db.ts';
import { createQueries } from '../local/queries.ts';
import { commitAction, failAction, resolveTargets } from './actions.ts';
import { commitSend, markFailed } from './outbox.ts';

describe('message actions in the outbox (fake-indexeddb)', () => {
  let db: LocalDb | undefined;
  afterEach(() => db?.close());
  const open = async () => {
    db = new LocalDb('actions', { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.setMeta(META.userId, 'me');
    return db;
  };

  it('an action queues behind the message it acts on, and a message typed right after it behind the action, in one lane', async () => {
    const db = await open();
    const m = await commitSend(db, 'me', 'peer', 'hello');
    await commitAction(db, 'me', m.key, { kind: 'react', emoji: '👍' });
    const next = await commitSend(db, 'me', 'peer', 'typed right after');
    const lane = await db.outbox.where('[conversationId+localCreatedAt]').between([m.conversationId, -Infinity], [m.conversationId, Infinity]).toArray();
    expect(lane.map((e) => e.action?.kind ?? e.body)).toEqual(['hello', 'react', 'typed right after']);
    expect(new Set(lane.map((e) => e.localCreatedAt)).size).toBe(3);
    expect(lane[1]).toMatchObject({ targetKey: m.key, action: { targetId: null } });
    expect(next.localCreatedAt).toBeGreaterThan(lane[1]!.localCreatedAt);
  });

  it('an action that changes nothing queues nothing; refusals this device can judge reject at once', async () => {
    const db = await open();
    const m = await commitSend(db, 'me', 'peer', 'hello');
    await commitAction(db, 'me', m.key, { kind: 'edit', body: '  hello ' }); // the same body once trimmed
    await commitAction(db, 'me', m.key, { kind: 'react', emoji: '' }); // no reaction to remove
    expect(await db.outbox.count()).toBe(1);
    await expect(commitAction(db, 'me', m.key, { kind: 'react', emoji: 'ok' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(commitAction(db, 'me', 'me:nope', { kind: 'delete' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await commitAction(db, 'me', m.key, { kind: 'delete' });
    await expect(commitAction(db, 'me', m.key, { kind: 'edit', body: 'after the delete' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await db.outbox.count()).toBe(2);
  });

  it("the target's server id is read when the action reaches the head; a target that was never sent leaves it null", async () => {
    const db = await open();
    const m = await commitSend(db, 'me', 'peer', 'hello');
    await commitAction(db, 'me', m.key, { kind: 'edit', body: 'hello!' });
    const entry = (await db.outbox.where('targetKey').equals(m.key).first())!;
    expect((await resolveTargets(db, entry)).action?.targetId).toBeNull();
    await db.messages.update(m.key, { id: 'm42', seq: 1, status: 'sent' });
    expect((await resolveTargets(db, entry)).action?.targetId).toBe('m42');
  });

  it('a refused action leaves the row as the server had it, with actionError; a hide of a failed message stays local', async () => {
    const db = await open();
    const m = await commitSend(db, 'me', 'peer', 'hello');
    await commitAction(db, 'me', m.key, { kind: 'edit', body: 'edited' });
    await commitAction(db, 'me', m.key, { kind: 'react', emoji: '🎉' });
    const queries = createQueries(db);
    expect(await queries.message(m.key)).toMatchObject({ body: 'edited', reactions: [{ userId: 'me', emoji: '🎉' }], pendingActions: 2 });
    const edit = (await db.outbox.where('targetKey').equals(m.key).sortBy('localCreatedAt'))[0]!;
    await failAction(db, edit, 'me', 'CONFLICT', 'the edit window (15 minutes) has closed');
    // The reaction is still pending and still shown; the edit is gone, with a notice.
    expect(await queries.message(m.key)).toMatchObject({ body: 'hello', reactions: [{ emoji: '🎉' }], pendingActions: 1, actionError: { kind: 'edit', code: 'CONFLICT' } });

    const sendEntry = (await db.outbox.get(m.clientId))!;
    await markFailed(db, sendEntry, 'me', 'FORBIDDEN', 'blocked');
    const before = await db.outbox.count();
    await commitAction(db, 'me', m.key, { kind: 'hide' });
    expect(await db.outbox.count()).toBe(before);
    expect((await queries.message(m.key))?.hiddenAt).toBeTruthy();
    expect(await queries.messages(m.conversationId)).toEqual([]);
  });
});
