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
});
