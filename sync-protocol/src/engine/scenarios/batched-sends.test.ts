/**
 * The drainer's batched sends (up/batch.ts) against the in-memory server's `sendMessages`
 * (memory-sends.ts handleSendBatch, the real server's answer: a prefix of results, refusals for
 * good inside it, the first failure for now last). What the tests/engine suites prove against the
 * real server, here with scripted faults: the order typed, each message once.
 */
import { describe, expect, it } from 'vitest';
import type { SendMessageInput } from '../../model/message.ts';
import { waitFor } from '../../testing/index.ts';
import type { Interceptor } from '../../testing/memory-types.ts';
import { memoryFixture } from './fixture.ts';

describe('batched sends', () => {
  const env = memoryFixture({ sendRateLimit: 20 });
  /** Alice's device offers batches; `intercept` scripts its calls; each batch's size is recorded. */
  async function pairWithBatches(intercept?: Interceptor) {
    const batches: number[] = [];
    const record: Interceptor = (call, next) => {
      if (call.op === 'sendMessages') batches.push((call.input as { messages: SendMessageInput[] }).messages.length);
      return intercept ? intercept(call, next) : next();
    };
    const pair = await env.pair({ alice: { transport: env.server.transport({ batchedSends: true, intercept: record }) } });
    return { ...pair, batches };
  }
  const drained = (engine: { getState(): { outboxSize: number }; queries: { outbox(): Promise<unknown[]> } }) =>
    waitFor(async () => engine.getState().outboxSize === 0 && (await engine.queries.outbox()).length === 0, { describe: () => engine.getState() });

  it('messages typed offline go out in batches, each once, in the order typed, through the rate limit', async () => {
    const { alice, b, conversationId, batches } = await pairWithBatches();
    alice.engine.setNetworkEnabled(false);
    await waitFor(() => alice.engine.getState().connection === 'offline');
    const typed = [];
    for (let i = 0; i < 22; i++) typed.push(await alice.engine.send(b.id, `offline ${i}`)); // 20 at once, then 2/s
    alice.engine.setNetworkEnabled(true);
    await drained(alice.engine);
    expect(env.server.history(conversationId).map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
    expect(env.server.history(conversationId).map((m) => m.seq)).toEqual(typed.map((_, i) => i + 1));
    expect(Math.max(...batches)).toBeGreaterThan(1);
  });

  it("a batch stored but its ack lost is sent again and stored once (the clientIds' idempotency)", async () => {
    let cut = false;
    const { alice, b, conversationId, batches } = await pairWithBatches(async (call, next) => {
      const answer = await next();
      // The first batch of more than one message: stored, then the connection dies before the ack.
      if (!cut && call.op === 'sendMessages' && (call.input as { messages: unknown[] }).messages.length > 1) {
        cut = true;
        call.dropConnection();
      }
      return answer;
    });
    alice.engine.setNetworkEnabled(false);
    await waitFor(() => alice.engine.getState().connection === 'offline');
    const typed = [];
    for (let i = 0; i < 12; i++) typed.push(await alice.engine.send(b.id, `cut ${i}`));
    alice.engine.setNetworkEnabled(true);
    await drained(alice.engine);
    expect(cut).toBe(true);
    expect(batches[0]).toBe(12);
    expect(env.server.history(conversationId).map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
    const local = await alice.engine.queries.messages(conversationId, 100);
    expect(local.map((m) => [m.key, m.seq])).toEqual(typed.map((m, i) => [m.key, i + 1]));
  });

  it('a refusal for good inside a batch fails that message alone; the rest are stored in order', async () => {
    const { alice, a, b, batches } = await pairWithBatches();
    alice.engine.setNetworkEnabled(false);
    await waitFor(() => alice.engine.getState().connection === 'offline');
    const before = await alice.engine.send(b.id, 'before');
    const doomed = await alice.engine.send('no-such-user-id', 'to nobody');
    const after = await alice.engine.send(b.id, 'after');
    alice.engine.setNetworkEnabled(true);
    await waitFor(async () => (await alice.engine.queries.outbox()).every((m) => m.status === 'failed') && alice.engine.getState().outboxSize === 0);
    const [failed] = await alice.engine.queries.outbox();
    expect(failed).toMatchObject({ key: doomed.key, status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(env.server.history(`dm:${[a.id, b.id].sort().join(':')}`).map((m) => m.clientId)).toEqual([before.clientId, after.clientId]);
    expect(batches.length).toBeGreaterThan(0);
  });
});
