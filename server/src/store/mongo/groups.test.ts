import type { Message } from '@pigeon/sync-protocol';
import { expect, it } from 'vitest';
import { storedMessage, type SendOutcome, type SendRequest, type Store, type UserRecord } from '../store.ts';
import { moveId, type MoveDoc } from './documents.ts';
import type { MongoStore } from './mongo-store.ts';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req, runId } from './testing/mongo-test-db.ts';

let counter = 0;
const cid = () => `g-${++counter}-${runId}`;
const now = () => new Date().toISOString();
const groupSend = (from: UserRecord, groupId: string, body = 'hi'): SendRequest => ({
  senderId: from.id,
  recipientId: groupId,
  conversationId: groupId,
  clientId: cid(),
  body,
});

async function group(store: Store, creator: UserRecord, members: UserRecord[]) {
  const { group } = await store.createGroup({ creatorId: creator.id, clientId: cid(), title: 'G', memberIds: members.map((m) => m.id), at: now() });
  return group.id;
}

async function twoNodes(): Promise<[MongoStore, MongoStore]> {
  const name = freshDbName();
  return [await openMongo(name), await openMongo(name)];
}

const seqsOf = (messages: readonly Message[]) => messages.map((m) => m.seq);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describeMongo('MongoStore groups: two nodes on one database', () => {
  it('concurrent group sends from both nodes are gap-free, and each member feed has them once', async () => {
    const [nodeA, nodeB] = await twoNodes();
    try {
      const users = await Promise.all(Array.from({ length: 3 }, () => newUser(nodeA)));
      const g = await group(nodeA, users[0]!, users.slice(1));
      const batches = Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? nodeA : nodeB).sendMessages(Array.from({ length: 4 }, (_, j) => groupSend(users[(i + j) % 3]!, g))),
      );
      const outcomes = (await Promise.all(batches)).flat();
      expect(outcomes.every((o) => o.created)).toBe(true);
      expect(seqsOf(outcomes.map(storedMessage)).sort((x, y) => x - y)).toEqual(upTo(49).slice(1));
      const history = await nodeB.getHistory(g, null, 1000, users[2]!.id);
      expect(seqsOf(history)).toEqual(upTo(49));
      const feed = await nodeA.changesSince(users[1]!.id, 0, 1000);
      expect(seqsOf(feed.messages).sort((x, y) => x - y)).toEqual(upTo(49));
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  // Only the creator (or whoever the rules promoted) is an admin, so two adds at once come
  // from one admin's two devices, connected to two nodes.
  it('two adds at once on two nodes: both apply, the later decided on the state the earlier left', async () => {
    const [nodeA, nodeB] = await twoNodes();
    try {
      const [a, b, x, y, z] = await Promise.all(Array.from({ length: 5 }, () => newUser(nodeA)));
      const g = await group(nodeA, a!, [b!]);
      await nodeA.changeGroup({ conversationId: g, actorId: a!.id, clientId: cid(), at: now(), kind: 'add', userIds: [x!.id] });
      const adds = await Promise.all([
        nodeA.changeGroup({ conversationId: g, actorId: a!.id, clientId: cid(), at: now(), kind: 'add', userIds: [y!.id] }),
        nodeB.changeGroup({ conversationId: g, actorId: a!.id, clientId: cid(), at: now(), kind: 'add', userIds: [z!.id] }),
      ]);
      expect(adds.map((o) => o.message!.seq).sort()).toEqual([3, 4]);
      const last = adds.find((o) => o.message!.seq === 4)!;
      // The later add was decided on the state the earlier one left.
      expect(last.group.members.map((m) => m.userId).sort()).toEqual([a!.id, b!.id, x!.id, y!.id, z!.id].sort());
      for (const node of [nodeA, nodeB]) {
        const now = await node.getGroup(g);
        expect(now!.members).toEqual(last.group.members);
        expect(now!.lastSeq).toBe(4);
      }
      expect(await nodeB.memberPeriods(g, z!.id)).toEqual([{ fromSeq: adds.find((o) => o.message!.system!.userIds![0] === z!.id)!.message!.seq, toSeq: null }]);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('the same change sent to both nodes at once (a retry) applies once', async () => {
    const [nodeA, nodeB] = await twoNodes();
    try {
      const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => newUser(nodeA)));
      const g = await group(nodeA, a!, [b!]);
      const change = { conversationId: g, actorId: a!.id, clientId: cid(), at: now(), kind: 'add' as const, userIds: [c!.id] };
      const [one, two] = await Promise.all([nodeA.changeGroup(change), nodeB.changeGroup(change)]);
      expect([one.created, two.created].sort()).toEqual([false, true]);
      expect(one.message).toEqual(two.message);
      expect((await nodeA.getGroup(g))!.lastSeq).toBe(2);
      // Leaving, retried: decided again after the first, it would be refused (no longer a member).
      const leave = { conversationId: g, actorId: b!.id, clientId: cid(), at: now(), kind: 'remove' as const, userId: b!.id };
      const left = await Promise.all([nodeB.changeGroup(leave), nodeA.changeGroup(leave)]);
      expect(left.map((o) => o.created).sort()).toEqual([false, true]);
      expect(left[0].message).toEqual(left[1].message);
      expect((await nodeB.getGroup(g))!.lastSeq).toBe(3);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('a send racing its sender’s removal: the removal took the seq first, so the send is refused', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeInsert');
    try {
      const [admin, member, other] = await Promise.all(Array.from({ length: 3 }, () => newUser(nodeA)));
      const g = await group(nodeA, admin!, [member!, other!]);
      // Node A has checked membership and numbered the send at seq 2; node B removes the sender then.
      armRace(async () => {
        const removed = await nodeB.changeGroup({ conversationId: g, actorId: admin!.id, clientId: cid(), at: now(), kind: 'remove', userId: member!.id });
        expect(removed.message!.seq).toBe(2);
      });
      const [outcome] = await nodeA.sendMessages([groupSend(member!, g, 'too late')]);
      expect(outcome!.refused?.code).toBe('FORBIDDEN');
      const history = await nodeA.getHistory(g, null, 100, admin!.id);
      expect(history.map((m) => m.type)).toEqual(['system', 'system']);
      // The removed member keeps their history up to the removal, and nothing after.
      await nodeA.sendMessages([groupSend(admin!, g, 'after')]);
      expect(seqsOf(await nodeB.getHistory(g, null, 100, member!.id))).toEqual([1, 2]);
      // In change order: the removal settled the statuses (seq 1 moved after seq 2).
      expect(seqsOf((await nodeB.changesSince(member!.id, 0, 100)).messages).sort()).toEqual([1, 2]);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('a removal racing a send: the send took the seq first, so the removal is decided after it', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeInsert');
    try {
      const [admin, member] = await Promise.all(Array.from({ length: 2 }, () => newUser(nodeA)));
      const other = await newUser(nodeA);
      const g = await group(nodeA, admin!, [member!, other]);
      let sent: Message | undefined;
      // Node A has decided the removal at seq 2; node B stores the member's message at seq 2 then.
      armRace(async () => {
        sent = storedMessage((await nodeB.sendMessages([groupSend(member!, g, 'just in time')]))[0]!);
      });
      const removed = await nodeA.changeGroup({ conversationId: g, actorId: admin!.id, clientId: cid(), at: now(), kind: 'remove', userId: member!.id });
      expect(sent!.seq).toBe(2);
      expect(removed.message!.seq).toBe(3);
      expect(await nodeB.memberPeriods(g, member!.id)).toEqual([{ fromSeq: 1, toSeq: 3 }]);
      expect(seqsOf(await nodeB.getHistory(g, null, 100, member!.id))).toEqual([1, 2, 3]);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('a member just added through the other node can send through this one at once', async () => {
    const [nodeA, nodeB] = await twoNodes();
    try {
      const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => newUser(nodeA)));
      const g = await group(nodeA, a!, [b!]);
      // Node A's guesses and cached state of the group are at seq 2; node B adds c at seq 3.
      await nodeA.sendMessages([groupSend(a!, g)]);
      await nodeB.changeGroup({ conversationId: g, actorId: a!.id, clientId: cid(), at: now(), kind: 'add', userIds: [c!.id] });
      const [outcome] = await nodeA.sendMessages([groupSend(c!, g, 'hello')]);
      expect(storedMessage(outcome!).seq).toBe(4);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('sends from two nodes while a third removes the sender: stored ones come before the removal, the rest FORBIDDEN, no gap', async () => {
    const name = freshDbName();
    const [nodeA, nodeB, nodeC] = [await openMongo(name), await openMongo(name), await openMongo(name)];
    try {
      const [admin, member, other] = await Promise.all(Array.from({ length: 3 }, () => newUser(nodeA)));
      const g = await group(nodeA, admin!, [member!, other!]);
      const outcomes: SendOutcome[] = [];
      let removing = false;
      let removed = false;
      // Each node sends batches at random intervals, from before the removal to after it.
      // (Back to back, without pauses, the two senders can take every seq before the removal's
      // read-then-insert round lands: docs/architecture.md, "Groups", on starvation.) How long
      // that round takes has no bound: on FerretDB its reads scan the collection, which the
      // senders grow, and under CPU load it outlasts any fixed pause. So while the removal is
      // pending each sender's pauses double, up to 16 × 80 ms, until one is long enough for it.
      const sending = [nodeA, nodeB].map(async (node) => {
        for (let after = 0, waited = 0; after < 3; after += removed ? 1 : 0) {
          outcomes.push(...(await node.sendMessages([groupSend(member!, g), groupSend(other!, g)])));
          if (removing && !removed) waited++;
          await new Promise((r) => setTimeout(r, Math.random() * 80 * 2 ** Math.min(waited, 4)));
        }
      });
      while (outcomes.length < 6) await new Promise((r) => setTimeout(r, 2));
      removing = true;
      const removal = await nodeC.changeGroup({ conversationId: g, actorId: admin!.id, clientId: cid(), at: now(), kind: 'remove', userId: member!.id });
      removed = true;
      await Promise.all(sending);
      const removedAt = removal.message!.seq;
      const byMember = outcomes.filter((_, i) => i % 2 === 0);
      for (const o of byMember) {
        if (o.refused) expect(o.refused.code).toBe('FORBIDDEN');
        else expect(o.message.seq).toBeLessThan(removedAt);
      }
      expect(byMember.some((o) => o.refused)).toBe(true);
      expect(byMember.some((o) => !o.refused)).toBe(true);
      expect(outcomes.filter((_, i) => i % 2 === 1).every((o) => o.created)).toBe(true);
      const history = await nodeA.getHistory(g, null, 1000, admin!.id);
      expect(seqsOf(history)).toEqual(upTo(history.length));
      expect(history.filter((m) => m.senderId === member!.id && m.type === 'text')).toHaveLength(byMember.filter((o) => !o.refused).length);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close(), nodeC.close()]);
    }
  });

  it('a read on one node racing a removal on the other: whichever reads second moves the status', async () => {
    const [nodeA, nodeB] = await twoNodes();
    try {
      for (let round = 0; round < 4; round++) {
        const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => newUser(nodeA)));
        const g = await group(nodeA, a!, [b!, c!]);
        const m = storedMessage((await nodeA.sendMessages([groupSend(a!, g)]))[0]!);
        // b reads m while c is removed: once both are done, m has every current other member's read.
        await Promise.all([
          nodeA.markRead(b!.id, g, m.seq, now()),
          nodeB.changeGroup({ conversationId: g, actorId: a!.id, clientId: cid(), at: now(), kind: 'remove', userId: c!.id }),
        ]);
        expect((await nodeB.getMessage(m.id))!.status).toBe('read');
      }
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('a group period opening while the feed is read is not skipped: the feed reads again', async () => {
    const { plain: nodeB, racing: nodeA, armRace } = await openRacingPair('beforeFeedRead');
    try {
      const [a, c, d] = await Promise.all(Array.from({ length: 3 }, () => newUser(nodeA)));
      await nodeA.sendMessages([req(d!, c!, 'before')]);
      // Node A has read c's periods (none); node B adds c to a group, then a 1:1 message to c
      // lands after it. Read with the old periods, the page would end past the creation.
      armRace(async () => {
        await group(nodeB, a!, [c!]);
        await nodeB.sendMessages([req(d!, c!, 'after')]);
      });
      const page = await nodeA.changesSince(c!.id, 0, 100);
      expect(page.messages.map((m) => m.body)).toEqual(['before', '', 'after']);
      expect(page.messages.map((m) => m.type)).toEqual(['text', 'system', 'text']);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });

  it('a node that died between logging moves and settling: the resent receipt settles the status', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => newUser(store)));
      const g = await group(store, a!, [b!, c!]);
      const m = storedMessage((await store.sendMessages([groupSend(a!, g)]))[0]!);
      // What the dead node left: b's and c's moves to m, and m still 'sent'.
      const at = now();
      await store.db.collection<MoveDoc>('positionMoves').insertMany(
        [b!, c!].flatMap((u) => (['delivered', 'read'] as const).map((kind) => ({ _id: moveId(g, u.id, kind, m.seq), conversationId: g, userId: u.id, kind, seq: m.seq, at }))),
      );
      expect((await store.getMessage(m.id))!.status).toBe('sent');
      expect(await store.markRead(c!.id, g, m.seq, now())).toEqual([{ ...m, status: 'read' }]);
      expect((await store.messageReceipts(m.id))!.map((r) => r.readAt)).toEqual([at, at]);
    } finally {
      await store.close();
    }
  });

  it('receipts of all members on both nodes at once: every message ends read, each member’s move logged', async () => {
    const [nodeA, nodeB] = await twoNodes();
    try {
      const users = await Promise.all(Array.from({ length: 4 }, () => newUser(nodeA)));
      const g = await group(nodeA, users[0]!, users.slice(1));
      const sent = (await nodeA.sendMessages(users.map((u) => groupSend(u, g)))).map(storedMessage);
      const last = sent[sent.length - 1]!.seq;
      await Promise.all(
        users.flatMap((u, i) => [
          (i % 2 ? nodeA : nodeB).markDelivered(u.id, sent.map((m) => m.id), now()),
          (i % 2 ? nodeB : nodeA).markRead(u.id, g, last, now()),
        ]),
      );
      const history = await nodeA.getHistory(g, null, 100, users[0]!.id);
      expect(history.filter((m) => m.type === 'text').map((m) => m.status)).toEqual(sent.map(() => 'read'));
      const receipts = await nodeB.messageReceipts(sent[0]!.id);
      expect(receipts!.map((r) => r.userId).sort()).toEqual(users.slice(1).map((u) => u.id).sort());
      expect(receipts!.every((r) => r.deliveredAt !== null && r.readAt !== null)).toBe(true);
    } finally {
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  });
});
