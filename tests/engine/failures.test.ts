import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { serverHistory, useServer, waitFor } from './helpers.ts';

describe('send failures', () => {
  const env = useServer({ sendRateLimit: 20 });
  const pair = () => env.pair();

  it('a permanent error marks the message failed without blocking the next ones; retry re-queues it', async () => {
    const { alice, b, a } = await pair();
    const ghost = 'no-such-user-id';
    const doomed = await alice.engine.send(ghost, 'to nobody');
    const fine = await alice.engine.send(b.id, 'to bob');
    await waitFor(async () => (await alice.engine.queries.outbox()).every((m) => m.status === 'failed'));
    const [failed] = await alice.engine.queries.outbox();
    expect(failed).toMatchObject({ key: doomed.key, status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(alice.engine.getState().outboxSize).toBe(0);
    expect((await serverHistory(env.t.server, directConversationId(a.id, b.id))).map((m) => m.clientId)).toEqual([fine.clientId]);

    await alice.engine.retry(doomed.key);
    expect((await alice.engine.queries.outbox())[0]).toMatchObject({ key: doomed.key, status: 'pending' });
    expect((await alice.engine.queries.outbox())[0]?.error).toBeUndefined();
    // Still no such user: it fails again, the same way, and is not retried by itself.
    await waitFor(async () => (await alice.engine.queries.outbox())[0]?.status === 'failed');
    expect(await serverHistory(env.t.server, directConversationId(a.id, ghost))).toEqual([]);
  });

  it('RATE_LIMITED is retried with backoff until everything is delivered, in order', async () => {
    const { alice, b, conversationId } = await pair();
    const typed = [];
    for (let i = 0; i < 30; i++) typed.push(await alice.engine.send(b.id, `burst ${i}`)); // 20 allowed at once, then 2/s
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0, { describe: () => alice.engine.getState() });
    const stored = await serverHistory(env.t.server, conversationId);
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
  });
});
