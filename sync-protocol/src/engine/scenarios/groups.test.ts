import { describe, expect, it } from 'vitest';
import { networkError, waitFor } from '../../testing/index.ts';
import type { Device } from './fixture.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

describe('groups on the in-memory server', () => {
  const env = memoryFixture();

  async function trio() {
    const { alice, bob, a, b } = await env.pair();
    const carol = env.device();
    const c = await carol.engine.signUp(env.uniqueName('carol'), PASSWORD);
    return { alice, bob, carol, a, b, c };
  }

  /** Waits for an id (a string) to be returned. */
  const waitForId = async (check: () => Promise<string | null | undefined>): Promise<string> => (await waitFor(check)) as string;
  const bodies = async (d: Device, id: string) => (await d.engine.queries.messages(id, 1000)).map((m) => (m.type === 'system' ? `[${m.system!.kind}]` : m.body));

  it('a group created and written to offline is created once, then its messages follow in order, once, on every member device', async () => {
    const { alice, bob, carol, b, c } = await trio();
    alice.engine.setNetworkEnabled(false);
    const group = await alice.engine.createGroup('  Weekend  ', [b.id, c.id]);
    expect(group).toMatchObject({ type: 'group', title: 'Weekend', local: true, writable: true });
    expect(group.members.map((m) => m.role)).toEqual(['admin', 'member', 'member']);
    const typed = [];
    for (let i = 0; i < 5; i++) typed.push(await alice.engine.sendToConversation(group.id, `offline ${i}`));
    await alice.engine.renameGroup(group.id, 'Long weekend');
    typed.push(await alice.engine.sendToConversation(group.id, 'after the rename'));
    const shown = await alice.engine.queries.conversation(group.id);
    expect(shown).toMatchObject({ title: 'Long weekend', memberCount: 3, writable: true });

    alice.engine.setNetworkEnabled(true);
    const serverId = await waitForId(async () => {
      const view = await alice.engine.queries.conversation(group.id);
      return view && !view.conversation.local && alice.engine.getState().outboxSize === 0 ? view.conversation.id : null;
    });
    expect(serverId).toMatch(/^g:/);
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0);

    const stored = env.server.history(serverId);
    expect(stored.map((m) => (m.type === 'system' ? `[${m.system!.kind}]` : m.body))).toEqual([
      '[group-created]',
      ...typed.slice(0, 5).map((m) => m.body),
      '[title-changed]',
      'after the rename',
    ]);
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The local id still finds the group (a chat opened with it keeps working).
    expect(await bodies(alice, group.id)).toEqual(await bodies(alice, serverId));
    for (const member of [bob, carol]) {
      await waitFor(async () => (await bodies(member, serverId)).length === 8, { describe: () => bodies(member, serverId) });
      expect(await member.engine.queries.conversation(serverId)).toMatchObject({ title: 'Long weekend', memberCount: 3, writable: true });
      // The list shows the group with its title, member count, last message and unread badge.
      const listed = (await member.engine.queries.conversations()).find((v) => v.conversation.id === serverId);
      expect(listed).toMatchObject({ title: 'Long weekend', memberCount: 3, peer: null, conversation: { type: 'group', unreadCount: 6, lastMessage: { body: 'after the rename' } } });
    }
    // Every other member's device stored every message: the aggregate status reaches delivered.
    await waitFor(async () => (await alice.engine.queries.messages(serverId)).filter((m) => m.type !== 'system').every((m) => m.status === 'delivered'));
    // Bob reads: not enough. Carol reads too: read.
    await bob.engine.markRead(serverId);
    await carol.engine.markRead(serverId);
    await waitFor(async () => (await alice.engine.queries.messages(serverId)).every((m) => m.status === 'read'));
    expect((await bob.engine.queries.conversation(serverId))?.conversation.unreadCount).toBe(0);
  });

  it('a lost creation answer and a lost send ack are retried without a second group or message', async () => {
    const { alice, bob, b } = await trio();
    let dropCreate = 1;
    let dropSend = 1;
    env.server.intercept(async (call, next) => {
      const answer = await next();
      if (call.userId !== null && call.op === 'createGroup' && dropCreate-- > 0) throw networkError('answer lost');
      if (call.op === 'sendMessage' && call.input.conversationId && dropSend-- > 0) throw networkError('answer lost');
      return answer;
    });
    const group = await alice.engine.createGroup('Lossy', [b.id]);
    const m = await alice.engine.sendToConversation(group.id, 'once');
    const serverId = await waitForId(async () => ((await alice.engine.queries.outbox()).length === 0 ? (await alice.engine.queries.conversation(group.id))?.conversation.id : null));
    expect(env.server.history(serverId).map((x) => x.clientId)).toEqual([group.id.slice('local:'.length), m.clientId]);
    expect(env.server.groups.groupsOf(bob.engine.getState().userId!)).toContain(serverId);
    await waitFor(async () => (await bodies(bob, serverId)).join() === '[group-created],once');
  });

  it('a pending creation survives a reload and is sent once by the reopened engine', async () => {
    const { alice, b } = await trio();
    alice.engine.setNetworkEnabled(false);
    const group = await alice.engine.createGroup('Reloaded', [b.id]);
    await alice.engine.sendToConversation(group.id, 'queued before the reload');
    await alice.engine.close();
    const reopened = alice.reopen();
    expect(await reopened.resume()).not.toBeNull();
    const serverId = await waitForId(async () => {
      const view = await reopened.queries.conversation(group.id);
      return view && !view.conversation.local && (await reopened.queries.outbox()).length === 0 ? view.conversation.id : null;
    });
    expect(env.server.history(serverId).map((m) => m.body)).toEqual(['', 'queued before the reload']);
    expect(env.server.groups.groupsOf(b.id).filter((id) => env.server.history(id)[0]?.system?.title === 'Reloaded')).toHaveLength(1);
  });

  it("typing in a group reaches its other members with the group's id; a group not created yet tells nobody", async () => {
    const { alice, bob, carol, a, b, c } = await trio();
    const seen: { who: string; from: string; conversationId: string; typing: boolean }[] = [];
    bob.engine.on('typing', (e) => seen.push({ who: 'bob', ...e }));
    carol.engine.on('typing', (e) => seen.push({ who: 'carol', ...e }));
    alice.engine.setNetworkEnabled(false);
    const group = await alice.engine.createGroup('Chatty', [b.id, c.id]);
    alice.engine.setTypingIn(group.id, true); // offline, and not created: nothing
    alice.engine.setNetworkEnabled(true);
    const id = await waitForId(async () => (await carol.engine.queries.conversations()).find((v) => v.conversation.type === 'group')?.conversation.id);
    await waitFor(() => alice.engine.getState().connection === 'online');
    alice.engine.setTypingIn(group.id, true); // the local id: the engine follows it to the server's
    await waitFor(() => seen.filter((e) => e.typing).length === 2);
    expect(seen.map(({ who, from, conversationId, typing }) => ({ who, from, conversationId, typing })).sort((x, y) => (x.who < y.who ? -1 : 1))).toEqual([
      { who: 'bob', from: a.id, conversationId: id, typing: true },
      { who: 'carol', from: a.id, conversationId: id, typing: true },
    ]);
    // Sending into the group ends the typing state.
    await alice.engine.sendToConversation(id, 'typed');
    await waitFor(() => seen.filter((e) => !e.typing).length === 2);
  });

  it('a removed member can no longer write: the chat turns read-only and a send queued meanwhile fails with FORBIDDEN, once', async () => {
    const { alice, bob, b, c } = await trio();
    const group = await alice.engine.createGroup('Club', [b.id, c.id]);
    const serverId = await waitForId(async () => (await bob.engine.queries.conversations()).find((v) => v.conversation.type === 'group')?.conversation.id);
    bob.engine.setNetworkEnabled(false);
    const doomed = await bob.engine.sendToConversation(serverId, 'typed while being removed');
    await alice.engine.removeMember(group.id, b.id);
    await waitFor(() => env.server.groups.memberIds(serverId).length === 2);
    let attempts = 0;
    env.server.intercept(async (call, next) => {
      if (call.op === 'sendMessage' && call.input.clientId === doomed.clientId) attempts++;
      return next();
    });
    bob.engine.setNetworkEnabled(true);
    await waitFor(async () => (await bob.engine.queries.outbox())[0]?.status === 'failed');
    expect((await bob.engine.queries.outbox())[0]).toMatchObject({ key: doomed.key, error: { code: 'FORBIDDEN' } });
    await waitFor(async () => (await bob.engine.queries.isWritable(serverId)) === false);
    await expect(bob.engine.sendToConversation(serverId, 'again')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(attempts).toBe(1);
    // Bob keeps the history up to and including his removal (the failed message is listed after it).
    const held = (await bob.engine.queries.messages(serverId)).filter((m) => m.seq !== null);
    expect(held.map((m) => m.system?.kind)).toEqual(['group-created', 'member-removed']);
  });
});
