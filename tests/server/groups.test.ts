import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConversationSummary } from '@pigeon/sync-protocol';
import { addMembers, createGroup, getGroup, groupHistory, promoteMember, receiptsOf, registerMany, removeMember, renameGroup, sendToGroup, sendToGroupOverSocket } from './group-helpers.ts';
import { http, noteMongoSkip, STORE_VARIANTS, useTestServer } from './helpers.ts';

const byUser = (members: ConversationSummary['members']) => [...members].sort((x, y) => (x.userId < y.userId ? -1 : 1));
const error = (status: number, code: string) => ({ status, body: { error: { code, message: expect.any(String) } } });

/** Groups over REST: creating, changing, the rules and every refusal (contract v2, "Conversations and groups"). */
describe.each(STORE_VARIANTS)('groups on $kind', (variant) => {
  const t = useTestServer(variant);
  const listOf = async (token: string) => (await http<{ conversations: ConversationSummary[] }>(t.url, '/api/messages/conversations', { token })).body.conversations;

  it('creates a group (201, the creator admin); the same creator and clientId again → 200 and the same group', async () => {
    const [a, b, c] = await registerMany(t.url, 3);
    const clientId = randomUUID();
    const first = await createGroup(t.url, a.token, [b.id, c.id, a.id, b.id], 'Trip', clientId);
    expect(first.status).toBe(201);
    const group = first.body.conversation;
    expect(group).toMatchObject({ type: 'group', title: 'Trip', unreadCount: 0 });
    expect(group.id).toMatch(/^g:/);
    expect(group.peer).toBeUndefined();
    // Each member says since when (the seq of their addition: who is oldest, for a device that joined later).
    expect(byUser(group.members)).toEqual(byUser([{ userId: a.id, role: 'admin', sinceSeq: 1 }, { userId: b.id, role: 'member', sinceSeq: 1 }, { userId: c.id, role: 'member', sinceSeq: 1 }]));
    expect(group.lastMessage).toMatchObject({ type: 'system', seq: 1, senderId: a.id, recipientId: group.id, system: { kind: 'group-created', actorId: a.id } });

    const again = await createGroup(t.url, a.token, [b.id, c.id], 'Trip', clientId);
    expect(again.status).toBe(200);
    expect(again.body.conversation.id).toBe(group.id);
    // A clientId is the creator's own: another user's is another group.
    const other = await createGroup(t.url, b.token, [a.id], 'Other', clientId);
    expect(other.status).toBe(201);
    expect(other.body.conversation.id).not.toBe(group.id);

    // Listed for every member, with type, title and members; readable by members only.
    const listed = (await listOf(c.token)).find((x) => x.id === group.id);
    expect(listed).toMatchObject({ type: 'group', title: 'Trip', lastMessage: { seq: 1 } });
    expect(byUser(listed!.members)).toEqual(byUser(group.members));
    expect((await getGroup(t.url, c.token, group.id)).body.conversation).toMatchObject({ id: group.id, title: 'Trip' });
    const [outsider] = await registerMany(t.url, 1);
    expect(await getGroup(t.url, outsider!.token, group.id)).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await getGroup(t.url, a.token, 'g:no-such-group')).toMatchObject(error(404, 'NOT_FOUND'));
    expect((await groupHistory(t.url, b.token, group.id)).map((m) => m.system?.kind)).toEqual(['group-created']);
  });

  it('refuses bad groups with VALIDATION or NOT_FOUND and stores nothing', async () => {
    const [a, b] = await registerMany(t.url, 2);
    const before = await listOf(a.token);
    for (const title of ['', '   ', 'x'.repeat(101)]) expect(await createGroup(t.url, a.token, [b!.id], title)).toMatchObject(error(400, 'VALIDATION'));
    expect(await createGroup(t.url, a.token, [])).toMatchObject(error(400, 'VALIDATION'));
    expect(await createGroup(t.url, a.token, [a.id])).toMatchObject(error(400, 'VALIDATION')); // one member in all
    expect(await http(t.url, '/api/conversations', { token: a.token, json: { title: 'no clientId', memberIds: [b!.id] } })).toMatchObject(error(400, 'VALIDATION'));
    expect(await createGroup(t.url, a.token, [b!.id, 'no-such-user'])).toMatchObject(error(404, 'NOT_FOUND'));
    expect(await listOf(a.token)).toEqual(before);
    expect(await listOf(b!.token)).toEqual([]);
    expect(await createGroup(t.url, a.token, [b!.id], 'x'.repeat(100))).toMatchObject({ status: 201 });
  });

  it('a group has at most 256 members, the creator included: the 257th is VALIDATION, on create and on add', async () => {
    const [creator, ...others] = await registerMany(t.url, 258);
    const ids = others.map((u) => u.id);
    expect(await createGroup(t.url, creator!.token, ids.slice(0, 256))).toMatchObject(error(400, 'VALIDATION'));
    const full = await createGroup(t.url, creator!.token, ids.slice(0, 255));
    expect(full.status).toBe(201);
    expect(full.body.conversation.members).toHaveLength(256);
    const id = full.body.conversation.id;
    expect(await addMembers(t.url, creator!.token, id, [ids[255]!])).toMatchObject(error(400, 'VALIDATION'));
    expect((await getGroup(t.url, creator!.token, id)).body.conversation.members).toHaveLength(256);
    // After one leaves, there is room for one.
    expect((await removeMember(t.url, others[0]!.token, id, others[0]!.id)).status).toBe(200);
    expect((await addMembers(t.url, creator!.token, id, [ids[255]!])).body.message).toMatchObject({ system: { kind: 'members-added', userIds: [ids[255]] } });
  });

  it('admins rename, add and remove; members may only leave; outsiders may do nothing (FORBIDDEN); unknown groups are NOT_FOUND', async () => {
    const [a, b, c, d, outsider] = await registerMany(t.url, 5);
    const id = (await createGroup(t.url, a!.token, [b!.id, c!.id], 'Before')).body.conversation.id;
    const sent = (await sendToGroup(t.url, a!.token, id, 'hello')).body.message;

    // A member is no admin.
    expect(await renameGroup(t.url, b!.token, id, 'Mine')).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await addMembers(t.url, b!.token, id, [d!.id])).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await removeMember(t.url, b!.token, id, c!.id)).toMatchObject(error(403, 'FORBIDDEN'));
    // An outsider is nothing.
    expect(await renameGroup(t.url, outsider!.token, id, 'Mine')).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await addMembers(t.url, outsider!.token, id, [outsider!.id])).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await removeMember(t.url, outsider!.token, id, c!.id)).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await sendToGroup(t.url, outsider!.token, id, 'let me in')).toMatchObject(error(403, 'FORBIDDEN'));
    const so = await t.open(outsider!.token);
    expect(await sendToGroupOverSocket(so, id, 'let me in')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await http(t.url, `/api/messages/conversation?id=${encodeURIComponent(id)}`, { token: outsider!.token })).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await receiptsOf(t.url, outsider!.token, sent.id)).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await so.timeout(5000).emitWithAck('message-read', { conversationId: id, upToSeq: 2 })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    // Unknown groups.
    for (const res of [
      await renameGroup(t.url, a!.token, 'g:no-such-group', 'x'),
      await addMembers(t.url, a!.token, 'g:no-such-group', [b!.id]),
      await sendToGroup(t.url, a!.token, 'g:no-such-group', 'x'),
      await http(t.url, '/api/messages/conversation?id=g:no-such-group', { token: a!.token }),
      await receiptsOf(t.url, a!.token, 'no-such-message'),
    ]) expect(res).toMatchObject(error(404, 'NOT_FOUND'));
    expect(await renameGroup(t.url, a!.token, id, 'x'.repeat(101))).toMatchObject(error(400, 'VALIDATION'));
    expect(await addMembers(t.url, a!.token, id, [d!.id, 'no-such-user'])).toMatchObject(error(404, 'NOT_FOUND'));

    // The admin's changes, each a system message in order; a change of nothing is 200 with no message.
    const renamed = await renameGroup(t.url, a!.token, id, 'After');
    expect(renamed).toMatchObject({ status: 200, body: { conversation: { title: 'After' }, message: { type: 'system', system: { kind: 'title-changed', actorId: a!.id, title: 'After' } } } });
    expect((await renameGroup(t.url, a!.token, id, 'After')).body.message).toBeNull();
    const addedD = (await addMembers(t.url, a!.token, id, [d!.id])).body.message;
    expect(addedD).toMatchObject({ system: { kind: 'members-added', userIds: [d!.id] } });
    expect((await removeMember(t.url, a!.token, id, c!.id)).body.message).toMatchObject({ system: { kind: 'member-removed', actorId: a!.id, userIds: [c!.id] } });
    expect((await removeMember(t.url, b!.token, id, b!.id)).body).toMatchObject({ conversation: { members: [] }, message: { system: { kind: 'member-left' } } });
    // The last admin leaves: the oldest member left (d, the only one) is promoted.
    const lastAdminLeft = await removeMember(t.url, a!.token, id, a!.id);
    expect(lastAdminLeft).toMatchObject({ status: 200, body: { message: { system: { kind: 'member-left', userIds: [a!.id], promotedIds: [d!.id] } } } });
    expect((await getGroup(t.url, d!.token, id)).body.conversation.members).toEqual([{ userId: d!.id, role: 'admin', sinceSeq: addedD!.seq }]);
    expect((await renameGroup(t.url, d!.token, id, 'Mine now')).status).toBe(200);
    const kinds = (await groupHistory(t.url, d!.token, id)).map((m) => m.system?.kind ?? m.body);
    expect(kinds).toEqual(['members-added', 'member-removed', 'member-left', 'member-left', 'title-changed']);
    // Former members are no members: no changes, no sends, no GET.
    expect(await renameGroup(t.url, a!.token, id, 'Back')).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await sendToGroup(t.url, c!.token, id, 'still here?')).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await getGroup(t.url, b!.token, id)).toMatchObject(error(403, 'FORBIDDEN'));
  });

  it('a change with a clientId applies once however often it is sent', async () => {
    const [a, b, c] = await registerMany(t.url, 3);
    const id = (await createGroup(t.url, a!.token, [b!.id])).body.conversation.id;
    const [rename, add] = [randomUUID(), randomUUID()];
    const first = await renameGroup(t.url, a!.token, id, 'Once', rename);
    await renameGroup(t.url, a!.token, id, 'Between');
    const again = await renameGroup(t.url, a!.token, id, 'Once', rename);
    expect(again.body.message).toEqual(first.body.message);
    expect(again.body.conversation.title).toBe('Between'); // the group as it is now
    const added = await addMembers(t.url, a!.token, id, [c!.id], add);
    expect((await addMembers(t.url, a!.token, id, [c!.id], add)).body.message).toEqual(added.body.message);
    const leave = randomUUID();
    const left = await removeMember(t.url, c!.token, id, c!.id, leave);
    expect((await removeMember(t.url, c!.token, id, c!.id, leave)).body.message).toEqual(left.body.message);
    const kinds = (await groupHistory(t.url, a!.token, id)).map((m) => m.system?.kind);
    expect(kinds).toEqual(['group-created', 'title-changed', 'title-changed', 'members-added', 'member-left']);
  });

  it('blocks: nobody is put into a group by someone they blocked; inside a group blocks do not stop messages', async () => {
    const [a, b, c] = await registerMany(t.url, 3);
    expect((await http(t.url, `/api/users/${a!.id}/block`, { method: 'POST', token: c!.token })).status).toBe(204);
    expect(await createGroup(t.url, a!.token, [b!.id, c!.id])).toMatchObject(error(403, 'FORBIDDEN'));
    const id = (await createGroup(t.url, a!.token, [b!.id])).body.conversation.id;
    expect(await addMembers(t.url, a!.token, id, [c!.id])).toMatchObject(error(403, 'FORBIDDEN'));
    // The blocker may add the person they blocked, and both write in the group.
    const other = (await createGroup(t.url, c!.token, [a!.id, b!.id])).body.conversation.id;
    expect((await sendToGroup(t.url, a!.token, other, 'from the blocked one')).status).toBe(201);
    expect((await groupHistory(t.url, c!.token, other)).map((m) => m.body).at(-1)).toBe('from the blocked one');
  });

  it('make admin: admins only, once per clientId, a member only; the new admin may then change the group', async () => {
    const [a, b, c, outsider] = await registerMany(t.url, 4);
    const id = (await createGroup(t.url, a!.token, [b!.id, c!.id])).body.conversation.id;
    expect(await promoteMember(t.url, b!.token, id, c!.id)).toMatchObject(error(403, 'FORBIDDEN'));
    expect(await promoteMember(t.url, a!.token, id, outsider!.id)).toMatchObject(error(404, 'NOT_FOUND'));
    expect(await http(t.url, `/api/conversations/${id}/members/${b!.id}`, { method: 'PATCH', token: a!.token, json: { role: 'member' } })).toMatchObject(error(400, 'VALIDATION'));
    const clientId = randomUUID();
    const promoted = await promoteMember(t.url, a!.token, id, b!.id, clientId);
    expect(promoted).toMatchObject({ status: 200, body: { message: { type: 'system', system: { kind: 'member-promoted', actorId: a!.id, userIds: [b!.id] } } } });
    expect((await promoteMember(t.url, a!.token, id, b!.id, clientId)).body.message?.id).toBe(promoted.body.message!.id);
    expect((await promoteMember(t.url, a!.token, id, b!.id)).body.message).toBeNull(); // already an admin
    expect(byUser(promoted.body.conversation.members)).toEqual(byUser([{ userId: a!.id, role: 'admin', sinceSeq: 1 }, { userId: b!.id, role: 'admin', sinceSeq: 1 }, { userId: c!.id, role: 'member', sinceSeq: 1 }]));
    expect((await renameGroup(t.url, b!.token, id, 'Co-run')).status).toBe(200);
    // Two admins: the first leaving promotes nobody.
    await removeMember(t.url, a!.token, id, a!.id);
    expect(byUser((await getGroup(t.url, c!.token, id)).body.conversation.members)).toEqual(byUser([{ userId: b!.id, role: 'admin', sinceSeq: 1 }, { userId: c!.id, role: 'member', sinceSeq: 1 }]));
  });
});

noteMongoSkip('groups');
