import { describe, expect, it } from 'vitest';
import { fail, networkError, waitFor } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { memoryFixture, PASSWORD, type Device } from './fixture.ts';

describe('group changes on the in-memory server', () => {
  const env = memoryFixture();

  async function people(n: number) {
    const devices: Device[] = [];
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const d = env.device();
      devices.push(d);
      ids.push((await d.engine.signUp(env.uniqueName(`user${i}-`), PASSWORD)).id);
    }
    return { devices, ids };
  }

  /** Creates a group on `creator` and waits until the server has it; returns its server id. */
  async function created(creator: SyncEngine, title: string, memberIds: string[]): Promise<string> {
    const group = await creator.createGroup(title, memberIds);
    return (await waitFor(async () => {
      const view = await creator.queries.conversation(group.id);
      return view && !view.conversation.local && (await creator.queries.outbox()).length === 0 ? view.conversation.id : null;
    })) as string;
  }

  const shape = async (engine: SyncEngine, id: string) => {
    const view = await engine.queries.conversation(id);
    return view && { title: view.title, members: view.conversation.members.map((m) => `${m.userId}:${m.role}`).sort(), writable: view.writable };
  };
  const serverShape = (id: string, viewer: string) => {
    const { title, members } = env.server.groups.state(id);
    const member = members.some((m) => m.userId === viewer);
    return { title, members: member ? members.map((m) => `${m.userId}:${m.role}`).sort() : [], writable: member };
  };

  it('a change the server refuses shows failed with its reason, and the group as it was', async () => {
    const { devices: [ann, bob], ids: [, b] } = await people(2);
    const id = await created(ann!.engine, 'Original', [b!]);
    await waitFor(async () => (await bob!.engine.queries.isWritable(id)) === true);
    // Bob is no admin: his rename is refused. Until the answer it shows, then it is undone.
    const hold = env.server.hold((call) => call.op === 'changeGroup');
    const rename = await bob!.engine.renameGroup(id, 'Hijacked');
    expect((await bob!.engine.queries.conversation(id))?.title).toBe('Hijacked');
    await hold.reached;
    hold.release();
    await waitFor(async () => (await bob!.engine.queries.outbox())[0]?.status === 'failed');
    expect((await bob!.engine.queries.outbox())[0]).toMatchObject({ key: rename.key, error: { code: 'FORBIDDEN' } });
    expect((await bob!.engine.queries.conversation(id))?.title).toBe('Original');
    expect(env.server.history(id)).toHaveLength(1);
  });

  it('a refused creation fails what was queued behind it; retrying the creation queues them again, in order', async () => {
    const { devices: [ann, bob], ids: [, b] } = await people(2);
    let refusals = 1;
    env.server.intercept(async (call, next) => {
      if (call.op === 'createGroup' && refusals-- > 0) throw fail('VALIDATION', 'scripted refusal');
      return next();
    });
    const group = await ann!.engine.createGroup('Second try', [b!]);
    const first = await ann!.engine.sendToConversation(group.id, 'first');
    const second = await ann!.engine.sendToConversation(group.id, 'second');
    await waitFor(async () => (await ann!.engine.queries.outbox()).every((m) => m.status === 'failed'));
    const failed = await ann!.engine.queries.outbox();
    expect(failed.map((m) => [m.body || m.system?.kind, m.error?.code])).toEqual([
      ['group-created', 'VALIDATION'],
      ['first', 'VALIDATION'],
      ['second', 'VALIDATION'],
    ]);
    expect(await ann!.engine.queries.conversation(group.id)).toMatchObject({ title: 'Second try', writable: false });
    await expect(ann!.engine.sendToConversation(group.id, 'third')).rejects.toMatchObject({ code: 'FORBIDDEN' });

    await ann!.engine.retry(failed[0]!.key);
    const id = (await waitFor(async () => {
      const view = await ann!.engine.queries.conversation(group.id);
      return view && !view.conversation.local && (await ann!.engine.queries.outbox()).length === 0 ? view.conversation.id : null;
    })) as string;
    expect(env.server.history(id).map((m) => m.clientId)).toEqual([group.id.slice('local:'.length), first.clientId, second.clientId]);
    await waitFor(async () => (await bob!.engine.queries.messages(id)).length === 3);
  });

  it('the creation copy arriving before its answer, or only a retry answering, moves the group to its server id once', async () => {
    const { devices: [ann, bob], ids: [a, b] } = await people(2);
    // The answer is held until the group-created copy (new-message) has moved the group.
    const hold = env.server.hold((call) => call.op === 'createGroup');
    const group = await ann!.engine.createGroup('Race', [b!]);
    await ann!.engine.sendToConversation(group.id, 'behind the creation');
    await hold.reached;
    const id = (await waitFor(async () => (await ann!.engine.queries.conversation(group.id))?.conversation.id.startsWith('g:') && (await ann!.engine.queries.conversation(group.id))!.conversation.id)) as string;
    hold.release();
    await waitFor(async () => (await ann!.engine.queries.outbox()).length === 0);
    expect(env.server.history(id).map((m) => m.body)).toEqual(['', 'behind the creation']);

    // No pushes at all and the first answer lost: the retry's answer (the same group) is what tells.
    // Bob writes in between, so that answer's last message is not the creation: the catch-up brings it.
    env.server.dropPushes(true);
    let calls = 0;
    const undo = env.server.intercept(async (call, next) => {
      if (call.op !== 'createGroup' || call.userId !== a) return next();
      if (++calls === 2) {
        const [gid] = env.server.groups.groupsOf(b!).filter((g) => env.server.groups.state(g).title === 'Quiet');
        await bob!.engine.syncNow();
        await bob!.engine.sendToConversation(gid!, 'bob first');
        await waitFor(async () => (await bob!.engine.queries.outbox()).length === 0);
      }
      const answer = await next();
      if (calls === 1) throw networkError('answer lost');
      return answer;
    });
    const quiet = await ann!.engine.createGroup('Quiet', [b!]);
    await ann!.engine.sendToConversation(quiet.id, 'still once');
    const quietId = (await waitFor(async () => {
      const view = await ann!.engine.queries.conversation(quiet.id);
      return view && !view.conversation.local && (await ann!.engine.queries.outbox()).length === 0 ? view.conversation.id : null;
    })) as string;
    undo();
    env.server.dropPushes(false);
    expect(env.server.history(quietId).map((m) => m.body)).toEqual(['', 'bob first', 'still once']);
    expect(env.server.groups.groupsOf(b!).filter((g) => env.server.groups.state(g).title === 'Quiet')).toHaveLength(1);
    // The pending creation row was replaced by its server copy (the catch-up brought it).
    await waitFor(async () => (await ann!.engine.queries.messages(quietId)).map((m) => m.body).join() === ',bob first,still once');
    expect((await ann!.engine.queries.messages(quietId)).every((m) => m.seq !== null)).toBe(true);
  });

  it('added to a group it did not know, a device fetches it; a device offline during changes catches up to the same state', async () => {
    const { devices: [ann, bob, cat, dan], ids: [a, b, c, d] } = await people(4);
    const id = await created(ann!.engine, 'Club', [b!, c!]);
    await waitFor(async () => (await cat!.engine.queries.isWritable(id)) === true);
    cat!.engine.setNetworkEnabled(false);
    await ann!.engine.addMembers(id, [d!]);
    await ann!.engine.renameGroup(id, 'Club 2');
    await ann!.engine.removeMember(id, b!);
    await ann!.engine.sendToConversation(id, 'welcome');
    await waitFor(async () => (await ann!.engine.queries.outbox()).length === 0);
    // Dan was added after the creation: his device learns the title from the server, not from a message.
    await waitFor(async () => JSON.stringify(await shape(dan!.engine, id)) === JSON.stringify(serverShape(id, d!)), { describe: () => shape(dan!.engine, id) });
    expect((await dan!.engine.queries.messages(id)).map((m) => m.system?.kind ?? m.body)).toEqual(['members-added', 'title-changed', 'member-removed', 'welcome']);
    // Bob is out: read-only, and his view ends at his removal.
    await waitFor(async () => (await bob!.engine.queries.isWritable(id)) === false);
    // Cat knew the group from its creation: the catch-up's system messages alone bring her to the server's state.
    let fetches = 0;
    env.server.intercept(async (call, next) => {
      if (call.op === 'conversation' && call.userId === c) fetches++;
      return next();
    });
    cat!.engine.setNetworkEnabled(true);
    await waitFor(async () => JSON.stringify(await shape(cat!.engine, id)) === JSON.stringify(serverShape(id, c!)), { describe: () => shape(cat!.engine, id) });
    expect(fetches).toBe(0);
    expect(await shape(ann!.engine, id)).toEqual(serverShape(id, a!));
    // Ann leaves: read-only at once on her device; the oldest member left is promoted.
    await ann!.engine.leaveGroup(id);
    expect(await ann!.engine.queries.isWritable(id)).toBe(false);
    await waitFor(() => !env.server.groups.memberIds(id).includes(a!));
    await waitFor(async () => JSON.stringify(await shape(cat!.engine, id)) === JSON.stringify(serverShape(id, c!)));
    expect(serverShape(id, c!).members.filter((m) => m.endsWith(':admin'))).toHaveLength(1);
    // The list's last message is the system message, with what the UI needs to say who did what.
    const listed = (await cat!.engine.queries.conversations()).find((v) => v.conversation.id === id);
    expect(listed?.conversation.lastMessage).toMatchObject({ type: 'system', system: { kind: 'member-left', actorId: a, userIds: [a] } });
    expect(listed?.conversation.unreadCount).toBe(1); // 'welcome'; system messages are not unread
    await waitFor(async () => (await ann!.engine.queries.outbox()).length === 0);
    expect(await ann!.engine.queries.isWritable(id)).toBe(false);
  });

  it("a group created offline survives an account switch on the device: parked with its owner, created once at their next sign-in", async () => {
    const { devices: [device, other], ids: [, b] } = await people(2);
    const me = (await device!.engine.queries.me())!;
    const nameB = env.uniqueName('ben');
    env.server.addUser(nameB);
    device!.engine.setNetworkEnabled(false);
    const group = await device!.engine.createGroup('Parked', [b!]);
    await device!.engine.sendToConversation(group.id, 'waits for its owner');
    await device!.engine.signOut();
    device!.engine.setNetworkEnabled(true);
    await device!.engine.signIn(nameB, PASSWORD);
    expect(await device!.engine.queries.conversations()).toEqual([]);
    await waitFor(() => device!.engine.getState().connection === 'online');
    await device!.engine.signOut();
    await device!.engine.signIn(me.username, PASSWORD);
    const id = (await waitFor(async () => {
      const view = await device!.engine.queries.conversation(group.id);
      return view && !view.conversation.local && (await device!.engine.queries.outbox()).length === 0 ? view.conversation.id : null;
    })) as string;
    expect(env.server.history(id).map((m) => m.body)).toEqual(['', 'waits for its owner']);
    await waitFor(async () => (await other!.engine.queries.conversation(id))?.title === 'Parked');
  });

  it('message info lists who got and read a group message', async () => {
    const { devices: [ann, bob, cat], ids: [, b, c] } = await people(3);
    const id = await created(ann!.engine, 'Info', [b!, c!]);
    const sent = await ann!.engine.sendToConversation(id, 'who read me?');
    await waitFor(async () => (await ann!.engine.queries.messages(id)).find((m) => m.key === sent.key)?.status === 'delivered');
    await bob!.engine.markRead(id);
    const messageId = (await ann!.engine.queries.messages(id)).find((m) => m.key === sent.key)!.id!;
    const receipts = await waitFor(async () => {
      const r = await ann!.engine.messageReceipts(messageId);
      return r.find((x) => x.userId === b)?.readAt ? r : null;
    });
    expect(receipts?.map((r) => r.userId).sort()).toEqual([b, c].sort());
    expect(receipts?.find((r) => r.userId === c)).toMatchObject({ deliveredAt: expect.any(String), readAt: null });
    ann!.engine.setNetworkEnabled(false);
    await expect(ann!.engine.messageReceipts(messageId)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await cat!.engine.markRead(id);
  });
});
