/**
 * Message actions offline (docs/sync-protocol.md, "Message actions"): react, edit and delete of
 * messages still in the outbox are shown at once and sent after the message, in order, applied
 * once; they survive a reload; a lost ack is retried without a second application; a reply to a
 * pending message names it by server id.
 */
import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { waitFor } from '../../testing/index.ts';
import type { ServerCall } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

const offline = async (engine: SyncEngine) => {
  engine.setNetworkEnabled(false);
  await waitFor(() => engine.getState().connection === 'offline');
};
const drained = (engine: SyncEngine) => waitFor(() => engine.getState().outboxSize === 0, { describe: () => engine.getState() });

/** What the server was asked, in order: sends by body, actions by kind and target id. */
function recordCalls(env: ReturnType<typeof memoryFixture>) {
  const log: string[] = [];
  const stop = env.server.intercept(async (call: ServerCall, next) => {
    const input = call.input as { body?: string; messageId?: string; emoji?: string };
    if (call.op === 'sendMessage') log.push(`send ${call.input.body}`);
    else if (['react', 'editMessage', 'deleteMessage', 'hideMessage'].includes(call.op)) log.push(`${call.op} ${input.messageId}`);
    return next();
  });
  return { log, stop };
}

describe('message actions offline', () => {
  const env = memoryFixture();

  it('react, edit and delete of unsent messages show at once and are sent after each message, in order, once', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await offline(alice.engine);
    const one = await alice.engine.send(b.id, 'one');
    await alice.engine.react(one.key, '👍');
    const two = await alice.engine.send(b.id, 'two');
    await alice.engine.editMessage(two.key, 'two, edited');
    const three = await alice.engine.send(b.id, 'three');
    await alice.engine.deleteMessage(three.key, 'everyone');

    // Shown at once, over the pending rows.
    expect(await alice.engine.queries.message(one.key)).toMatchObject({ status: 'pending', reactions: [{ userId: one.senderId, emoji: '👍' }], pendingActions: 1 });
    expect(await alice.engine.queries.message(two.key)).toMatchObject({ body: 'two, edited', pendingActions: 1 });
    expect(await alice.engine.queries.message(three.key)).toMatchObject({ body: '', pendingActions: 1 });
    expect((await alice.engine.queries.message(three.key))?.deletedAt).toBeTruthy();
    expect(alice.engine.getState().outboxSize).toBe(6);
    // Three messages and three actions: the banner tells them apart (outboxActions).
    expect(alice.engine.getState().outboxActions).toBe(3);

    const { log, stop } = recordCalls(env);
    alice.engine.setNetworkEnabled(true);
    await drained(alice.engine);
    stop();
    expect(alice.engine.getState().outboxActions).toBe(0);
    const [s1, s2, s3] = env.server.history(conversationId);
    expect(log).toEqual(['send one', `react ${s1!.id}`, 'send two', `editMessage ${s2!.id}`, 'send three', `deleteMessage ${s3!.id}`]);
    expect(s1).toMatchObject({ body: 'one', reactions: [{ userId: one.senderId, emoji: '👍' }], version: 1 });
    expect(s2).toMatchObject({ body: 'two, edited', version: 1 });
    expect(s3).toMatchObject({ body: '', version: 1 });
    expect(s3!.deletedAt).toBeTruthy();

    // The sender's rows are the server's state, nothing pending; the recipient converges.
    const settled = await alice.engine.queries.messages(conversationId);
    expect(settled.map((m) => [m.body, m.version, m.pendingActions ?? 0])).toEqual([['one', 1, 0], ['two, edited', 1, 0], ['', 1, 0]]);
    await waitFor(async () => {
      const seen = await bob.engine.queries.messages(conversationId);
      return seen.length === 3 && seen.every((m) => m.version === 1);
    });
    const seen = await bob.engine.queries.messages(conversationId);
    expect(seen.map((m) => [m.body, m.reactions ?? [], Boolean(m.deletedAt)])).toEqual([
      ['one', [{ userId: one.senderId, emoji: '👍' }], false],
      ['two, edited', [], false],
      ['', [], true],
    ]);
  });

  it('queued actions survive a reload and are applied once', async () => {
    const { alice, b, conversationId } = await env.pair();
    await offline(alice.engine);
    const m = await alice.engine.send(b.id, 'before the reload');
    await alice.engine.editMessage(m.key, 'after the reload');
    await alice.engine.react(m.key, '🎉');
    await alice.engine.close();

    const reloaded = alice.reopen();
    await reloaded.resume();
    expect(await reloaded.queries.message(m.key)).toMatchObject({ body: 'after the reload', pendingActions: 2 });
    await drained(reloaded);
    expect(env.server.history(conversationId)).toMatchObject([{ body: 'after the reload', reactions: [{ emoji: '🎉' }], version: 2 }]);
    expect(await reloaded.queries.message(m.key)).toMatchObject({ body: 'after the reload', version: 2, reactions: [{ emoji: '🎉' }] });
    expect((await reloaded.queries.message(m.key))?.pendingActions).toBeUndefined();
  });

  it('an action whose ack is lost is retried and applied once (by clientId), even after a later change by another device', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    const m = await alice.engine.send(b.id, 'react to me');
    const received = (await waitFor(async () => (await bob.engine.queries.messages(conversationId))[0]))!;
    const bob2 = env.device();
    await bob2.engine.signIn(b.username, PASSWORD);
    await waitFor(() => bob2.engine.queries.message(received.key));

    // Bob's first device reacts; the server applies it but the ack is lost with the connection.
    // Before the retry, his second device changes the reaction: the retry must not apply ❤️ again.
    let first: string | undefined;
    let attempts = 0;
    let changed: Promise<unknown> | undefined;
    const stop = env.server.intercept(async (call, next) => {
      const clientId = (call.input as { clientId?: string }).clientId;
      if (call.op !== 'react' || (first !== undefined && clientId !== first)) return next();
      first = clientId;
      // A retry reaches the server only after the second device's change is stored.
      if (++attempts > 1) await changed;
      const answer = await next();
      if (attempts === 1) {
        call.dropConnection();
        changed = bob2.engine.react(received.key, '😂').then(() => waitFor(() => env.server.history(conversationId)[0]?.version === 2));
      }
      return answer;
    });
    await bob.engine.react(received.key, '❤️');
    await waitFor(async () => attempts >= 2 && (await bob.engine.queries.message(received.key))?.pendingActions === undefined, { describe: () => ({ attempts }) });
    stop();
    const stored = { reactions: [{ userId: b.id, emoji: '😂' }], version: 2 };
    expect(env.server.history(conversationId)).toMatchObject([stored]);
    for (const engine of [bob.engine, bob2.engine, alice.engine]) {
      const key = engine === alice.engine ? m.key : received.key;
      await waitFor(async () => (await engine.queries.message(key))?.version === 2);
      expect(await engine.queries.message(key)).toMatchObject(stored);
    }
  });

  it('a reply to a pending message shows its quote at once and names it by server id once sent', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await offline(alice.engine);
    const original = await alice.engine.send(b.id, 'the original, typed offline');
    const reply = await alice.engine.send(b.id, 'and a reply to it', { replyTo: original.key });
    expect(reply.replyTo).toEqual({ key: original.key, id: null, senderId: original.senderId, preview: 'the original, typed offline' });

    alice.engine.setNetworkEnabled(true);
    await drained(alice.engine);
    const [s1, s2] = env.server.history(conversationId);
    expect(s2!.replyTo).toEqual({ id: s1!.id, senderId: original.senderId, preview: 'the original, typed offline' });
    expect((await alice.engine.queries.message(reply.key))?.replyTo).toEqual({ key: original.key, id: s1!.id, senderId: original.senderId, preview: 'the original, typed offline' });
    // The recipient sees the quote, and finds the original around it.
    const got = (await waitFor(async () => (await bob.engine.queries.messages(conversationId)).find((m) => m.replyTo)))!;
    expect(got.replyTo?.id).toBe(s1!.id);
    expect((await bob.engine.queries.messagesAround(conversationId, s1!.id, 5, 5)).map((m) => m.body)).toEqual(['the original, typed offline', 'and a reply to it']);
  });

  it('an action on a message whose send fails for good fails too, with actionError; the lane goes on', async () => {
    const { alice, b, conversationId } = await env.pair();
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'sendMessage' && call.input.body === 'refused') throw new PigeonError('FORBIDDEN', 'refused by the test');
      return next();
    });
    await offline(alice.engine);
    const bad = await alice.engine.send(b.id, 'refused');
    await alice.engine.editMessage(bad.key, 'refused, edited');
    const good = await alice.engine.send(b.id, 'fine');
    alice.engine.setNetworkEnabled(true);
    await drained(alice.engine);
    stop();
    expect(await alice.engine.queries.message(bad.key)).toMatchObject({ status: 'failed', body: 'refused', actionError: { kind: 'edit', code: 'CONFLICT' } });
    expect((await alice.engine.queries.message(good.key))?.seq).toBe(1);
    expect(env.server.history(conversationId).map((m) => m.body)).toEqual(['fine']);
    await alice.engine.dismissActionError(bad.key);
    expect((await alice.engine.queries.message(bad.key))?.actionError).toBeUndefined();
  });
});
