import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { fail, waitFor } from '../../testing/index.ts';
import { LocalDb } from '../local/local-db.ts';
import { OWED_PREFIX, oweDelivered } from '../local/owed-receipts.ts';
import { memoryFixture } from './fixture.ts';

/**
 * Delivery receipts owed are kept in records beside the rows (local/owed-receipts.ts), written in
 * the transaction that stores the message; the row is stored `delivered` once. The debt must
 * survive a reload before the emit, and rows an older version left `sent` must still be paid.
 */
describe('delivery receipts owed', () => {
  const env = memoryFixture();

  /** Bob's `message-received` refused as a timeout while `refusing.on`. */
  const refuseReceipts = (userId: string) => {
    const refusing = { on: true, refused: 0 };
    const remove = env.server.intercept(async (call, next) => {
      if (call.op === 'messageReceived' && call.userId === userId && refusing.on) {
        refusing.refused++;
        throw fail('UNAVAILABLE', 'socket: operation has timed out');
      }
      return next();
    });
    return { refusing, remove };
  };

  const owedRecords = async (db: LocalDb) => db.meta.where('key').startsWith(OWED_PREFIX).toArray();

  it('survive a reload between the commit that stored the message and the emit', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await waitFor(() => bob.engine.getState().connection === 'online');
    const { refusing, remove } = refuseReceipts(b.id);
    await alice.engine.send(b.id, 'hello');
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 1);
    await waitFor(() => refusing.refused > 0);
    // Stored once, delivered; the server still says sent: the debt is in the record.
    expect((await bob.engine.queries.messages(conversationId))[0]?.status).toBe('delivered');
    expect(env.server.history(conversationId)[0]?.status).toBe('sent');
    await bob.engine.close();

    const db = new LocalDb(bob.dbName, { indexedDB: bob.factory, IDBKeyRange });
    expect((await owedRecords(db)).flatMap((r) => r.value as string[])).toEqual([env.server.history(conversationId)[0]!.id]);
    db.close();

    refusing.on = false;
    const reloaded = env.track(bob.reopen());
    await reloaded.resume();
    await waitFor(() => env.server.history(conversationId)[0]?.status === 'delivered');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId))[0]?.status === 'delivered');
    const after = new LocalDb(bob.dbName, { indexedDB: bob.factory, IDBKeyRange });
    await waitFor(async () => (await owedRecords(after)).length === 0);
    after.close();
    remove();
  });

  it('an older database with incoming rows still `sent` (no record) gets their receipts sent and the rows raised', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await waitFor(() => bob.engine.getState().connection === 'online');
    const { refusing, remove } = refuseReceipts(b.id);
    // Received by a catch-up, so the cursor is past them: nothing brings them again after the reload.
    bob.engine.setNetworkEnabled(false);
    await alice.engine.send(b.id, 'one');
    await alice.engine.send(b.id, 'two');
    await waitFor(() => env.server.history(conversationId).length === 2);
    const synced = bob.engine.getState().lastSyncAt;
    bob.engine.setNetworkEnabled(true);
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 2 && bob.engine.getState().lastSyncAt !== synced);
    await waitFor(() => refusing.refused > 0);
    await bob.engine.close();

    // What a version before the records left: the rows `sent`, no record.
    const db = new LocalDb(bob.dbName, { indexedDB: bob.factory, IDBKeyRange });
    await db.meta.bulkDelete((await owedRecords(db)).map((r) => r.key));
    await db.messages.toCollection().modify((m) => {
      m.status = 'sent';
    });
    db.close();

    refusing.on = false;
    const reloaded = env.track(bob.reopen());
    await reloaded.resume();
    await waitFor(() => env.server.history(conversationId).every((m) => m.status === 'delivered'));
    await waitFor(async () => (await reloaded.queries.messages(conversationId)).every((m) => m.status === 'delivered'));
    remove();
  });
  it('are counted into the engine state (receiptsOwed) until the server acks them', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await waitFor(() => bob.engine.getState().connection === 'online');
    const { refusing, remove } = refuseReceipts(b.id);
    await alice.engine.send(b.id, 'one');
    await alice.engine.send(b.id, 'two');
    // Shown delivered on bob's device, not yet on the server's: the state says so.
    await waitFor(() => bob.engine.getState().receiptsOwed === 2 && refusing.refused > 0);
    expect(env.server.history(conversationId).map((m) => m.status)).toEqual(['sent', 'sent']);
    refusing.on = false;
    await waitFor(() => bob.engine.getState().receiptsOwed === 0);
    expect(env.server.history(conversationId).map((m) => m.status)).toEqual(['delivered', 'delivered']);
    remove();
  });

  it('a receipt waiting out its backoff is sent as soon as something else is acked', async () => {
    // Backoff of 30–60 s for bob's first retry: only the proof that the connection works can make it prompt.
    const { alice, bob, b, conversationId } = await env.pair({ bob: { retryBaseMs: 60_000, retryMaxMs: 60_000 } });
    await waitFor(() => bob.engine.getState().connection === 'online');
    const { refusing, remove } = refuseReceipts(b.id);
    await alice.engine.send(b.id, 'hello');
    await waitFor(() => refusing.refused === 1);
    refusing.on = false;
    // Bob sends: its ack (stored from the server) shows the connection is fine.
    await bob.engine.send(alice.engine.getState().userId!, 'hi back');
    await waitFor(() => env.server.history(conversationId)[0]?.status === 'delivered', { timeoutMs: 8_000 });
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).find((m) => m.body === 'hello')?.status === 'delivered', { timeoutMs: 8_000 });
    // Paid once the ack is back (the server has stored the receipt before it answers).
    await waitFor(() => bob.engine.getState().receiptsOwed === 0, { timeoutMs: 8_000 });
    expect(refusing.refused).toBe(1);
    remove();
  });

  it('a record over the emit cap goes out in emits side by side, and is paid once both are acked', async () => {
    const { bob, b } = await env.pair();
    await waitFor(() => bob.engine.getState().connection === 'online');
    bob.engine.setNetworkEnabled(false);
    await waitFor(() => bob.engine.getState().connection === 'offline');
    // 1,500 ids in one record, as a catch-up's commit of several pages leaves (ids the server does not hold change nothing).
    const db = new LocalDb(bob.dbName, { indexedDB: bob.factory, IDBKeyRange });
    await oweDelivered(db, b.id, Array.from({ length: 1_500 }, () => crypto.randomUUID()));
    const arrived = new Set<string>();
    const removeWatch = env.server.intercept(async (call, next) => {
      if (call.op === 'messageReceived' && call.userId === b.id) for (const id of (call.input as { messageIds: string[] }).messageIds) arrived.add(id);
      return next();
    });
    const held = env.server.hold((call) => call.op === 'messageReceived' && call.userId === b.id);
    bob.engine.setNetworkEnabled(true);
    // Every id reaches the server before any emit is answered: one after the other, the second emit
    // waited for the first's ack (a timed-out first one is only sent again, the same 1,000 ids).
    await waitFor(() => arrived.size === 1_500);
    expect((await owedRecords(db)).length).toBe(1);
    held.release();
    await waitFor(async () => (await owedRecords(db)).length === 0);
    removeWatch();
    db.close();
  });
});
