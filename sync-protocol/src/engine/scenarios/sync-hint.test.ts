import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import { memoryFixture } from './fixture.ts';

/**
 * `sync-hint` (issue #14): a server node whose Redis link came back tells its devices that
 * events may have been lost. Lost pushes leave no seq gap a device could notice (the next
 * message may never come), so without the hint a connected device would stay behind.
 */
describe('sync-hint', () => {
  const env = memoryFixture();
  // No REST polling while connected is the engine's rule anyway; a long poll makes sure
  // nothing but the hint can bring the message.
  const quiet = { pollIntervalMs: 600_000 };

  it('a connected device that lost a push catches up on sync-hint, and not before', async () => {
    const { alice, bob, b, conversationId } = await env.pair({ bob: quiet });
    await waitFor(() => bob.engine.getState().connection === 'online');
    await alice.engine.send(b.id, 'first');
    await waitFor(async () => (await bob.engine.queries.messages(conversationId, 10)).length === 1);

    env.server.dropPushes(true);
    await alice.engine.send(b.id, 'lost push');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId, 10)).every((m) => m.status !== 'pending'));
    env.server.dropPushes(false);
    // The message is stored and acked, yet bob has no reason to ask: a round trip through
    // the server (a status query answered after the send) shows it did not arrive.
    await bob.engine.refreshPresence(alice.engine.getState().userId!);
    expect((await bob.engine.queries.messages(conversationId, 10)).map((m) => m.body)).toEqual(['first']);

    env.server.syncHint();
    await waitFor(async () => (await bob.engine.queries.messages(conversationId, 10)).length === 2);
    expect((await bob.engine.queries.messages(conversationId, 10)).map((m) => m.body)).toEqual(['first', 'lost push']);
  });

  it('presence lost with the pushes is refreshed on sync-hint', async () => {
    const { alice, bob, a, b } = await env.pair({ bob: quiet });
    await alice.engine.send(b.id, 'hello');
    await waitFor(async () => (await bob.engine.queries.user(a.id))?.online === true);

    env.server.dropPushes(true);
    alice.engine.setNetworkEnabled(false); // her user-offline is lost
    await waitFor(() => alice.engine.getState().connection === 'offline');
    env.server.dropPushes(false);
    await bob.engine.refreshPresence(b.id); // a round trip: nothing else is on its way
    expect((await bob.engine.queries.user(a.id))?.online).toBe(true);

    env.server.syncHint();
    await waitFor(async () => (await bob.engine.queries.user(a.id))?.online === false);
  });
});
