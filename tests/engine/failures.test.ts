import { directConversationId } from '@pigeon/sync-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDevice, serverHistory, startTestServer, uniqueName, waitFor, type Device, type TestServer } from './helpers.ts';

describe('send failures', () => {
  let t: TestServer;
  const devices: Device[] = [];
  beforeAll(async () => {
    t = await startTestServer({ sendRateLimit: 20 });
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.engine.close()));
    await t?.stop();
  });

  async function pair() {
    const alice = makeDevice(t.url);
    const bob = makeDevice(t.url);
    devices.push(alice, bob);
    const a = await alice.engine.signUp(uniqueName('alice'), 'password-123');
    const b = await bob.engine.signUp(uniqueName('bob'), 'password-123');
    return { alice, bob, a, b, conversationId: directConversationId(a.id, b.id) };
  }

  it('a permanent error marks the message failed without blocking the next ones; retry re-queues it', async () => {
    const { alice, b, a } = await pair();
    const ghost = 'no-such-user-id';
    const doomed = await alice.engine.send(ghost, 'to nobody');
    const fine = await alice.engine.send(b.id, 'to bob');
    await waitFor(async () => (await alice.engine.queries.outbox()).every((m) => m.status === 'failed'));
    const [failed] = await alice.engine.queries.outbox();
    expect(failed).toMatchObject({ key: doomed.key, status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(alice.engine.getState().outboxSize).toBe(0);
    expect((await serverHistory(t.server, directConversationId(a.id, b.id))).map((m) => m.clientId)).toEqual([fine.clientId]);

    await alice.engine.retry(doomed.key);
    expect((await alice.engine.queries.outbox())[0]).toMatchObject({ key: doomed.key, status: 'pending' });
    expect((await alice.engine.queries.outbox())[0]?.error).toBeUndefined();
    // Still no such user: it fails again, the same way, and is not retried by itself.
    await waitFor(async () => (await alice.engine.queries.outbox())[0]?.status === 'failed');
    expect(await serverHistory(t.server, directConversationId(a.id, ghost))).toEqual([]);
  });

  it('RATE_LIMITED is retried with backoff until everything is delivered, in order', async () => {
    const { alice, b, conversationId } = await pair();
    const typed = [];
    for (let i = 0; i < 30; i++) typed.push(await alice.engine.send(b.id, `burst ${i}`)); // 20 allowed at once, then 2/s
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0, { describe: () => alice.engine.getState() });
    const stored = await serverHistory(t.server, conversationId);
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
  });
});
