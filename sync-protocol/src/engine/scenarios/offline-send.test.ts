import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import { memoryFixture, view } from './fixture.ts';

describe('offline send', () => {
  const env = memoryFixture();

  it('100 messages typed offline are all delivered once, in order, once the device connects', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    alice.engine.setNetworkEnabled(false);
    await waitFor(() => alice.engine.getState().connection === 'offline');

    const typed = [];
    for (let i = 0; i < 100; i++) typed.push(await alice.engine.send(b.id, `offline message ${i}`));
    expect(typed.every((m) => m.status === 'pending' && m.conversationId === conversationId)).toBe(true);
    await waitFor(() => alice.engine.getState().outboxSize === 100);
    expect((await alice.engine.queries.outbox()).map((m) => m.key)).toEqual(typed.map((m) => m.key));

    alice.engine.setNetworkEnabled(true);
    await waitFor(async () => alice.engine.getState().outboxSize === 0 && (await alice.engine.queries.outbox()).length === 0, {
      describe: () => alice.engine.getState(),
    });

    const stored = env.server.history(conversationId);
    expect(stored.map((m) => m.body)).toEqual(typed.map((m) => m.body));
    expect(stored.map((m) => m.seq)).toEqual(typed.map((_, i) => i + 1));
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));

    const local = await alice.engine.queries.messages(conversationId, 1000);
    expect(local).toHaveLength(100);
    expect(local.map((m) => m.key)).toEqual(typed.map((m) => m.key));
    expect(local.every((m) => m.status !== 'pending' && m.status !== 'failed')).toBe(true);
    expect(local.map((m) => ({ id: m.id, seq: m.seq, body: m.body }))).toEqual(stored.map((m) => ({ id: m.id, seq: m.seq, body: m.body })));

    // The recipient gets each exactly once, in order, and its receipts reach the sender.
    await waitFor(async () => (await bob.engine.queries.messages(conversationId, 1000)).length === 100);
    const received = await bob.engine.queries.messages(conversationId, 1000);
    expect(received.map((m) => m.body)).toEqual(typed.map((m) => m.body));
    await waitFor(async () => (await alice.engine.queries.messages(conversationId, 1000)).every((m) => m.status === 'delivered'), {
      describe: async () => (await alice.engine.queries.messages(conversationId, 1000)).map(view).filter((m) => m.status !== 'delivered').slice(0, 5),
    });
    // The peer's profile is looked up in the background once the conversation appears.
    const conv = await waitFor(async () => {
      const [first] = await bob.engine.queries.conversations();
      return first?.peer ? first : null;
    });
    expect(conv?.conversation.unreadCount).toBe(100);
    expect(conv?.peer?.id).toBe(a.id);
  });
});
