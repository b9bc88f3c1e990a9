/**
 * The user's own profile across devices on the in-memory server (up/profile.ts): shown at once,
 * one queued entry however many changes (merged field by field, across a restart too), sent once
 * when the network is back; the user's other device and a contact follow by `user-updated`, a
 * device that was away by the refresh after its reconnect; a photo is uploaded before the PATCH.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { bytes } from './files-fixture.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

const offline = async (engine: SyncEngine) => {
  engine.setNetworkEnabled(false);
  await waitFor(() => engine.getState().connection === 'offline');
};

describe('profile across devices (memory server)', () => {
  const env = memoryFixture();

  it('changes made offline are one entry, kept across a restart, sent once; other devices and a contact follow', async () => {
    const { alice, bob, a } = await env.pair();
    await bob.engine.send(a.id, 'hello');
    const laptop = env.device();
    await laptop.engine.signIn(a.username, PASSWORD);
    await waitFor(async () => (await bob.engine.queries.user(a.id)) !== undefined);
    const patches: unknown[] = [];
    env.server.intercept(async (call, next) => {
      if (call.op === 'updateProfile') patches.push(call.input);
      return next();
    });

    await offline(alice.engine);
    await alice.engine.updateProfile({ displayName: 'Alice L' });
    await alice.engine.updateProfile({ about: 'down the hole', avatar: { blob: bytes(300, 7, 'image/png'), name: 'me.png' } });
    expect(await alice.engine.queries.user(a.id)).toMatchObject({ displayName: 'Alice L', about: 'down the hole', avatar: { id: expect.stringMatching(/^local:/) } });
    await alice.engine.close();
    const reopened = env.track(alice.reopen());
    await reopened.resume();
    reopened.setNetworkEnabled(false);
    expect(await reopened.queries.user(a.id)).toMatchObject({ displayName: 'Alice L', about: 'down the hole' });
    reopened.setNetworkEnabled(true);
    await waitFor(() => patches.length === 1 && reopened.getState().outboxSize === 0);
    expect(patches[0]).toMatchObject({ displayName: 'Alice L', about: 'down the hole', avatarId: expect.any(String) });
    expect(env.server.attachments.list().filter((x) => x.uploader === a.id)).toHaveLength(1);

    for (const engine of [reopened, laptop.engine, bob.engine]) {
      await waitFor(async () => {
        const u = await engine.queries.user(a.id);
        return u?.displayName === 'Alice L' && u.about === 'down the hole' && u.avatar?.id === (patches[0] as { avatarId: string }).avatarId;
      });
    }
    expect((await bob.engine.avatar(a.id))?.size).toBe(300);
  });

  it('a queued change wins over server news until sent; a device that was away catches up after its reconnect', async () => {
    const { alice, a } = await env.pair();
    const laptop = env.device();
    await laptop.engine.signIn(a.username, PASSWORD);
    const tablet = env.device();
    await tablet.engine.signIn(a.username, PASSWORD);
    await offline(tablet.engine);
    await offline(alice.engine);
    await alice.engine.updateProfile({ about: 'from the phone' });
    await laptop.engine.updateProfile({ about: 'from the laptop', displayName: 'Laptop name' });
    await waitFor(async () => (await laptop.engine.queries.user(a.id))?.displayName === 'Laptop name');
    await alice.engine.syncNow().catch(() => {});
    expect(await alice.engine.queries.user(a.id)).toMatchObject({ about: 'from the phone' });
    alice.engine.setNetworkEnabled(true);
    // The phone's about came last in the server's order; the laptop's name stays.
    for (const engine of [alice.engine, laptop.engine]) {
      await waitFor(async () => {
        const u = await engine.queries.user(a.id);
        return u?.about === 'from the phone' && u.displayName === 'Laptop name';
      });
    }
    tablet.engine.setNetworkEnabled(true);
    await waitFor(async () => {
      const u = await tablet.engine.queries.user(a.id);
      return u?.about === 'from the phone' && u.displayName === 'Laptop name';
    });
  });
});
