import type { EngineEvents } from '@pigeon/sync-protocol/engine';
import { describe, expect, it } from 'vitest';
import { serverHistory, useServer, waitFor } from './helpers.ts';

/**
 * The real server with access tokens of 3 s (JWT `exp`, whole seconds): an engine refreshes
 * ahead of each expiry (POST /api/auth/refresh) and keeps sending, syncing and receiving over
 * several lifetimes, on REST and on the socket, without being signed out.
 */
describe('access-token expiry on the real server', () => {
  const env = useServer({ accessTokenTtlSeconds: 3 });

  it('keeps working across several access-token lifetimes', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    const signedOut: EngineEvents['signed-out'][] = [];
    for (const d of [alice, bob]) d.engine.on('signed-out', (e) => signedOut.push(e));
    await waitFor(() => alice.engine.getState().connection === 'online');

    const sent: string[] = [];
    const until = Date.now() + 8_000; // more than two lifetimes
    for (let i = 0; Date.now() < until; i++) {
      sent.push((await alice.engine.send(b.id, `message ${i}`)).clientId);
      await bob.engine.syncNow(); // REST, with the token current at that moment
      await new Promise((r) => setTimeout(r, 250));
    }
    // A reconnect after the first token expired: the handshake must carry a fresh one.
    alice.engine.dropConnection();
    sent.push((await alice.engine.send(b.id, 'after a reconnect')).clientId);

    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0 && alice.engine.getState().connection === 'online');
    await waitFor(async () => (await bob.engine.queries.messages(conversationId, 500)).length === sent.length);
    expect((await serverHistory(env.t.server, conversationId)).map((m) => m.clientId)).toEqual(sent);
    expect((await alice.engine.searchUsers(b.username)).map((u) => u.id)).toEqual([b.id]);
    expect(signedOut).toEqual([]);
  });
});
