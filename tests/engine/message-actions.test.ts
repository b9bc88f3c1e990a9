import type { LocalMessage, SyncEngine } from '@pigeon/sync-protocol/engine';
import { describe, expect, it } from 'vitest';
import { PASSWORD, serverHistory, useServer, waitFor, type Device } from './helpers.ts';

/**
 * Message actions against the real server (socket.io and REST, SQLite): what the in-process
 * scenarios (sync-protocol/src/engine/scenarios/message-*.test.ts) check on the in-memory server,
 * end to end — actions on unsent messages sent after them, a reply to a pending message, two
 * devices editing offline, delete for me on the user's other device, CONFLICT after the window.
 */
let clockOffsetMs = 0;

const offline = async (engine: SyncEngine) => {
  engine.setNetworkEnabled(false);
  await waitFor(() => engine.getState().connection === 'offline');
};

describe('message actions on the real server', () => {
  const env = useServer({ testHooks: { actionClock: () => new Date(Date.now() + clockOffsetMs) } });

  it('actions and a reply typed offline on unsent messages are sent after them and converge on the recipient', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await offline(alice.engine);
    const one = await alice.engine.send(b.id, 'one');
    await alice.engine.react(one.key, '👍');
    await alice.engine.editMessage(one.key, 'one, edited');
    const reply = await alice.engine.send(b.id, 'a reply to one', { replyTo: one.key });
    const two = await alice.engine.send(b.id, 'two');
    await alice.engine.deleteMessage(two.key, 'everyone');
    alice.engine.setNetworkEnabled(true);
    await waitFor(() => alice.engine.getState().outboxSize === 0, { describe: () => alice.engine.getState() });

    const [s1, s2, s3] = await serverHistory(env.t.server, conversationId);
    expect(s1).toMatchObject({ body: 'one, edited', reactions: [{ emoji: '👍' }], version: 2 });
    expect(s2).toMatchObject({ body: 'a reply to one', replyTo: { id: s1!.id } });
    expect(s3).toMatchObject({ body: '', version: 1 });
    expect(await alice.engine.queries.message(reply.key)).toMatchObject({ replyTo: { key: one.key, id: s1!.id } });
    const atBob = async () => (await bob.engine.queries.messages(conversationId)).map((m) => [m.body, m.version ?? 0, m.replyTo?.id ?? null]);
    await waitFor(async () => JSON.stringify(await atBob()) === JSON.stringify([['one, edited', 2, null], ['a reply to one', 0, s1!.id], ['', 1, null]]), { describe: atBob });
  });

  it("two devices edit offline: the server's last write wins everywhere; delete for me reaches the other device only; a late edit is CONFLICT", async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    const sent = await alice.engine.send(b.id, 'draft');
    await waitFor(() => bob.engine.queries.message(sent.key));
    const alice2: Device = env.device();
    await alice2.engine.signIn(a.username, PASSWORD);
    await waitFor(() => alice2.engine.queries.message(sent.key));
    const all = [alice.engine, alice2.engine, bob.engine];
    const everywhere = (check: (m: LocalMessage) => boolean) =>
      waitFor(async () => (await Promise.all(all.map((e) => e.queries.message(sent.key)))).every((m) => m !== undefined && check(m)), {
        describe: () => Promise.all(all.map((e) => e.queries.message(sent.key))),
      });

    await offline(alice.engine);
    await offline(alice2.engine);
    await alice.engine.editMessage(sent.key, 'first edit');
    await alice2.engine.editMessage(sent.key, 'second edit');
    alice.engine.setNetworkEnabled(true);
    await waitFor(async () => (await serverHistory(env.t.server, conversationId))[0]?.version === 1);
    alice2.engine.setNetworkEnabled(true);
    await everywhere((m) => m.body === 'second edit' && m.version === 2 && m.pendingActions === undefined);

    await alice2.engine.deleteMessage(sent.key, 'me');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).length === 0);
    expect((await bob.engine.queries.messages(conversationId)).map((m) => m.body)).toEqual(['second edit']);

    // The edit window closes while alice is offline; her device still thinks it is open.
    await offline(alice.engine);
    await alice.engine.editMessage(sent.key, 'too late');
    clockOffsetMs = 16 * 60_000;
    alice.engine.setNetworkEnabled(true);
    const reverted = (await waitFor(async () => {
      const m = await alice.engine.queries.message(sent.key);
      return m?.actionError ? m : null;
    }))!;
    clockOffsetMs = 0;
    expect(reverted).toMatchObject({ body: 'second edit', version: 2, actionError: { kind: 'edit', code: 'CONFLICT' } });
    expect(reverted.hiddenAt).toBeTruthy();
  });

  it('every action and a reply also go over REST (the fallback route), with the same outcome', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair({ alice: { socketFailuresBeforeRest: 0 }, bob: { socketFailuresBeforeRest: 0 } });
    const first = await alice.engine.send(b.id, 'over rest');
    const received = (await waitFor(() => bob.engine.queries.message(first.key)))!;
    await bob.engine.react(received.key, '🙂');
    const reply = await bob.engine.send(a.id, 'a reply over rest', { replyTo: received.key });
    await alice.engine.editMessage(first.key, 'over rest, edited');
    await waitFor(async () => (await serverHistory(env.t.server, conversationId))[0]?.version === 2);
    await waitFor(() => alice.engine.queries.message(reply.key));
    await alice.engine.deleteMessage(reply.key, 'me');
    await alice.engine.deleteMessage(first.key, 'everyone');
    await waitFor(() => alice.engine.getState().outboxSize === 0 && bob.engine.getState().outboxSize === 0);
    const [s1, s2] = await serverHistory(env.t.server, conversationId);
    expect(s1).toMatchObject({ body: '', version: 3 });
    expect(s2).toMatchObject({ body: 'a reply over rest', replyTo: { id: s1!.id, preview: '' } });
    expect((await alice.engine.queries.message(reply.key))?.hiddenAt).toBeTruthy();
    await waitFor(async () => {
      const [m1, m2] = await bob.engine.queries.messages(conversationId);
      return m1?.deletedAt && m2?.replyTo?.preview === '' && !m2.hiddenAt;
    });
  });
});
