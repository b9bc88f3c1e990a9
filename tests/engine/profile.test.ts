/**
 * Profiles end to end against the real server (#19 item 12; up/profile.ts): a change made offline
 * shows at once, is sent once after reconnect (the photo uploaded first) and shows on the user's
 * other device and on a contact's (name, about line, photo); two devices changing different fields
 * both keep theirs; an engine closed with a queued photo uploads it once after a reopen.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { SyncEngine } from '@pigeon/sync-protocol/engine';
import { PASSWORD, useServer, waitFor } from './helpers.ts';

async function photo(r: number): Promise<Blob> {
  const png = await sharp({ create: { width: 120, height: 90, channels: 3, background: { r, g: 90, b: 160 } } }).png().toBuffer();
  return new Blob([new Uint8Array(png)], { type: 'image/png' });
}

/** A fetch that counts profile PATCHes and uploads. */
function countingFetch() {
  const seen = { patches: [] as unknown[], uploads: 0 };
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.pathname === '/api/users/me' && init?.method === 'PATCH') seen.patches.push(JSON.parse(String(init.body)));
    if (url.pathname === '/api/attachments' && init?.method === 'POST') seen.uploads += 1;
    return fetch(input, init);
  };
  return { seen, fetch: fetchImpl };
}

const offline = async (engine: SyncEngine) => {
  engine.setNetworkEnabled(false);
  await waitFor(() => engine.getState().connection === 'offline');
};

