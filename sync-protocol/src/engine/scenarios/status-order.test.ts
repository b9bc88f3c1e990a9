import { describe, expect, it } from 'vitest';
import { statusRank, type LocalStatus } from '../../status.ts';
import { waitFor } from '../../testing/index.ts';
import { memoryFixture } from './fixture.ts';

/**
 * "read" reaches the sender before a stale "delivered" does: the sender's catch-up
 * page is fetched while the server still says delivered, held back, and committed
 * only after the live read receipt. The status must stay read.
 */
describe('monotonic status', () => {
  const env = memoryFixture();

  it('never regresses when read arrives before delivered', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    await waitFor(() => alice.engine.getState().connection === 'online' && bob.engine.getState().connection === 'online');

    // Every status alice's device ever shows for the message, checked on every poll.
    const seen: LocalStatus[] = [];
    const observe = async () => {
      const [m] = await alice.engine.queries.messages(conversationId);
      if (m && seen.at(-1) !== m.status) seen.push(m.status);
      return m?.status;
    };

    await alice.engine.send(b.id, 'hello');
    await waitFor(async () => (await observe()) === 'delivered');

    // Alice's catch-up pages are answered now (the server's view: delivered) and delivered later.
    const held = env.server.hold((call) => call.op === 'sync' && call.userId === a.id);
    const staleSync = alice.engine.syncNow();
    await held.reached;

    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 1);
    await bob.engine.markRead(conversationId);
    await waitFor(async () => (await observe()) === 'read');

    held.release();
    await staleSync;
    await observe();
    expect(await observe()).toBe('read');
    expect(seen.map(statusRank)).toEqual([...seen.map(statusRank)].sort((x, y) => x - y));
    expect(seen.at(-1)).toBe('read');

    // Bob's side: read locally, badge at zero, and it stays so after a catch-up.
    await bob.engine.syncNow();
    const [bobCopy] = await bob.engine.queries.messages(conversationId);
    expect(bobCopy?.status).toBe('read');
    expect((await bob.engine.queries.conversations())[0]?.conversation.unreadCount).toBe(0);
  });
});
