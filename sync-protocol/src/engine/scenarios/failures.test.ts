import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { waitFor } from '../../testing/index.ts';
import { memoryFixture } from './fixture.ts';

describe('send failures', () => {
  const env = memoryFixture({ sendRateLimit: 20 });
  const history = (a: string, b: string) => env.server.history(directConversationId(a, b));

  it('a permanent error marks the message failed without blocking the next ones; retry re-queues it', async () => {
    const { alice, b, a } = await env.pair();
    const ghost = 'no-such-user-id';
    const doomed = await alice.engine.send(ghost, 'to nobody');
    const fine = await alice.engine.send(b.id, 'to bob');
    // outboxSize is counted after the commit that emptied the outbox: wait for both.
    await waitFor(async () => (await alice.engine.queries.outbox()).every((m) => m.status === 'failed') && alice.engine.getState().outboxSize === 0);
    const [failed] = await alice.engine.queries.outbox();
    expect(failed).toMatchObject({ key: doomed.key, status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(alice.engine.getState().outboxSize).toBe(0);
    expect(history(a.id, b.id).map((m) => m.clientId)).toEqual([fine.clientId]);

    // The server holds its answer to the resend until the re-queued row has been read, so the
    // drainer cannot fail it again in between.
    const resend = env.server.hold((call) => call.op === 'sendMessage' && call.input.clientId === doomed.clientId);
    await alice.engine.retry(doomed.key);
    const [requeued] = await alice.engine.queries.outbox();
    expect(requeued).toMatchObject({ key: doomed.key, status: 'pending' });
    expect(requeued?.error).toBeUndefined();
    resend.release();
    // Still no such user: it fails again, the same way, and is not retried by itself.
    await waitFor(async () => (await alice.engine.queries.outbox())[0]?.status === 'failed');
    expect(history(a.id, ghost)).toEqual([]);
  });

  it('RATE_LIMITED is retried with backoff until everything is delivered, in order', async () => {
    const { alice, b, conversationId } = await env.pair();
    const typed = [];
    for (let i = 0; i < 30; i++) typed.push(await alice.engine.send(b.id, `burst ${i}`)); // 20 allowed at once, then 2/s
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0, { describe: () => alice.engine.getState() });
    const stored = env.server.history(conversationId);
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
  });
});
