/**
 * The delivered receipts owed while a catch-up runs wait for its end (up/receipts.ts holdDelivered,
 * issue #20): the backlog is stored first, the sender's ticks follow. A run that stalls does not
 * hold them past `deliveredHoldMaxMs`; nothing owed is lost either way.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import type { SyncEngineOptions } from '../api.ts';
import { memoryFixture } from './fixture.ts';

describe('delivered receipts during a catch-up', () => {
  const env = memoryFixture();

  /** Bob's `message-received` calls, each with how many of the chat's messages Bob had stored when it came. */
  const watchReceipts = (bobId: string, storedNow: () => Promise<number>) => {
    const calls: { ids: number; storedBefore: number }[] = [];
    const remove = env.server.intercept(async (call, next) => {
      if (call.op === 'messageReceived' && call.userId === bobId) {
        const ids = (call.input as { messageIds: string[] }).messageIds.length;
        calls.push({ ids, storedBefore: await storedNow() });
      }
      return next();
    });
    return { calls, remove };
  };

  /** Bob (pages of 3) offline while Alice sends him 10 messages: his next catch-up takes four pages. */
  const backlogOfTen = async (bobOptions: Partial<SyncEngineOptions>) => {
    const pair = await env.pair({ bob: { syncPageSize: 3, ...bobOptions } });
    const { alice, bob, b } = pair;
    await waitFor(() => bob.engine.getState().lastSyncAt !== null);
    bob.engine.setNetworkEnabled(false);
    for (let i = 1; i <= 10; i++) await alice.engine.send(b.id, `m${i}`);
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0);
    return pair;
  };

  it('are sent once the run has stored its last page, every one of them', async () => {
    const { alice, bob, b, conversationId } = await backlogOfTen({});

    const stored = async () => (await bob.engine.queries.messages(conversationId, 50)).length;
    const { calls, remove } = watchReceipts(b.id, stored);
    bob.engine.setNetworkEnabled(true);
    await waitFor(() => env.server.history(conversationId).every((m) => m.status === 'delivered'));
    remove();

    // Four pages of 3: without the hold, the first receipt went after the first page (3 stored).
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((c) => c.storedBefore)).toEqual(calls.map(() => 10));
    expect(calls.reduce((n, c) => n + c.ids, 0)).toBe(10);
    await waitFor(async () => (await alice.engine.queries.messages(conversationId, 50)).every((m) => m.status === 'delivered'));
    expect(bob.engine.getState().receiptsOwed).toBe(0);
  });

  it('a run that stalls holds them no longer than deliveredHoldMaxMs', async () => {
    const { bob, b, conversationId } = await backlogOfTen({ deliveredHoldMaxMs: 40 });

    // Bob's pages after the first are answered only on release: the run stalls after one page.
    let pages = 0;
    const stall = env.server.hold((call) => call.op === 'sync' && call.userId === b.id && ++pages > 1);
    const stored = async () => (await bob.engine.queries.messages(conversationId, 50)).length;
    const { calls, remove } = watchReceipts(b.id, stored);
    bob.engine.setNetworkEnabled(true);
    await stall.reached;
    await waitFor(() => calls.length > 0);
    // Sent while the run waited for its next page: the first page's 3, the run still going.
    expect(bob.engine.getState().catchUp).not.toBeNull();
    expect(calls[0]!.storedBefore).toBe(3);
    await waitFor(() => env.server.history(conversationId).filter((m) => m.status === 'delivered').length === 3);

    stall.release();
    await waitFor(() => env.server.history(conversationId).every((m) => m.status === 'delivered'));
    remove();
    expect(calls.reduce((n, c) => n + c.ids, 0)).toBe(10);
  });
});
