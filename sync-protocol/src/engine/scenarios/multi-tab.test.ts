import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import { memoryFixture } from './fixture.ts';

/** Two engines on one database (two tabs of the PWA), leadership by the lease fallback. */
describe('two tabs on one database', () => {
  const env = memoryFixture();

  it('both tabs queue, one drains; each message is stored once, in typing order, also when the leader closes', async () => {
    const { alice: device, a, b, conversationId } = await env.pair();
    const tab2 = env.track(device.reopen());
    expect((await tab2.resume())?.id).toBe(a.id);

    const typed = [];
    for (let i = 0; i < 20; i++) typed.push(await (i % 2 === 0 ? device.engine : tab2).send(b.id, `tab message ${i}`));
    // The first tab closes (whether it led or not); the other one finishes the job.
    await device.engine.close();
    for (let i = 20; i < 40; i++) typed.push(await tab2.send(b.id, `tab message ${i}`));
    await waitFor(async () => (await tab2.queries.outbox()).length === 0, { describe: () => tab2.getState() });
    const stored = env.server.history(conversationId);
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
    expect((await tab2.queries.messages(conversationId, 100)).map((m) => m.id)).toEqual(stored.map((m) => m.id));
  });

  it('actions made in either tab are sent once, in order, by whichever tab leads; both tabs show them at once', async () => {
    const { alice: device, b, conversationId } = await env.pair();
    const tab2 = env.track(device.reopen());
    await tab2.resume();
    device.engine.setNetworkEnabled(false);
    tab2.setNetworkEnabled(false);
    const m = await device.engine.send(b.id, 'from tab 1');
    await tab2.editMessage(m.key, 'edited in tab 2');
    await device.engine.react(m.key, '👍');
    await tab2.react(m.key, '🎉'); // replaces the first: one reaction per user
    expect(await device.engine.queries.message(m.key)).toMatchObject({ body: 'edited in tab 2', reactions: [{ emoji: '🎉' }], pendingActions: 3 });
    device.engine.setNetworkEnabled(true);
    tab2.setNetworkEnabled(true);
    await waitFor(async () => (await tab2.queries.message(m.key))?.version === 3, { describe: () => tab2.queries.message(m.key) });
    expect(env.server.history(conversationId)).toMatchObject([{ body: 'edited in tab 2', reactions: [{ emoji: '🎉' }], version: 3 }]);
    expect(await device.engine.queries.message(m.key)).toMatchObject({ body: 'edited in tab 2', version: 3 });
  });
});
