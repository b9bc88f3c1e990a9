import { describe, expect, it } from 'vitest';
import { addMembers, createGroup, groupHistory, inbox, receiptsOf, registerMany, removeMember, renameGroup, sendToGroup, sendToGroupOverSocket } from './group-helpers.ts';
import { http, newClientId, noteMongoSkip, roundTrip, STORE_VARIANTS, syncAll, useTestServer, waitFor } from './helpers.ts';

/** Groups on the sockets of one node: who receives what, typing, receipts, removal and addition. */
describe.each(STORE_VARIANTS)('groups in real time on $kind', (variant) => {
  const t = useTestServer(variant);

  it('a group message reaches every member’s sockets once (the sender’s other device too), nobody else', async () => {
    const [a, b, c, outsider] = await registerMany(t.url, 4);
    const id = (await createGroup(t.url, a!.token, [b!.id, c!.id])).body.conversation.id;
    const [aPhone, aLaptop, bSocket, cPhone, cLaptop, oSocket] = await Promise.all([a, a, b, c, c, outsider].map((u) => t.open(u!.token)));
    const boxes = [aPhone, aLaptop, bSocket, cPhone, cLaptop, oSocket].map((s) => inbox(s!));
    const ack = await sendToGroupOverSocket(aPhone!, id, 'over the socket');
    expect(ack).toMatchObject({ ok: true, message: { conversationId: id, recipientId: id, senderId: a!.id, type: 'text', seq: 2, status: 'sent' } });
    expect((await sendToGroup(t.url, b!.token, id, 'over REST')).status).toBe(201);
    const [, aL, bS, cP, cL, o] = boxes;
    await waitFor('every member socket got both', () => [aL, bS, cP, cL].every((box) => box!.messages.length >= 2));
    for (const s of [aPhone, aLaptop, bSocket, cPhone, cLaptop, oSocket]) await roundTrip(s!);
    for (const box of [aL, bS, cP, cL]) expect(box!.bodies()).toEqual(['over the socket', 'over REST']);
    expect(boxes[0]!.bodies()).toEqual(['over REST']); // the sending socket has the ack
    expect(o!.messages).toEqual([]);
    if (ack.ok) expect(bS!.messages[0]).toEqual(ack.message);
  });

  it('typing { conversationId } reaches the other members only; a block hides it', async () => {
    const [a, b, c, outsider] = await registerMany(t.url, 4);
    const id = (await createGroup(t.url, a!.token, [b!.id, c!.id])).body.conversation.id;
    expect((await http(t.url, `/api/users/${a!.id}/block`, { method: 'POST', token: c!.token })).status).toBe(204);
    const sockets = await Promise.all([a, b, c, outsider].map((u) => t.open(u!.token)));
    const [aBox, bBox, cBox, oBox] = sockets.map((s) => inbox(s));
    sockets[0]!.emit('typing', { conversationId: id });
    await waitFor('typing reaches b', () => bBox!.typing.length === 1);
    sockets[0]!.emit('typing-stopped', { conversationId: id });
    await waitFor('stop reaches b', () => bBox!.typing.length === 2);
    // An outsider's typing in the group goes nowhere.
    sockets[3]!.emit('typing', { conversationId: id });
    sockets[1]!.emit('typing', { conversationId: id });
    await waitFor('b’s typing reaches a and c', () => aBox!.typing.length === 1 && cBox!.typing.length === 1);
    for (const s of sockets) await roundTrip(s);
    expect(bBox!.typing).toEqual([`typing ${a!.id} ${id}`, `stopped ${a!.id} ${id}`]);
    expect(aBox!.typing).toEqual([`typing ${b!.id} ${id}`]);
    expect(cBox!.typing).toEqual([`typing ${b!.id} ${id}`]); // never a's: c blocked a
    expect(oBox!.typing).toEqual([]);
  });

  it('a removed member hears the removal, then nothing; history and sync stop at it; added again, only what follows', async () => {
    const [a, b, c] = await registerMany(t.url, 3);
    const id = (await createGroup(t.url, a!.token, [b!.id, c!.id])).body.conversation.id;
    const [aS, cS] = [await t.open(a!.token), await t.open(c!.token)];
    const cBox = inbox(cS);
    await sendToGroup(t.url, a!.token, id, 'before');
    const removal = await removeMember(t.url, a!.token, id, c!.id);
    expect(removal.status).toBe(200);
    await waitFor('c hears its removal', () => cBox.updates.length === 1);
    expect(cBox.bodies()).toEqual(['before', '[member-removed]']);
    expect(cBox.updates[0]!.conversation.members.map((m) => m.userId)).not.toContain(c!.id);
    // Everything after the removal stays away from c: messages, typing, renames.
    await sendToGroup(t.url, a!.token, id, 'after');
    expect((await sendToGroupOverSocket(aS, id, 'after, socket')).ok).toBe(true);
    await renameGroup(t.url, a!.token, id, 'Without c');
    aS.emit('typing', { conversationId: id });
    await sendToGroup(t.url, b!.token, id, 'last');
    await roundTrip(aS);
    await roundTrip(cS);
    expect(cBox.bodies()).toEqual(['before', '[member-removed]']);
    expect(cBox.typing).toEqual([]);
    expect(cBox.updates).toHaveLength(1);
    expect(await sendToGroupOverSocket(cS, id, 'still here?')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const upTo = removal.body.message!.seq;
    expect((await groupHistory(t.url, c!.token, id)).map((m) => m.seq)).toEqual([1, 2, upTo]);
    expect((await syncAll(t.url, c!.token)).messages.filter((m) => m.conversationId === id).every((m) => m.seq <= upTo)).toBe(true);
    // The list keeps the group for c, without who is in it now.
    const listed = (await http(t.url, '/api/messages/conversations', { token: c!.token })).body.conversations.find((x: { id: string }) => x.id === id);
    expect(listed).toMatchObject({ type: 'group', members: [] });

    // Added again, without reconnecting: the addition and what follows, not what was said meanwhile.
    const added = await addMembers(t.url, a!.token, id, [c!.id]);
    await sendToGroup(t.url, b!.token, id, 'welcome back');
    await waitFor('c hears the next message', () => cBox.messages.length === 4);
    expect(cBox.bodies()).toEqual(['before', '[member-removed]', '[members-added]', 'welcome back']);
    const readable = (await groupHistory(t.url, c!.token, id)).map((m) => m.seq);
    expect(readable).toEqual([1, 2, upTo, added.body.message!.seq, added.body.message!.seq + 1]);
  });

  it('receipts: status delivered / read once every other member got / read it, pushed to the sender; per-member times for members', async () => {
    const [a, b, c] = await registerMany(t.url, 3);
    const id = (await createGroup(t.url, a!.token, [b!.id, c!.id])).body.conversation.id;
    const [aS, bS, cS] = await Promise.all([a, b, c].map((u) => t.open(u!.token)));
    const aBox = inbox(aS!);
    const m = (await sendToGroup(t.url, a!.token, id, 'did you all read this?')).body.message;
    expect(await bS!.timeout(5000).emitWithAck('message-received', { messageIds: [m.id] })).toEqual({ ok: true });
    await roundTrip(aS!);
    expect(aBox.statuses).toEqual([]); // c has not got it yet
    expect(await cS!.timeout(5000).emitWithAck('message-received', { messageIds: [m.id] })).toEqual({ ok: true });
    await waitFor('delivered reaches the sender', () => aBox.statuses.length === 1);
    expect(aBox.statuses[0]).toEqual({ messageIds: [m.id], conversationId: id, status: 'delivered', at: expect.any(String) });
    expect(await bS!.timeout(5000).emitWithAck('message-read', { conversationId: id, upToSeq: m.seq })).toEqual({ ok: true });
    await roundTrip(aS!);
    expect(aBox.statuses).toHaveLength(1);
    expect(await cS!.timeout(5000).emitWithAck('message-read', { conversationId: id, upToSeq: m.seq })).toEqual({ ok: true });
    await waitFor('read reaches the sender', () => aBox.statuses.length === 2);
    expect(aBox.statuses[1]).toMatchObject({ messageIds: [m.id], status: 'read' });
    expect((await groupHistory(t.url, a!.token, id)).at(-1)).toMatchObject({ id: m.id, status: 'read' });

    for (const viewer of [a, b]) {
      const res = await receiptsOf(t.url, viewer!.token, m.id);
      expect(res.status).toBe(200);
      const receipts = [...res.body.receipts].sort((x, y) => (x.userId < y.userId ? -1 : 1));
      expect(receipts.map((r) => r.userId)).toEqual([b!.id, c!.id].sort());
      for (const r of receipts) expect(r).toMatchObject({ deliveredAt: expect.any(String), readAt: expect.any(String) });
    }
    // A 1:1 message's status is its whole receipt.
    const direct = (await http(t.url, '/api/messages', { token: a!.token, json: { clientId: newClientId(), to: b!.id, body: 'dm' } })).body.message;
    expect(await receiptsOf(t.url, b!.token, direct.id)).toMatchObject({ status: 200, body: { receipts: [] } });
    expect(await receiptsOf(t.url, c!.token, direct.id)).toMatchObject({ status: 403 });
  });

  it('statuses a change moves are pushed to their senders: a leaver no longer holds a message back, a newcomer ends a lone member’s wait', async () => {
    const [a, b, c, d] = await registerMany(t.url, 4);
    const id = (await createGroup(t.url, a!.token, [b!.id, c!.id])).body.conversation.id;
    const [aS, bS] = await Promise.all([a, b].map((u) => t.open(u!.token)));
    const aBox = inbox(aS!);
    const m = (await sendToGroup(t.url, a!.token, id, 'waits for c')).body.message;
    expect(await bS!.timeout(5000).emitWithAck('message-received', { messageIds: [m.id] })).toEqual({ ok: true });
    await roundTrip(aS!);
    expect(aBox.statuses).toEqual([]);
    // c leaves without having received it: the sender is told delivered, with no receipt to carry it.
    expect((await removeMember(t.url, c!.token, id, c!.id)).status).toBe(200);
    await waitFor('delivered reaches the sender', () => aBox.statuses.some((e) => e.messageIds.includes(m.id)));
    expect(aBox.statuses.find((e) => e.messageIds.includes(m.id))).toMatchObject({ conversationId: id, status: 'delivered' });

    // b leaves too: a is alone, and what a sends now waits for nobody (it stays sent) until someone joins.
    expect((await removeMember(t.url, b!.token, id, b!.id)).status).toBe(200);
    const lone = (await sendToGroup(t.url, a!.token, id, 'anyone?')).body.message;
    await roundTrip(aS!);
    expect(aBox.statuses.filter((e) => e.messageIds.includes(lone.id))).toEqual([]);
    expect((await addMembers(t.url, a!.token, id, [d!.id])).status).toBe(200);
    await waitFor('the newcomer settles it', () => aBox.statuses.some((e) => e.messageIds.includes(lone.id)));
    expect((await groupHistory(t.url, a!.token, id)).find((x) => x.id === lone.id)?.status).toBe(aBox.statuses.find((e) => e.messageIds.includes(lone.id))!.status);
  });

  it('the members hear every change as a system message and conversation-updated; presence is visible between members', async () => {
    const [a, b, d] = await registerMany(t.url, 3);
    const id = (await createGroup(t.url, a!.token, [b!.id])).body.conversation.id;
    const [bS, dS] = [await t.open(b!.token), await t.open(d!.token)];
    const [bBox, dBox] = [inbox(bS), inbox(dS)];
    await renameGroup(t.url, a!.token, id, 'Renamed');
    await addMembers(t.url, a!.token, id, [d!.id]);
    await waitFor('b and d hear the addition', () => bBox.updates.length === 2 && dBox.updates.length === 1);
    expect(bBox.bodies()).toEqual(['[title-changed]', '[members-added]']);
    expect(dBox.bodies()).toEqual(['[members-added]']);
    expect(bBox.updates.map((u) => [u.conversation.title, u.conversation.members.length])).toEqual([['Renamed', 2], ['Renamed', 3]]);
    expect(dBox.updates[0]!.conversation).toMatchObject({ id, type: 'group', title: 'Renamed' });
    // Fellow members see each other's presence (d and b never wrote to each other).
    expect(await dS.timeout(5000).emitWithAck('user-status', { userId: b!.id })).toMatchObject({ ok: true, online: true });
  });

  it('a group read reaches the reader’s other sockets as read-position (not the reading one, nobody else); the list carries readSeq (and deliveredSeq, which a read moves too)', async () => {
    const [a, b] = await registerMany(t.url, 2);
    const id = (await createGroup(t.url, a!.token, [b!.id])).body.conversation.id;
    const [bPhone, bLaptop, aS] = [await t.open(b!.token), await t.open(b!.token), await t.open(a!.token)];
    const heard = [bPhone, bLaptop, aS].map((s) => {
      const events: unknown[] = [];
      s.on('read-position', (e) => events.push(e));
      return events;
    });
    await sendToGroup(t.url, a!.token, id, 'one'); // 2
    await sendToGroup(t.url, a!.token, id, 'two'); // 3
    expect(await bPhone.timeout(5000).emitWithAck('message-read', { conversationId: id, upToSeq: 2 })).toEqual({ ok: true });
    await waitFor('the laptop hears the phone’s read', () => heard[1]!.length === 1);
    expect(heard[1]).toEqual([{ conversationId: id, readSeq: 2 }]);
    // Past the last message: the position stops at it.
    expect(await bPhone.timeout(5000).emitWithAck('message-read', { conversationId: id, upToSeq: 99 })).toEqual({ ok: true });
    await waitFor('the laptop hears the second read', () => heard[1]!.length === 2);
    expect(heard[1]![1]).toEqual({ conversationId: id, readSeq: 3 });
    for (const s of [bPhone, aS]) await roundTrip(s);
    expect(heard[0]).toEqual([]);
    expect(heard[2]).toEqual([]);
    // A device that was offline finds the position in the list (and in GET /api/conversations/:id).
    const listed = (await http(t.url, '/api/messages/conversations', { token: b!.token })).body.conversations.find((x: { id: string }) => x.id === id);
    expect(listed).toMatchObject({ id, unreadCount: 0, readSeq: 3, deliveredSeq: 3 });
    expect((await http(t.url, `/api/conversations/${id}`, { token: b!.token })).body.conversation).toMatchObject({ readSeq: 3, deliveredSeq: 3 });
  });
});

noteMongoSkip('groups in real time');
