import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { networkError, waitFor } from '../../testing/index.ts';
import type { EngineEvents, SyncEngine } from '../api.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

describe('authentication', () => {
  const env = memoryFixture();

  const signedOut = (engine: SyncEngine) => {
    const events: EngineEvents['signed-out'][] = [];
    engine.on('signed-out', (e) => events.push(e));
    return events;
  };

  it('a refused socket handshake whose refresh is refused too signs out as expired, keeping the outbox for the next sign-in', async () => {
    const username = env.uniqueName('alice');
    const alice = env.device();
    const bob = env.device();
    const a = await alice.engine.signUp(username, PASSWORD);
    const b = await bob.engine.signUp(env.uniqueName('bob'), PASSWORD);
    alice.engine.setNetworkEnabled(false);
    const queued = await alice.engine.send(b.id, 'typed before the token expired');
    await alice.engine.close();
    await bob.engine.close();

    // Every session ends on the server: access and refresh tokens are refused.
    env.server.revokeTokens();

    // REST is unreachable for this engine but for the refresh, so only the socket notices the
    // refused token; the refresh it triggers is refused too.
    const noRest = env.server.transport({
      intercept: async (call, next) => {
        if (call.via === 'rest' && call.op !== 'refresh') throw networkError('fetch failed');
        return next();
      },
    });
    const reloaded = env.track(alice.reopen({ transport: noRest }));
    const events = signedOut(reloaded);
    expect((await reloaded.resume())?.id).toBe(a.id);
    await waitFor(() => events.length > 0);
    expect(events).toEqual([{ reason: 'expired' }]);
    expect(reloaded.getState()).toMatchObject({ userId: null, connection: 'offline' });
    expect(await reloaded.queries.me()).toBeUndefined();
    await expect(reloaded.send(b.id, 'x')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await reloaded.close();

    // After a reload nothing resumes without signing in; signing in again sends what was queued.
    const again = env.track(alice.reopen());
    expect(await again.resume()).toBeNull();
    expect((await again.queries.outbox()).map((m) => m.key)).toEqual([queued.key]);
    await again.signIn(username, PASSWORD);
    await waitFor(async () => (await again.queries.outbox()).length === 0 && again.getState().outboxSize === 0);
    const stored = env.server.history(directConversationId(a.id, b.id));
    expect(stored.map((m) => m.clientId)).toEqual([queued.clientId]);
  });

  it('a 401 on REST whose refresh is refused signs out as expired', async () => {
    const alice = env.device();
    await alice.engine.signUp(env.uniqueName('alice'), PASSWORD);
    alice.engine.setNetworkEnabled(false); // no socket: REST is what hits the 401
    await alice.engine.close();
    env.server.revokeTokens();

    const reloaded = env.track(alice.reopen());
    reloaded.setNetworkEnabled(false);
    const events = signedOut(reloaded);
    await reloaded.resume();
    await expect(reloaded.searchUsers('a')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await waitFor(() => events.length > 0);
    expect(events[0]).toEqual({ reason: 'expired' });
    expect(reloaded.getState().userId).toBeNull();
  });

  it('wrong credentials are an error, not a sign-out', async () => {
    const device = env.device();
    const events = signedOut(device.engine);
    await expect(device.engine.signIn('nobody-here', PASSWORD)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(events).toEqual([]);
  });
});
