import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import type { EngineEvents, SyncEngine } from '../api.ts';
import { memoryFixture } from './fixture.ts';

const signedOut = (engine: SyncEngine) => {
  const events: EngineEvents['signed-out'][] = [];
  engine.on('signed-out', (e) => events.push(e));
  return events;
};

/** Two engines on one database: two tabs of the PWA. */
describe('sign-out', () => {
  const env = memoryFixture();

  async function twoTabs() {
    const pair = await env.pair();
    const tab2 = env.track(pair.alice.reopen());
    await tab2.resume();
    await waitFor(() => pair.alice.engine.getState().connection === 'online' && tab2.getState().connection === 'online');
    return { ...pair, tab1: pair.alice.engine, tab2 };
  }

  it('reaches the other tab by itself: it stops and reports the sign-out; the server ends the session', async () => {
    const { tab1, tab2, a, b } = await twoTabs();
    const events = signedOut(tab2);
    await tab1.signOut();
    await waitFor(() => events.length > 0);
    // 'user', not 'revoked': the other tab learned it from the shared database, not from the
    // server cutting its socket. How fast is the e2e's and the bench's business, not a unit test's.
    expect(events).toEqual([{ reason: 'user' }]);
    expect(tab2.getState()).toMatchObject({ userId: null, connection: 'offline' });
    await expect(tab2.send(b.id, 'x')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // Logged out on the server too: the session's tokens are refused from now on.
    expect(env.server.sessions(a.id)).toEqual([]);
  });

  it('keeps the outbox when signing out, and the other tab does not send it after the sign-out', async () => {
    const { tab1, tab2, a, b, conversationId } = await twoTabs();
    tab1.setNetworkEnabled(false);
    tab2.setNetworkEnabled(false);
    const queued = await tab2.send(b.id, 'typed offline, then signed out');
    const events = signedOut(tab2);
    // Offline: the server cannot be told, and the sign-out does not wait for it.
    await tab1.signOut();
    await waitFor(() => events.length > 0);
    tab2.setNetworkEnabled(true);
    expect((await tab2.queries.outbox()).map((m) => m.key)).toEqual([queued.key]);
    expect(env.server.history(conversationId)).toEqual([]);
    expect(env.server.sessions(a.id)).toHaveLength(1); // the server never heard of it
  });

  it('with clearData deletes the account\'s local data, and the other tab stops too', async () => {
    const { tab1, tab2, b, conversationId } = await twoTabs();
    await tab1.send(b.id, 'stored, then cleared');
    // Acked (stored on the server): 'sent' may last only until Bob's receipt, shorter than a poll.
    await waitFor(async () => (await tab2.queries.messages(conversationId)).some((m) => m.seq !== null));
    const events = signedOut(tab2);
    await tab1.signOut({ clearData: true });
    await waitFor(() => events.length > 0);
    expect(events).toEqual([{ reason: 'user' }]);
    expect(await tab2.queries.conversations()).toEqual([]);
    expect(await tab2.queries.messages(conversationId)).toEqual([]);
    expect(await tab2.queries.me()).toBeUndefined();
    expect(await tab2.resume()).toBeNull();
  });

  it('a revocation reaches both tabs as revoked', async () => {
    const { tab1, tab2, a } = await twoTabs();
    const events = [signedOut(tab1), signedOut(tab2)];
    env.server.revokeSessions(a.id);
    await waitFor(() => events.every((e) => e.length > 0));
    expect(events).toEqual([[{ reason: 'revoked' }], [{ reason: 'revoked' }]]);
  });

  it('never waits long for a server that does not answer the logout', async () => {
    const alice = env.device({ logoutTimeoutMs: 200 });
    await alice.engine.signUp(env.uniqueName('alice'), 'password-123');
    // The logout is held until after the sign-out: without the timeout, signOut() would never resolve.
    const stuck = env.server.hold((call) => call.op === 'logout');
    await alice.engine.signOut();
    expect(alice.engine.getState().userId).toBeNull();
    stuck.release();
  });
});
