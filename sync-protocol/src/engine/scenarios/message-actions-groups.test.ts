/**
 * Message actions in groups: actions and replies typed into a group created offline ride behind
 * its creation (its local id's lane moves to the server id with them), reach every member, and a
 * delete for everyone empties the message and its replies' quotes on every device. A refused
 * creation fails the actions queued behind it, with a notice, and shows the rows without them.
 */
import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { waitFor } from '../../testing/index.ts';
import type { LocalMessage } from '../api.ts';
import type { Device } from './fixture.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

describe('message actions in groups', () => {
  const env = memoryFixture();

  async function trio() {
    const { alice, bob, a, b } = await env.pair();
    const carol = env.device();
    const c = await carol.engine.signUp(env.uniqueName('carol'), PASSWORD);
    return { alice, bob, carol, a, b, c };
  }

  const find = (d: Device, id: string, body: string) => waitFor(async () => (await d.engine.queries.messages(id)).find((m) => m.body === body));

  it('react and reply offline in a group not created yet: sent after the creation and the message, seen by every member', async () => {
    const { alice, bob, carol, a, b, c } = await trio();
    alice.engine.setNetworkEnabled(false);
    const group = await alice.engine.createGroup('Plans', [b.id, c.id]);
    const hello = await alice.engine.sendToConversation(group.id, 'hello all');
    await alice.engine.react(hello.key, '👋');
    const reply = await alice.engine.sendToConversation(group.id, 'replying to myself', { replyTo: hello.key });
    expect(reply.replyTo).toMatchObject({ key: hello.key, id: null, preview: 'hello all' });
    alice.engine.setNetworkEnabled(true);
    await waitFor(() => alice.engine.getState().outboxSize === 0);

    const serverId = (await alice.engine.queries.conversation(group.id))!.conversation.id;
    const [, m1, m2] = env.server.history(serverId);
    expect(m1).toMatchObject({ body: 'hello all', reactions: [{ userId: a.id, emoji: '👋' }], version: 1 });
    expect(m2).toMatchObject({ body: 'replying to myself', replyTo: { id: m1!.id, preview: 'hello all' } });

    // Bob reacts too; everyone converges on both reactions, in the order they were made.
    const atBob = (await find(bob, serverId, 'hello all'))!;
    await bob.engine.react(atBob.key, '🎉');
    const both = [{ userId: a.id, emoji: '👋' }, { userId: b.id, emoji: '🎉' }];
    for (const d of [alice, bob, carol]) await waitFor(async () => JSON.stringify((await d.engine.queries.message(hello.key))?.reactions) === JSON.stringify(both));

    // Delete for everyone: a tombstone everywhere, and the reply's quote loses its preview.
    await alice.engine.deleteMessage(hello.key, 'everyone');
    const gone = (m: LocalMessage | undefined) => m?.body === '' && Boolean(m.deletedAt) && (m.reactions ?? []).length === 0;
    for (const d of [alice, bob, carol]) {
      await waitFor(async () => gone(await d.engine.queries.message(hello.key)) && (await d.engine.queries.message(reply.key))?.replyTo?.preview === '', {
        describe: async () => [await d.engine.queries.message(hello.key), await d.engine.queries.message(reply.key)],
      });
    }
    // Carol may not delete Alice's message, nor edit it: refused at once, nothing queued.
    await expect(carol.engine.deleteMessage(reply.key, 'everyone')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(carol.engine.editMessage(reply.key, 'mine')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(carol.engine.react(hello.key, '👍')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(carol.engine.react(reply.key, 'ok')).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(carol.engine.getState().outboxSize).toBe(0);
  });

  it('a refused group creation fails the actions queued behind it with actionError; the rows show no pending action', async () => {
    const { alice, b, c } = await trio();
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'createGroup') throw new PigeonError('VALIDATION', 'refused by the test');
      return next();
    });
    alice.engine.setNetworkEnabled(false);
    const group = await alice.engine.createGroup('Never', [b.id, c.id]);
    const m = await alice.engine.sendToConversation(group.id, 'typed into nothing');
    await alice.engine.editMessage(m.key, 'edited, still nothing');
    alice.engine.setNetworkEnabled(true);
    const failed = (await waitFor(async () => {
      const row = await alice.engine.queries.message(m.key);
      return row?.status === 'failed' && row.actionError ? row : null;
    }))!;
    stop();
    expect(failed).toMatchObject({ body: 'typed into nothing', actionError: { kind: 'edit', code: 'NOT_FOUND' } });
    expect(failed.pendingActions).toBeUndefined();
    await waitFor(() => alice.engine.getState().outboxSize === 0);
  });
});
