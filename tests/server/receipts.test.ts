import { directConversationId, type Message } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import {
  fullHistory,
  http,
  noteMongoSkip,
  record,
  register,
  roundTrip,
  sendOverRest,
  STORE_VARIANTS,
  syncAll,
  useTestServer,
  waitFor,
} from './helpers.ts';

describe.each(STORE_VARIANTS)('receipts on $kind', (variant) => {
  const t = useTestServer(variant);

  async function sendMany(from: { token: string }, to: string, n: number): Promise<Message[]> {
    const out: Message[] = [];
    for (let i = 0; i < n; i++) out.push((await sendOverRest(t.url, from.token, to, `msg ${i}`)).body.message);
    return out;
  }

  it('an online sender gets message-status delivered, then read; the reader’s other device too', async () => {
    const sender = await register(t.url);
    const reader = await register(t.url);
    const senderSocket = await t.open(sender.token);
    const [readerPhone, readerLaptop] = [await t.open(reader.token), await t.open(reader.token)];
    const toSender = record(senderSocket, 'message-status');
    const toLaptop = record(readerLaptop, 'message-status');
    const toPhone = record(readerPhone, 'message-status');
    const [m1, m2] = await sendMany(sender, reader.id, 2);

    const ack = await readerPhone.timeout(5000).emitWithAck('message-received', { messageIds: [m1!.id, m2!.id] });
    expect(ack).toEqual({ ok: true });
    await waitFor('delivered reaches the sender and the other device', () => toSender.length === 1 && toLaptop.length === 1);
    expect(toSender[0]).toEqual({ messageIds: [m1!.id, m2!.id], conversationId: m1!.conversationId, status: 'delivered', at: expect.any(String) });
    expect(toLaptop[0]).toEqual(toSender[0]);

    expect(await readerPhone.timeout(5000).emitWithAck('message-read', { conversationId: m1!.conversationId, upToSeq: m1!.seq })).toEqual({ ok: true });
    await waitFor('read reaches the sender', () => toSender.length === 2);
    expect(toSender[1]).toMatchObject({ messageIds: [m1!.id], status: 'read' });
    // Statuses are pushed before the receipt is acked, so anything meant for the phone came before its acks.
    expect(toPhone).toEqual([]); // the device that sent the receipt already knows

    const stored = await fullHistory(t.url, sender.token, reader.id);
    expect(stored.map((m) => m.status)).toEqual(['read', 'delivered']);
  });

  it('an offline sender learns statuses through /api/sync, in change order', async () => {
    const sender = await register(t.url);
    const reader = await register(t.url);
    const [m1, m2, m3] = await sendMany(sender, reader.id, 3);
    const before = await syncAll(t.url, sender.token);
    expect(before.messages.map((m) => [m.id, m.status])).toEqual([m1, m2, m3].map((m) => [m!.id, 'sent']));

    const rs = await t.open(reader.token);
    await rs.timeout(5000).emitWithAck('message-received', { messageIds: [m1!.id, m2!.id, m3!.id] });
    await rs.timeout(5000).emitWithAck('message-read', { conversationId: m1!.conversationId, upToSeq: 2 });

    const after = await syncAll(t.url, sender.token, before.cursor);
    const latest = new Map(after.messages.map((m) => [m.id, m.status]));
    expect(Object.fromEntries(latest)).toEqual({ [m1!.id]: 'read', [m2!.id]: 'read', [m3!.id]: 'delivered' });
    // Nothing new since: the cursor is stable and the page empty.
    const idle = await syncAll(t.url, sender.token, after.cursor);
    expect(idle.messages).toEqual([]);
  });

  it('status never moves backwards: a late "received" after "read" changes nothing and pushes nothing', async () => {
    const sender = await register(t.url);
    const reader = await register(t.url);
    const ss = await t.open(sender.token);
    const statuses = record(ss, 'message-status');
    const [m1] = await sendMany(sender, reader.id, 1);
    const rs = await t.open(reader.token);
    await rs.timeout(5000).emitWithAck('message-read', { conversationId: m1!.conversationId, upToSeq: 5 });
    await waitFor('read pushed', () => statuses.length === 1);
    const cursor = (await syncAll(t.url, sender.token)).cursor;

    expect(await rs.timeout(5000).emitWithAck('message-received', { messageIds: [m1!.id] })).toEqual({ ok: true });
    expect(await rs.timeout(5000).emitWithAck('message-read', { conversationId: m1!.conversationId, upToSeq: 1 })).toEqual({ ok: true });
    // A push for those receipts would have been written to ss before rs got its acks.
    await roundTrip(ss);
    expect(statuses.map((s) => s.status)).toEqual(['read']);
    expect((await syncAll(t.url, sender.token, cursor)).messages).toEqual([]);
    expect((await fullHistory(t.url, reader.token, sender.id))[0]!.status).toBe('read');
  });

  it('receipts only apply to messages addressed to the reader', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const stranger = await register(t.url);
    const [m] = await sendMany(a, b.id, 1);
    const ss = await t.open(stranger.token);
    // Someone else's message id: accepted as a no-op (ids are not secrets worth an error), status unchanged.
    expect(await ss.timeout(5000).emitWithAck('message-received', { messageIds: [m!.id] })).toEqual({ ok: true });
    // Your own message: the sender can't mark it delivered either.
    const as = await t.open(a.token);
    await as.timeout(5000).emitWithAck('message-received', { messageIds: [m!.id] });
    expect((await fullHistory(t.url, a.token, b.id))[0]!.status).toBe('sent');
    // Reading a conversation you are not in is FORBIDDEN.
    const forbidden = await ss.timeout(5000).emitWithAck('message-read', { conversationId: directConversationId(a.id, b.id), upToSeq: 1 });
    expect(forbidden).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    // Malformed receipts are VALIDATION.
    expect(await ss.timeout(5000).emitWithAck('message-received', { messageIds: [] })).toMatchObject({ ok: false, code: 'VALIDATION' });
    expect(await ss.timeout(5000).emitWithAck('message-read', { conversationId: 'x', upToSeq: -1 } as never)).toMatchObject({ ok: false, code: 'VALIDATION' });
  });

  it('/api/sync?omit=own-delivered leaves out the reader’s own delivered markings; the default feed and the sender keep them', async () => {
    const sender = await register(t.url);
    const reader = await register(t.url);
    const [m1, m2] = await sendMany(sender, reader.id, 2);
    const first = await syncAll(t.url, reader.token, '', 'own-delivered');
    expect(first.messages.map((m) => m.id)).toEqual([m1!.id, m2!.id]);
    const rs = await t.open(reader.token);
    await rs.timeout(5000).emitWithAck('message-received', { messageIds: [m1!.id, m2!.id] });

    expect((await syncAll(t.url, reader.token, first.cursor, 'own-delivered')).messages).toEqual([]);
    expect((await syncAll(t.url, reader.token, first.cursor)).messages.map((m) => [m.id, m.status])).toEqual([[m1!.id, 'delivered'], [m2!.id, 'delivered']]);
    expect((await syncAll(t.url, sender.token)).messages.map((m) => m.status)).toEqual(['delivered', 'delivered']);
    // A read is the reader's too, and comes.
    await rs.timeout(5000).emitWithAck('message-read', { conversationId: m1!.conversationId, upToSeq: 1 });
    expect((await syncAll(t.url, reader.token, first.cursor, 'own-delivered')).messages.map((m) => [m.id, m.status])).toEqual([[m1!.id, 'read']]);
    // An unknown value is refused, not ignored.
    const bad = await http<{ error: { code: string } }>(t.url, '/api/sync?since=&omit=everything', { token: reader.token });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION']);
  });
});

noteMongoSkip('receipts');
