/**
 * A user row holds a profile and a presence. The profile refresh after a reconnect (up/profile-sync.ts)
 * asks `GET /api/users` for every user the device holds; its answer, computed when it was asked, must
 * not overwrite a presence event that came after (up/profile.ts ProfileFreshness). Seen in the e2e
 * chat-header-offline: a refresh answered while the two were strangers, stored after the peer's
 * user-offline, left the header with neither "online" nor a last seen.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import { memoryFixture } from './fixture.ts';

describe('presence and the profile refresh', () => {
  const env = memoryFixture();

  it('a refresh answer asked before a user-offline does not bring back the older presence', async () => {
    const { alice, bob, a } = await env.pair();
    await bob.engine.send(a.id, 'hello');
    await waitFor(async () => (await alice.engine.queries.conversations()).length > 0); // the two now share a conversation

    // Bob's device reconnects: its profile refresh asks for Alice while she is online; the answer is held.
    const lookup = env.server.hold((call) => call.op === 'users' && call.userId !== a.id);
    bob.engine.setNetworkEnabled(false);
    await waitFor(() => bob.engine.getState().connection === 'offline');
    bob.engine.setNetworkEnabled(true);
    await lookup.reached;

    // Alice goes offline meanwhile: Bob's device hears it (user-offline, with her last seen).
    alice.engine.setNetworkEnabled(false);
    await waitFor(async () => (await bob.engine.queries.user(a.id))?.lastSeen != null);
    expect(await bob.engine.queries.user(a.id)).toMatchObject({ online: false });

    lookup.release();
    await waitFor(() => bob.engine.getState().connection === 'online');
    // The held answer said "online": stored, it would show Alice online until her next connect.
    await new Promise((r) => setTimeout(r, 200));
    expect(await bob.engine.queries.user(a.id)).toMatchObject({ online: false, lastSeen: expect.any(String) });
  });
});
