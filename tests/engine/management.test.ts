import type { EngineEvents } from '@pigeon/sync-protocol/engine';
import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName, useServer, waitFor } from './helpers.ts';

/** The engine's management calls over the default transport (fetch + Socket.io) on the real server. */
describe('sessions and blocks on the real server', () => {
  const env = useServer();

  it('revoking the other device signs it out with reason revoked; this one stays signed in', async () => {
    const name = uniqueName('ada');
    const laptop = env.device();
    const phone = env.device();
    const a = await laptop.engine.signUp(name, PASSWORD);
    await phone.engine.signIn(name, PASSWORD);
    await waitFor(() => phone.engine.getState().connection === 'online');
    const events: EngineEvents['signed-out'][] = [];
    phone.engine.on('signed-out', (e) => events.push(e));

    const sessions = await laptop.engine.listSessions();
    expect(sessions.map((s) => s.current).sort()).toEqual([false, true]);
    await laptop.engine.revokeSession(sessions.find((s) => !s.current)!.id);

    await waitFor(() => events.length > 0, { describe: () => phone.engine.getState() });
    expect(events).toEqual([{ reason: 'revoked' }]);
    expect(laptop.engine.getState().userId).toBe(a.id);
    expect((await laptop.engine.listSessions()).map((s) => s.current)).toEqual([true]);
  });

  it('a send to someone who blocked you fails with FORBIDDEN; after the unblock the retry is delivered', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    await bob.engine.send(a.id, 'hi');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).length === 1);

    await alice.engine.blockUser(b.id);
    expect(await alice.engine.queries.blocked()).toEqual([b.id]);
    expect((await alice.engine.blockedUsers()).map((u) => u.id)).toEqual([b.id]);
    const refused = await bob.engine.send(a.id, 'still there?');
    const failed = await waitFor(async () => (await bob.engine.queries.messages(conversationId)).find((m) => m.key === refused.key && m.status === 'failed'));
    expect(failed?.error?.code).toBe('FORBIDDEN');
    // outboxSize follows the outbox table through its change watcher, a moment after the failed status.
    await waitFor(() => bob.engine.getState().outboxSize === 0);

    await alice.engine.unblockUser(b.id);
    expect(await alice.engine.blockedUsers()).toEqual([]);
    await bob.engine.retry(refused.key);
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).some((m) => m.key === refused.key));
  });

  it('a block made on another device reaches this one even when the network cut its list fetch at connect (down/owed-fetch.ts)', async () => {
    // The phone's first GET /api/users/blocked after `cut.armed` fails as a dropped connection would.
    const cut = { armed: false, cuts: 0 };
    const cutting: typeof fetch = async (input, init) => {
      if (cut.armed && new URL(String(input)).pathname === '/api/users/blocked') {
        cut.armed = false;
        cut.cuts += 1;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const { alice, a, b } = await env.pair({ alice: { fetch: cutting } });
    const laptop = env.device();
    await laptop.engine.signIn(a.username, PASSWORD);
    alice.engine.setNetworkEnabled(false);
    await waitFor(() => alice.engine.getState().connection === 'offline');
    await laptop.engine.blockUser(b.id);
    cut.armed = true;
    alice.engine.setNetworkEnabled(true);
    await waitFor(() => cut.cuts === 1 && alice.engine.getState().connection === 'online');
    // No reconnect: the list comes back by itself after its backoff.
    await waitFor(async () => (await alice.engine.queries.blocked()).includes(b.id), { describe: async () => ({ blocked: await alice.engine.queries.blocked(), state: alice.engine.getState() }) });
  });
});
