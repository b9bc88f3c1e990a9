import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import {
  http,
  noteMongoSkip,
  record,
  register,
  roundTrip,
  sendOverRest,
  sendOverSocket,
  STORE_VARIANTS,
  useTestServer,
  waitFor,
  type ClientSocket,
} from './helpers.ts';

/** typing with an ack: once it resolves, the server is done with the event (a relay would have been emitted). */
const typingAcked = (socket: ClientSocket, to: string) =>
  (socket as unknown as { timeout(ms: number): { emitWithAck(ev: string, p: unknown): Promise<unknown> } }).timeout(5000).emitWithAck('typing', { to });
const status = (socket: ClientSocket, userId: string) => socket.timeout(5000).emitWithAck('user-status', { userId });

describe.each(STORE_VARIANTS)('privacy on $kind', (variant) => {
  const t = useTestServer(variant);

  it('the directory search needs 2 characters and shows nobody’s presence', async () => {
    const tag = `pv${Date.now().toString(36)}`;
    const me = await register(t.url, `${tag}a`);
    const other = await register(t.url, `${tag}b`);
    await t.open(other.token); // online right now
    expect((await http(t.url, '/api/users?q=p', { token: me.token })).body.error.code).toBe('VALIDATION');
    expect((await http(t.url, '/api/users?q=', { token: me.token })).status).toBe(400);
    const found = await http(t.url, `/api/users?q=${tag}`, { token: me.token });
    expect(found.body.users).toEqual([expect.objectContaining({ id: other.id, online: false, lastSeen: null })]);
  });

  it('strangers get no presence, no user-status and no typing; sharing a conversation opens all three', async () => {
    const [a, b] = [await register(t.url), await register(t.url)];
    const sa = await t.open(a.token);
    const aOnline = record(sa, 'user-online');
    const aTyping = record(sa, 'typing');
    const sb = await t.open(b.token);
    expect(await status(sa, b.id)).toEqual({ ok: true, online: false, lastSeen: null });
    expect(await typingAcked(sb, a.id)).toEqual({ ok: true });
    await roundTrip(sa);
    expect(aTyping).toEqual([]);
    expect(aOnline.filter((e) => e.userId === b.id)).toEqual([]);

    const bOnline = record(sb, 'user-online');
    expect((await sendOverSocket(sb, a.id, 'hello')).ok).toBe(true);
    // The first message makes them contacts: each is told the other is online there and then.
    await waitFor('a told that b is online', () => aOnline.some((e) => e.userId === b.id));
    await waitFor('b told that a is online', () => bOnline.some((e) => e.userId === a.id));
    expect(await status(sa, b.id)).toMatchObject({ ok: true, online: true });
    await typingAcked(sb, a.id);
    await waitFor('typing relayed once they share a conversation', () => aTyping.length === 1);
    expect(aTyping[0]).toEqual({ from: b.id, conversationId: directConversationId(a.id, b.id) });
    aOnline.length = 0;
    const again = await t.open(b.token);
    await waitFor('user-online to the new contact', () => aOnline.some((e) => e.userId === b.id));
    again.close();
  });

  it('a first message tells the sender when the recipient was last seen, and the second message tells nothing new', async () => {
    const [a, b] = [await register(t.url), await register(t.url)];
    (await t.open(b.token)).close();
    // b's own view of itself shows its lastSeen once the disconnect is settled.
    let seenAt: string | null = null;
    await waitFor('b offline with a lastSeen', async () => {
      seenAt = (await http(t.url, '/api/users/me', { token: b.token })).body.user?.lastSeen ?? null;
      return seenAt !== null;
    });
    const sa = await t.open(a.token);
    const offline = record(sa, 'user-offline');
    const online = record(sa, 'user-online');
    expect((await sendOverSocket(sa, b.id, 'are you there?')).ok).toBe(true);
    await waitFor('a told when b was last seen', () => offline.length === 1);
    expect(offline).toEqual([{ userId: b.id, lastSeen: seenAt }]);
    expect((await sendOverSocket(sa, b.id, 'hello?')).ok).toBe(true);
    await roundTrip(sa);
    expect(offline).toHaveLength(1);
    expect(online).toEqual([]);
  });

  it('blocking: sends either way are FORBIDDEN, presence and typing stop, unblocking restores them', async () => {
    const [ann, bob] = [await register(t.url), await register(t.url)];
    expect((await sendOverRest(t.url, ann.token, bob.id, 'hi bob')).status).toBe(201);
    const sa = await t.open(ann.token);
    const sb = await t.open(bob.token);
    const annOffline = record(sa, 'user-offline');
    const annTyping = record(sa, 'typing');
    const annOnline = record(sa, 'user-online');
    expect(await status(sa, bob.id)).toMatchObject({ online: true });

    expect((await http(t.url, `/api/users/${ann.id}/block`, { method: 'POST', token: bob.token })).status).toBe(204);
    // Blocking twice is fine; so is listing.
    expect((await http(t.url, `/api/users/${ann.id}/block`, { method: 'POST', token: bob.token })).status).toBe(204);
    const listed = await http(t.url, '/api/users/blocked', { token: bob.token });
    expect(listed.body.users).toEqual([expect.objectContaining({ id: ann.id, online: false, lastSeen: null })]);
    await waitFor('ann is told bob went offline', () => annOffline.some((e) => e.userId === bob.id));
    // From here on nothing about bob may reach ann (bob's first connect was announced before the block).
    annOnline.length = 0;
    annTyping.length = 0;

    expect(await sendOverSocket(sa, bob.id, 'are you there?')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await sendOverRest(t.url, ann.token, bob.id, 'hello?')).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await sendOverSocket(sb, ann.id, 'bye')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await status(sa, bob.id)).toEqual({ ok: true, online: false, lastSeen: null });
    await typingAcked(sb, ann.id);
    const bob2 = await t.open(bob.token);
    await roundTrip(sa);
    expect(annTyping).toEqual([]);
    expect(annOnline.filter((e) => e.userId === bob.id)).toEqual([]);
    const list = await http(t.url, '/api/messages/conversations', { token: ann.token });
    expect(list.body.conversations[0].peer).toMatchObject({ id: bob.id, online: false, lastSeen: null });
    bob2.close();

    expect((await http(t.url, `/api/users/${ann.id}/block`, { method: 'DELETE', token: bob.token })).status).toBe(204);
    await waitFor('ann sees bob online again as soon as he unblocks her', () => annOnline.some((e) => e.userId === bob.id));
    expect(await sendOverSocket(sa, bob.id, 'friends again')).toMatchObject({ ok: true });
    expect(await status(sa, bob.id)).toMatchObject({ ok: true, online: true });
  });

  it('block input: yourself is VALIDATION, an unknown id NOT_FOUND', async () => {
    const a = await register(t.url);
    expect((await http(t.url, `/api/users/${a.id}/block`, { method: 'POST', token: a.token })).body.error.code).toBe('VALIDATION');
    expect((await http(t.url, '/api/users/nobody-here/block', { method: 'POST', token: a.token })).body.error.code).toBe('NOT_FOUND');
    expect((await http(t.url, `/api/users/${a.id}/block`, { method: 'POST' })).status).toBe(401);
  });
});

noteMongoSkip('privacy');
