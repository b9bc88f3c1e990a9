import { directConversationId } from '@pigeon/sync-protocol';
import type { SyncEngine } from '@pigeon/sync-protocol/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDevice, serverHistory, startTestServer, uniqueName, waitFor, type TestServer } from './helpers.ts';

/** Two engines on one database (two tabs of the PWA), leadership by the lease fallback. */
describe('two tabs on one database', () => {
  let t: TestServer;
  const engines: SyncEngine[] = [];
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    await t?.stop();
  });

  it('both tabs queue, one drains; each message is stored once, in typing order, also when the leader closes', async () => {
    const device = makeDevice(t.url);
    const bob = makeDevice(t.url);
    engines.push(device.engine, bob.engine);
    const a = await device.engine.signUp(uniqueName('alice'), 'password-123');
    const b = await bob.engine.signUp(uniqueName('bob'), 'password-123');
    const tab2 = device.reopen();
    engines.push(tab2);
    expect((await tab2.resume())?.id).toBe(a.id);
    const conversationId = directConversationId(a.id, b.id);

    const typed = [];
    for (let i = 0; i < 20; i++) typed.push(await (i % 2 === 0 ? device.engine : tab2).send(b.id, `tab message ${i}`));
    // The first tab closes (whether it led or not); the other one finishes the job.
    await device.engine.close();
    for (let i = 20; i < 40; i++) typed.push(await tab2.send(b.id, `tab message ${i}`));
    await waitFor(async () => (await tab2.queries.outbox()).length === 0, { describe: () => tab2.getState() });
    const stored = await serverHistory(t.server, conversationId);
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
    expect((await tab2.queries.messages(conversationId, 100)).map((m) => m.id)).toEqual(stored.map((m) => m.id));
  });
});