describe('profiles against the real server', () => {
  const env = useServer();

  it('a change made offline shows at once, is sent once after reconnect, and reaches the user’s other device and a contact, photo included', async () => {
    const rec = countingFetch();
    const { alice, bob, a, b, conversationId } = await env.pair({ alice: { fetch: rec.fetch } });
    await bob.engine.send(a.id, 'hello');
    const laptop = env.device();
    await laptop.engine.signIn(a.username, PASSWORD);
    await waitFor(async () => (await laptop.engine.queries.conversation(conversationId)) !== undefined);
    await waitFor(async () => (await bob.engine.queries.user(a.id)) !== undefined);

    await offline(alice.engine);
    const picture = await photo(200);
    await alice.engine.updateProfile({ displayName: 'Alice Liddell', about: 'Curiouser and curiouser', avatar: { blob: picture, name: 'me.png' } });
    const shown = await alice.engine.queries.user(a.id);
    expect(shown).toMatchObject({ displayName: 'Alice Liddell', about: 'Curiouser and curiouser', avatar: { id: expect.stringMatching(/^local:/) } });
    expect(alice.engine.getState()).toMatchObject({ outboxSize: 1, outboxActions: 1 });
    // Offline, the photo is the device's own bytes.
    expect((await alice.engine.avatar(a.id))?.size).toBe(picture.size);
    // A second change while still offline merges into the one entry.
    await alice.engine.updateProfile({ about: 'We are all mad here' });
    expect(alice.engine.getState().outboxSize).toBe(1);
    expect(rec.seen.patches).toEqual([]);

    alice.engine.setNetworkEnabled(true);
    await waitFor(() => alice.engine.getState().outboxSize === 0);
    expect(rec.seen.uploads).toBe(1);
    expect(rec.seen.patches).toHaveLength(1);
    const [stored] = await env.t.server.store.getUsers([a.id]);
    expect(stored).toMatchObject({ displayName: 'Alice Liddell', about: 'We are all mad here', avatar: { id: expect.any(String) } });
    const avatarId = stored!.avatar!.id;
    expect(await alice.engine.queries.user(a.id)).toMatchObject({ displayName: 'Alice Liddell', about: 'We are all mad here', avatar: { id: avatarId } });
    // The sender keeps its own bytes under the server's id: no download.
    expect((await alice.engine.avatar(a.id))?.size).toBe(picture.size);

    for (const engine of [laptop.engine, bob.engine]) {
      await waitFor(async () => (await engine.queries.user(a.id))?.avatar?.id === avatarId, { describe: async () => engine.queries.user(a.id) });
      expect(await engine.queries.user(a.id)).toMatchObject({ displayName: 'Alice Liddell', about: 'We are all mad here' });
    }
    // The contact gets the server's WebP thumbnail, then has it offline.
    const seenByBob = await bob.engine.avatar(a.id);
    expect(seenByBob?.type).toBe('image/webp');
    expect((await sharp(Buffer.from(await seenByBob!.arrayBuffer())).metadata()).format).toBe('webp');
    await offline(bob.engine);
    expect((await bob.engine.avatar(a.id))?.size).toBe(seenByBob!.size);
    expect(await bob.engine.avatar(b.id)).toBeNull(); // no photo
  });

  it('two devices change different fields: both survive, on the server and on both devices', async () => {
    const { alice, a } = await env.pair();
    const laptop = env.device();
    await laptop.engine.signIn(a.username, PASSWORD);
    await offline(alice.engine);
    await alice.engine.updateProfile({ displayName: 'Phone Name' });
    await laptop.engine.updateProfile({ about: 'set on the laptop' });
    await waitFor(() => laptop.engine.getState().outboxSize === 0);
    // Still queued on the phone: the laptop's news does not undo the phone's pending name.
    await waitFor(async () => (await alice.engine.queries.user(a.id))?.displayName === 'Phone Name');
    alice.engine.setNetworkEnabled(true);
    // Whichever reaches the server first, each PATCH changes its own field only.
    await waitFor(async () => {
      const [u] = await env.t.server.store.getUsers([a.id]);
      return u?.displayName === 'Phone Name' && u.about === 'set on the laptop';
    }, { describe: async () => env.t.server.store.getUsers([a.id]) });
    for (const [name, engine] of [['phone', alice.engine], ['laptop', laptop.engine]] as const) {
      await waitFor(async () => {
        const u = await engine.queries.user(a.id);
        return u?.displayName === 'Phone Name' && u.about === 'set on the laptop';
      }, { describe: async () => ({ name, user: await engine.queries.user(a.id) }) });
    }
  });

  it('an engine closed with a queued photo uploads it once after a reopen', async () => {
    const rec = countingFetch();
    const { alice, a } = await env.pair({ alice: { fetch: rec.fetch } });
    await offline(alice.engine);
    await alice.engine.updateProfile({ avatar: { blob: await photo(30), name: 'restart.png' } });
    await alice.engine.close();

    const reopened = env.track(alice.reopen({ fetch: rec.fetch }));
    expect((await reopened.resume())?.id).toBe(a.id);
    await waitFor(() => reopened.getState().outboxSize === 0, { describe: () => ({ state: reopened.getState(), seen: rec.seen }) });
    expect(rec.seen.uploads).toBe(1);
    expect(rec.seen.patches).toEqual([{ avatarId: expect.any(String) }]);
    const [stored] = await env.t.server.store.getUsers([a.id]);
    expect(stored?.avatar?.id).toBe((rec.seen.patches[0] as { avatarId: string }).avatarId);
    await waitFor(async () => (await reopened.queries.user(a.id))?.avatar?.id === stored!.avatar!.id);
    // Removing it: null reaches the server, the device shows none.
    await reopened.updateProfile({ avatar: null });
    expect((await reopened.queries.user(a.id))?.avatar).toBeNull(); // at once
    await waitFor(async () => (await env.t.server.store.getUsers([a.id]))[0]?.avatar === null);
    expect(await reopened.avatar(a.id)).toBeNull();
  });

  it('a profile refresh the network cut is asked again while the socket stays up (down/owed-fetch.ts)', async () => {
    // The phone's first GET /api/users/me after `cut.armed` fails as a dropped connection would.
    const cut = { armed: false, cuts: 0 };
    const cutting: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (cut.armed && url.pathname === '/api/users/me' && (init?.method ?? 'GET') === 'GET') {
        cut.armed = false;
        cut.cuts += 1;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const { alice, a } = await env.pair({ alice: { fetch: cutting } });
    const laptop = env.device();
    await laptop.engine.signIn(a.username, PASSWORD);
    await waitFor(async () => (await alice.engine.queries.user(a.id)) !== undefined);
    // Changed on the laptop while the phone is away: the phone misses the live user-updated.
    await offline(alice.engine);
    await laptop.engine.updateProfile({ displayName: 'Renamed Elsewhere' });
    await waitFor(async () => (await env.t.server.store.getUsers([a.id]))[0]?.displayName === 'Renamed Elsewhere');
    cut.armed = true;
    alice.engine.setNetworkEnabled(true);
    await waitFor(() => cut.cuts === 1 && alice.engine.getState().connection === 'online');
    // No reconnect, no sync hint: the refresh comes back by itself after its backoff.
    await waitFor(async () => (await alice.engine.queries.user(a.id))?.displayName === 'Renamed Elsewhere', {
      describe: async () => ({ user: await alice.engine.queries.user(a.id), state: alice.engine.getState() }),
    });
  });

  it('refuses bad input at once, queueing nothing', async () => {
    const { alice } = await env.pair();
    const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);
    expect(await refusal(alice.engine.updateProfile({ displayName: '  ' }))).toMatchObject({ code: 'VALIDATION' });
    expect(await refusal(alice.engine.updateProfile({ about: 'x'.repeat(141) }))).toMatchObject({ code: 'VALIDATION' });
    expect(await refusal(alice.engine.updateProfile({ about: 'a\u202Eb' }))).toMatchObject({ code: 'VALIDATION' });
    expect(await refusal(alice.engine.updateProfile({ avatar: { blob: new Blob(['x'], { type: 'text/plain' }), name: 'x.txt' } }))).toMatchObject({ code: 'VALIDATION' });
    expect(await refusal(alice.engine.updateProfile({}))).toMatchObject({ code: 'VALIDATION' });
    expect(alice.engine.getState().outboxSize).toBe(0);
  });
});
