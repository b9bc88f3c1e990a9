import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.ts';
import { addMembers, createGroup, inbox, registerMany, removeMember, sendToGroup, sendToGroupOverSocket, type Inbox } from './group-helpers.ts';
import { noteMongoSkip, roundTrip, STORE_VARIANTS, useTestServer, waitFor, type ClientSocket } from './helpers.ts';

const redisUrl = inject('redisUrl');

/**
 * Groups across two nodes sharing one store and one Redis: each group's room spans the nodes,
 * and a change of members made on one node moves the sockets on the other, in order with
 * the messages around it.
 */
describe.skipIf(!redisUrl).each(STORE_VARIANTS)('groups across two nodes on $kind', (variant) => {
  const t = useTestServer(variant, { redisUrl });
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  beforeAll(async () => {
    nodeA = t.server;
    nodeB = await t.startPeer();
  });

  /** Waits until every inbox holds `n` messages, then until nothing more can be in flight to these sockets. */
  async function settle(sockets: ClientSocket[], boxes: Inbox[], n: number): Promise<void> {
    await waitFor(`every member socket holds ${n} messages`, () => boxes.every((b) => b.messages.length >= n));
    for (const s of sockets) await roundTrip(s);
  }

  it('5 members, 3 of them on node B: each message reaches every member socket once, from either node', async () => {
    const users = await registerMany(nodeA.url, 6);
    const [u1, u2, u3, u4, u5, outsider] = users;
    const id = (await createGroup(nodeA.url, u1!.token, [u2!.id, u3!.id, u4!.id, u5!.id])).body.conversation.id;
    // u1, u2 on A; u3, u4, u5 on B; u1 has a second device on B; the outsider is on both.
    const sockets = [
      await t.open(u1!.token, nodeA),
      await t.open(u2!.token, nodeA),
      await t.open(u3!.token, nodeB),
      await t.open(u4!.token, nodeB),
      await t.open(u5!.token, nodeB),
      await t.open(u1!.token, nodeB),
    ];
    const outsiders = [await t.open(outsider!.token, nodeA), await t.open(outsider!.token, nodeB)];
    const boxes = sockets.map(inbox);
    const outBoxes = outsiders.map(inbox);

    expect((await sendToGroupOverSocket(sockets[0]!, id, 'from A by socket')).ok).toBe(true);
    expect((await sendToGroup(nodeB.url, u4!.token, id, 'from B by REST')).status).toBe(201);
    expect((await sendToGroupOverSocket(sockets[4]!, id, 'from B by socket')).ok).toBe(true);
    await waitFor('all messages everywhere', () => boxes.every((b, i) => b.messages.length >= (i === 0 || i === 4 ? 2 : 3)));
    for (const s of [...sockets, ...outsiders]) await roundTrip(s);

    const all = ['from A by socket', 'from B by REST', 'from B by socket'];
    // The sending socket has its ack instead; every other member socket has each message exactly once.
    expect(boxes.map((b) => [...b.bodies()].sort())).toEqual([
      ['from B by REST', 'from B by socket'],
      all,
      all,
      all,
      ['from A by socket', 'from B by REST'],
      all,
    ]);
    expect(outBoxes.map((b) => b.messages)).toEqual([[], []]);
  });

  it('a member removed on node A hears nothing more on node B; one added on node A hears the next messages on node B', async () => {
    const [admin, stay, leaving, joining] = await registerMany(nodeA.url, 4);
    const id = (await createGroup(nodeA.url, admin!.token, [stay!.id, leaving!.id])).body.conversation.id;
    const sockets = [await t.open(stay!.token, nodeA), await t.open(leaving!.token, nodeB), await t.open(joining!.token, nodeB)];
    const [stayBox, leavingBox, joiningBox] = sockets.map(inbox);
    await sendToGroup(nodeA.url, admin!.token, id, 'one');
    await settle(sockets.slice(0, 2), [stayBox!, leavingBox!], 1);

    expect((await removeMember(nodeA.url, admin!.token, id, leaving!.id)).status).toBe(200);
    expect((await addMembers(nodeA.url, admin!.token, id, [joining!.id])).status).toBe(200);
    // Right after the answers, from the other node too: the rooms on B changed in order with these.
    await sendToGroup(nodeB.url, stay!.token, id, 'two');
    sockets[0]!.emit('typing', { conversationId: id });
    await sendToGroup(nodeA.url, admin!.token, id, 'three');
    await waitFor('the joiner hears two and three', () => joiningBox!.messages.length === 3 && joiningBox!.typing.length === 1);
    await waitFor('stay hears everything', () => stayBox!.messages.length === 5);
    for (const s of sockets) await roundTrip(s);

    expect(leavingBox!.bodies()).toEqual(['one', '[member-removed]']);
    expect(leavingBox!.typing).toEqual([]);
    // By seq: 'two' (sent on B) and 'three' (on A) reach a socket on either node in either order (bodiesBySeq).
    expect(joiningBox!.bodiesBySeq()).toEqual(['[members-added]', 'two', 'three']);
    expect(joiningBox!.typing).toEqual([`typing ${stay!.id} ${id}`]);
    expect(stayBox!.bodiesBySeq()).toEqual(['one', '[member-removed]', '[members-added]', 'two', 'three']);
    expect(await sendToGroupOverSocket(sockets[1]!, id, 'from B, removed')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
  });

  it('a socket connecting on node B after changes made on node A is in exactly the right rooms', async () => {
    const [admin, member] = await registerMany(nodeA.url, 2);
    const kept = (await createGroup(nodeA.url, admin!.token, [member!.id], 'kept')).body.conversation.id;
    const left = (await createGroup(nodeA.url, admin!.token, [member!.id], 'left')).body.conversation.id;
    // Node B reads (and caches) the member's groups for this socket, then the member leaves one on A.
    const first = await t.open(member!.token, nodeB);
    expect((await removeMember(nodeA.url, member!.token, left, member!.id)).status).toBe(200);
    const second = await t.open(member!.token, nodeB);
    const boxes = [inbox(first), inbox(second)];
    await sendToGroup(nodeA.url, admin!.token, left, 'not for you');
    await sendToGroup(nodeA.url, admin!.token, kept, 'for you');
    await settle([first, second], boxes, 1);
    expect(boxes.map((b) => b.bodies())).toEqual([['for you'], ['for you']]);
  });
});

if (!redisUrl) {
  describe('groups across two nodes', () => {
    it.skip('skipped: no Redis (the global setup provided redisUrl = null)', () => {});
  });
}

noteMongoSkip('groups across two nodes');
