/**
 * Groups end to end on the real server (SQLite): three users with two devices each. One device
 * creates a group and writes into it while offline; once it reconnects, every device of every
 * member holds the same conversation (ids, seqs, bodies, system messages, title and members), the
 * creation happened once, the messages once each and in the order typed, and the aggregate status
 * reaches `read` once both other members read.
 */
import type { SyncEngine } from '@pigeon/sync-protocol/engine';
import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName, useServer, waitFor, type Device } from './helpers.ts';

describe('groups on the real server', () => {
  const env = useServer();

  /** A user on two devices: signed up on the first, signed in on the second. */
  async function user(prefix: string) {
    const name = uniqueName(prefix);
    const first = env.device();
    const second = env.device();
    const u = await first.engine.signUp(name, PASSWORD);
    await second.engine.signIn(name, PASSWORD);
    return { u, devices: [first, second] as Device[] };
  }

  const comparable = async (engine: SyncEngine, id: string) =>
    (await engine.queries.messages(id, 1000)).map((m) => ({ id: m.id, seq: m.seq, senderId: m.senderId, body: m.body, kind: m.system?.kind ?? null }));

  it('a group created and written to offline converges on every device of every member', async () => {
    const [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
    const [a1, a2] = alice.devices as [Device, Device];
    a1.engine.setNetworkEnabled(false);
    const group = await a1.engine.createGroup('Offline plans', [bob.u.id, carol.u.id]);
    const typed = [];
    for (let i = 0; i < 10; i++) typed.push(await a1.engine.sendToConversation(group.id, `plan ${i}`));
    await a1.engine.renameGroup(group.id, 'Plans');
    typed.push(await a1.engine.sendToConversation(group.id, 'renamed'));
    // Others write too, once they know the group (below), interleaving with the queue.
    a1.engine.setNetworkEnabled(true);

    const serverId = (await waitFor(async () => {
      const view = await a1.engine.queries.conversation(group.id);
      return view && !view.conversation.local ? view.conversation.id : null;
    })) as string;
    expect(serverId).toMatch(/^g:/);
    const b1 = bob.devices[0]!;
    await waitFor(async () => (await b1.engine.queries.isWritable(serverId)) === true);
    await b1.engine.sendToConversation(serverId, 'bob was here');

    const devices = [alice, bob, carol].flatMap((x) => x.devices);
    const expectedLength = 1 + typed.length + 1 + 1; // creation, messages, rename, bob's
    for (const d of devices) {
      await waitFor(async () => (await comparable(d.engine, serverId)).filter((m) => m.id !== null).length === expectedLength, {
        describe: async () => comparable(d.engine, serverId),
      });
    }
    const reference = await comparable(a1.engine, serverId);
    for (const d of devices) expect(await comparable(d.engine, serverId)).toEqual(reference);
    expect(reference.map((m) => m.seq)).toEqual(reference.map((_, i) => i + 1));
    expect(reference[0]?.kind).toBe('group-created');
    // Alice's own messages in the order she typed them, once each, the rename between.
    const mine = reference.filter((m) => m.senderId === alice.u.id);
    expect(mine.map((m) => m.kind ?? m.body)).toEqual(['group-created', ...typed.slice(0, 10).map((m) => m.body), 'title-changed', 'renamed']);
    const stored = await env.t.server.store.getHistory(serverId, null, 1000, alice.u.id);
    expect(stored.map((m) => m.id)).toEqual(reference.map((m) => m.id));

    for (const d of devices) {
      const view = await waitFor(async () => {
        const v = await d.engine.queries.conversation(serverId);
        return v?.title === 'Plans' && v.memberCount === 3 ? v : null;
      });
      expect(view?.writable).toBe(true);
      expect(view?.conversation.members.find((m) => m.userId === alice.u.id)?.role).toBe('admin');
    }
    // The local id keeps finding the group on the device that created it (its second device never knew it).
    expect(await comparable(a1.engine, group.id)).toEqual(reference);
    expect(await a2.engine.queries.conversation(group.id)).toBeUndefined();

    // Both others read on one of their devices: alice's messages turn read everywhere she looks.
    await bob.devices[1]!.engine.markRead(serverId);
    await carol.devices[0]!.engine.markRead(serverId);
    for (const d of alice.devices) {
      await waitFor(async () => (await d.engine.queries.messages(serverId, 1000)).filter((m) => m.senderId === alice.u.id && m.type !== 'system').every((m) => m.status === 'read'), {
        describe: async () => (await d.engine.queries.messages(serverId, 1000)).map((m) => `${m.seq}:${m.status}`),
      });
    }
  });

  it('a member removed while offline turns read-only on every device; their queued message fails with FORBIDDEN', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const carol = await user('carol');
    const a1 = alice.devices[0]!;
    const group = await a1.engine.createGroup('Book club', [bob.u.id, carol.u.id]);
    const serverId = (await waitFor(async () => {
      const v = await a1.engine.queries.conversation(group.id);
      return v && !v.conversation.local ? v.conversation.id : null;
    })) as string;
    const [b1, b2] = bob.devices as [Device, Device];
    await waitFor(async () => (await b1.engine.queries.isWritable(serverId)) && (await b2.engine.queries.isWritable(serverId)));
    b1.engine.setNetworkEnabled(false);
    const doomed = await b1.engine.sendToConversation(serverId, 'typed on a plane');
    await a1.engine.removeMember(serverId, bob.u.id);
    await waitFor(async () => (await b2.engine.queries.isWritable(serverId)) === false);
    b1.engine.setNetworkEnabled(true);
    await waitFor(async () => (await b1.engine.queries.outbox())[0]?.status === 'failed');
    expect((await b1.engine.queries.outbox())[0]).toMatchObject({ key: doomed.key, error: { code: 'FORBIDDEN' } });
    expect(await b1.engine.queries.isWritable(serverId)).toBe(false);
    expect(b1.engine.getState().outboxSize).toBe(0);
    await expect(b2.engine.sendToConversation(serverId, 'again')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
