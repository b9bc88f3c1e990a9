import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.ts';
import { accepted, hide, react, updatesOf } from './action-helpers.ts';
import { createGroup, registerMany, sendToGroup } from './group-helpers.ts';
import { noteMongoSkip, roundTrip, sendOverRest, STORE_VARIANTS, useTestServer, waitFor } from './helpers.ts';

const redisUrl = inject('redisUrl');

/**
 * Message actions across two nodes sharing one store and one Redis: `message-updated` goes
 * through the same rooms as `new-message` (a user's room for a 1:1 and a hide, the group's room),
 * so it reaches sockets on the other node, and a hide still reaches only the actor's.
 */
describe.skipIf(!redisUrl).each(STORE_VARIANTS)('message actions across two nodes on $kind', (variant) => {
  const t = useTestServer(variant, { redisUrl });
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  beforeAll(async () => {
    nodeA = t.server;
    nodeB = await t.startPeer();
  });

  it('a reaction on one node reaches the other members’ sockets on both; a hide only the actor’s socket on the other node', async () => {
    const [alice, bob, carol] = await registerMany(nodeA.url, 3, 'x');
    const id = (await createGroup(nodeA.url, alice.token, [bob.id, carol.id])).body.conversation.id;
    // Alice on both nodes, Bob on B, Carol on A.
    const [a1, a2, b, c] = [await t.open(alice.token, nodeA), await t.open(alice.token, nodeB), await t.open(bob.token, nodeB), await t.open(carol.token, nodeA)];
    const heard = { a1: updatesOf(a1), a2: updatesOf(a2), b: updatesOf(b), c: updatesOf(c) };

    // 1:1: Bob reacts on node B to Alice's message; both of Alice's sockets hear it, Bob's own does not.
    const direct = (await sendOverRest(nodeA.url, alice.token, bob.id, 'direct')).body.message;
    const reacted = accepted(await react('socket', nodeB.url, { token: bob.token, socket: b }, direct.id, '👍'));
    await waitFor('both of alice’s sockets hear bob’s reaction', () => heard.a1().length === 1 && heard.a2().length === 1);
    expect([heard.a1()[0], heard.a2()[0]]).toEqual([reacted, reacted]);

    // Group: Carol reacts on node A; Bob hears it on B, Alice on both.
    const posted = (await sendToGroup(nodeA.url, alice.token, id, 'in the group')).body.message;
    const groupReaction = accepted(await react('socket', nodeA.url, { token: carol.token, socket: c }, posted.id, '🎉'));
    await waitFor('bob and alice hear carol’s reaction', () => heard.b().length === 1 && heard.a1().length === 2 && heard.a2().length === 2);
    expect(heard.b()).toEqual([groupReaction]);

    // Alice hides it over REST on node B: her socket on node A hears it with hiddenAt (and her socket on B: REST has no acting socket).
    const hidden = accepted(await hide('rest', nodeB.url, { token: alice.token, socket: a2 }, posted.id));
    await waitFor('alice’s socket on node A hears the hide', () => heard.a1().length === 3);
    expect(heard.a1()[2]).toEqual(hidden);
    // A fence on the group's room from the same node: Alice reacts on node B. Had the hide gone to the
    // room, it would have reached Bob and Carol before this (one node's broadcasts keep their order).
    const fence = accepted(await react('rest', nodeB.url, { token: alice.token, socket: a2 }, posted.id, '👀'));
    await waitFor('bob and carol hear the fence', () => heard.b().length === 2 && heard.c().length === 1);
    // Alice's answer shows her own hiddenAt; nobody else's copy carries it.
    expect(fence.hiddenAt).toBe(hidden.hiddenAt);
    const { hiddenAt: _mine, ...shared } = fence;
    expect(heard.b()[1]).toStrictEqual(shared);
    expect(heard.c()).toStrictEqual([shared]);
    // Carol's acting socket never heard her own reaction.
    await roundTrip(c);
    expect(heard.c().map((m) => m.version)).toEqual([fence.version]);
  });
});

noteMongoSkip('message actions across two nodes');
