import { directConversationId, type Message } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import {
  fullHistory,
  http,
  newClientId,
  noteMongoSkip,
  record,
  register,
  roundTrip,
  sendOverRest,
  sendOverSocket,
  STORE_VARIANTS,
  useTestServer,
  waitFor,
} from './helpers.ts';

describe.each(STORE_VARIANTS)('messaging on $kind', (variant) => {
  const t = useTestServer(variant);

  it('two users chat in real time: ack to the sender, new-message to the peer and the sender’s other devices', async () => {
    const alice = await register(t.url, 'alice');
    const bob = await register(t.url, 'bob');
    const [a1, a2, b1] = [await t.open(alice.token), await t.open(alice.token), await t.open(bob.token)];
    const got = { a1: record(a1, 'new-message'), a2: record(a2, 'new-message'), b1: record(b1, 'new-message') };

    const ack = await sendOverSocket(a1, bob.id, '  hello bob  ');
    expect(ack).toEqual({ ok: true, message: expect.objectContaining({ body: 'hello bob', seq: 1, status: 'sent', senderId: alice.id, recipientId: bob.id }) });
    if (!ack.ok) throw new Error('unreachable');
    expect(ack.message.conversationId).toBe(directConversationId(alice.id, bob.id));
    await waitFor('bob and alice’s second device get it', () => got.b1.length === 1 && got.a2.length === 1);
    expect(got.b1[0]!.message).toEqual(ack.message);
    expect(got.a2[0]!.message).toEqual(ack.message);

    // Bob answers over REST: every socket of both users hears about it (REST has no "this socket").
    const reply = await sendOverRest(t.url, bob.token, alice.id, 'hi alice');
    expect(reply.status).toBe(201);
    expect(reply.body.message.seq).toBe(2);
    await waitFor('the reply reaches all three sockets', () => got.a1.length === 1 && got.a2.length === 2 && got.b1.length === 2);
    // The socket that sent the first message never got its own message echoed. An echo would have
    // been written to a1 right after its ack, so before the reply, which a1 already has.
    expect(got.a1.map((e) => e.message.body)).toEqual(['hi alice']);
  });

  it('REST send: 201 the first time, 200 with the same stored message for a repeated clientId', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const clientId = newClientId();
    const first = await sendOverRest(t.url, a.token, b.id, 'once', clientId);
    const again = await sendOverRest(t.url, a.token, b.id, 'once (edited retry)', clientId);
    expect(first.status).toBe(201);
    expect(again).toEqual({ status: 200, body: first.body });
    // A clientId is scoped to its sender: another user may use the same one.
    const other = await sendOverRest(t.url, b.token, a.id, 'mine', clientId);
    expect(other.status).toBe(201);
    expect(other.body.message.id).not.toBe(first.body.message.id);
  });

  it('the same clientId sent 50 times concurrently over socket and REST → exactly one message', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const [s1, s2, rb] = [await t.open(a.token), await t.open(a.token), await t.open(b.token)];
    const heard = record(rb, 'new-message');
    const clientId = newClientId();
    const overSocket = Array.from({ length: 25 }, (_, i) => sendOverSocket(i % 2 ? s1 : s2, b.id, 'exactly once', clientId));
    const overRest = Array.from({ length: 25 }, () => sendOverRest(t.url, a.token, b.id, 'exactly once', clientId));
    const [acks, posts] = await Promise.all([Promise.all(overSocket), Promise.all(overRest)]);

    const messages = [...acks.map((x) => (x.ok ? x.message : null)), ...posts.map((p) => p.body.message as Message)];
    expect(messages.every((m) => m !== null)).toBe(true);
    expect(new Set(messages.map((m) => m!.id)).size).toBe(1);
    expect(new Set(messages.map((m) => m!.seq))).toEqual(new Set([1]));
    expect(posts.filter((p) => p.status === 201).length).toBeLessThanOrEqual(1);
    expect(posts.every((p) => p.status === 200 || p.status === 201)).toBe(true);

    const history = await fullHistory(t.url, a.token, b.id);
    expect(history.map((m) => m.clientId)).toEqual([clientId]);
    // Every send was announced (or not) before its ack or response, all of which are here.
    await roundTrip(rb);
    expect(heard).toHaveLength(1); // announced once, not once per duplicate
  });

  it('seq stays 1, 2, 3 … without gaps under concurrent senders on both sides', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const c = await register(t.url);
    const [sa, sb, sc] = [await t.open(a.token), await t.open(b.token), await t.open(c.token)];
    const N = 40;
    const sends: Promise<Message>[] = [];
    for (let i = 0; i < N; i++) {
      sends.push(sendOverSocket(sa, b.id, `a→b ${i}`).then((r) => (r.ok ? r.message : Promise.reject(r))));
      sends.push(sendOverRest(t.url, b.token, a.id, `b→a ${i}`).then((r) => r.body.message));
      sends.push(sendOverSocket(sc, a.id, `c→a ${i}`).then((r) => (r.ok ? r.message : Promise.reject(r))));
      if (i % 4 === 0) sends.push(sendOverSocket(sb, a.id, `b→a socket ${i}`).then((r) => (r.ok ? r.message : Promise.reject(r))));
    }
    const acked = await Promise.all(sends);
    const ab = directConversationId(a.id, b.id);
    const abAcked = acked.filter((m) => m.conversationId === ab);
    const history = await fullHistory(t.url, a.token, b.id);
    expect(history.map((m) => m.seq)).toEqual(Array.from({ length: abAcked.length }, (_, i) => i + 1));
    expect(new Set(abAcked.map((m) => m.seq)).size).toBe(abAcked.length);
    // What each sender was acked is exactly what is stored.
    const byId = new Map(history.map((m) => [m.id, m]));
    for (const m of abAcked) expect(byId.get(m.id)).toMatchObject({ seq: m.seq, body: m.body });
    // Per sender and socket, order is kept: later sends get later seqs.
    const aSeqs = abAcked.filter((m) => m.senderId === a.id).sort((x, y) => Number(x.body.split(' ')[1]) - Number(y.body.split(' ')[1]));
    expect(aSeqs.map((m) => m.seq)).toEqual([...aSeqs.map((m) => m.seq)].sort((x, y) => x - y));
    const ca = await fullHistory(t.url, c.token, a.id);
    expect(ca.map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it('sending to yourself is VALIDATION, to an unknown user NOT_FOUND, on both transports', async () => {
    const a = await register(t.url);
    const s = await t.open(a.token);
    const self = await sendOverSocket(s, a.id, 'me');
    expect(self).toMatchObject({ ok: false, code: 'VALIDATION' });
    const selfRest = await sendOverRest(t.url, a.token, a.id, 'me');
    expect(selfRest).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    const ghost = await sendOverSocket(s, 'no-such-user-id', 'anyone?');
    expect(ghost).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    const ghostRest = await sendOverRest(t.url, a.token, 'no-such-user-id', 'anyone?');
    expect(ghostRest).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('invalid message input is VALIDATION: empty after trim, over 4,096 characters, bad clientId', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const s = await t.open(a.token);
    const bad = [
      { clientId: newClientId(), to: b.id, body: '   ' },
      { clientId: newClientId(), to: b.id, body: 'x'.repeat(4097) },
      { clientId: 'short', to: b.id, body: 'hi' },
      { clientId: 'has spaces in it', to: b.id, body: 'hi' },
      { clientId: newClientId(), body: 'no recipient' },
    ];
    for (const payload of bad) {
      const ack = await s.timeout(5000).emitWithAck('send-message', payload as never);
      expect(ack, JSON.stringify(payload).slice(0, 80)).toMatchObject({ ok: false, code: 'VALIDATION' });
      const res = await http(t.url, '/api/messages', { token: a.token, json: payload });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
    const max = await sendOverSocket(s, b.id, 'y'.repeat(4096));
    expect(max.ok).toBe(true);
  });

  it('history by with= or id=, paged with cursors; FORBIDDEN for a conversation you are not in', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const outsider = await register(t.url);
    for (let i = 1; i <= 7; i++) await sendOverRest(t.url, i % 2 ? a.token : b.token, i % 2 ? b.id : a.id, `m${i}`);
    const id = directConversationId(a.id, b.id);

    const page1 = await http(t.url, `/api/messages/conversation?with=${b.id}&limit=3`, { token: a.token });
    expect(page1.status).toBe(200);
    expect(page1.body.messages.map((m: Message) => m.body)).toEqual(['m5', 'm6', 'm7']);
    const page2 = await http(t.url, `/api/messages/conversation?id=${id}&limit=3&before=${page1.body.nextCursor}`, { token: b.token });
    expect(page2.body.messages.map((m: Message) => m.body)).toEqual(['m2', 'm3', 'm4']);
    const page3 = await http(t.url, `/api/messages/conversation?id=${id}&limit=3&before=${page2.body.nextCursor}`, { token: b.token });
    expect(page3.body).toEqual({ messages: [expect.objectContaining({ body: 'm1', seq: 1 })], nextCursor: null });

    const forbidden = await http(t.url, `/api/messages/conversation?id=${encodeURIComponent(id)}`, { token: outsider.token });
    expect(forbidden).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const errors = [
      [`with=${a.id}`, 400], // yourself
      [`with=nobody-here`, 404],
      [`with=${b.id}&id=${id}`, 400],
      [``, 400],
      [`with=${b.id}&limit=0`, 400],
      [`with=${b.id}&limit=201`, 400],
      [`with=${b.id}&before=not-a-cursor`, 400],
    ] as const;
    for (const [q, status] of errors) {
      const res = await http(t.url, `/api/messages/conversation?${q}`, { token: a.token });
      expect(res.status, q).toBe(status);
      expect(res.body.error.code).toBe(status === 404 ? 'NOT_FOUND' : 'VALIDATION');
    }
  });

  it('lists conversations newest first with peer, last message and unread count', async () => {
    const me = await register(t.url);
    const p1 = await register(t.url, 'peer');
    const p2 = await register(t.url, 'peer');
    await sendOverRest(t.url, p1.token, me.id, 'from p1');
    await sendOverRest(t.url, p1.token, me.id, 'from p1 again');
    await sendOverRest(t.url, me.token, p2.id, 'to p2');
    const p1Socket = await t.open(p1.token);
    const res = await http(t.url, '/api/messages/conversations', { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body.conversations).toEqual([
      expect.objectContaining({ id: directConversationId(me.id, p2.id), unreadCount: 0, lastMessage: expect.objectContaining({ body: 'to p2' }) }),
      expect.objectContaining({
        id: directConversationId(me.id, p1.id),
        unreadCount: 2,
        peer: expect.objectContaining({ id: p1.id, online: true }),
        lastMessage: expect.objectContaining({ body: 'from p1 again' }),
      }),
    ]);
    expect(res.body.conversations[0].peer).toMatchObject({ id: p2.id, online: false });
    p1Socket.close();
  });
});

noteMongoSkip('messaging');
