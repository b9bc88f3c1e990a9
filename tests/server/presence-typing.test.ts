import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import {
  http,
  noteMongoSkip,
  record,
  register,
  roundTrip,
  sendOverRest,
  STORE_VARIANTS,
  useTestServer,
  waitFor,
} from './helpers.ts';
import { captureServerLog, disconnectOf } from './server-log.ts';

describe.each(STORE_VARIANTS)('presence and typing on $kind', (variant) => {
  const log = captureServerLog();
  const t = useTestServer(variant, { logger: log.logger });

  it('typing is relayed with the conversation id and stops when told', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    await sendOverRest(t.url, a.token, b.id, 'typing goes only between people who share a conversation');
    const [sa, sb] = [await t.open(a.token), await t.open(b.token)];
    const events: string[] = [];
    sb.on('typing', (e) => events.push(`typing ${e.from} ${e.conversationId}`));
    sb.on('typing-stopped', (e) => events.push(`stopped ${e.from} ${e.conversationId}`));
    const conv = directConversationId(a.id, b.id);
    sa.emit('typing', { to: b.id });
    await waitFor('typing relayed', () => events.length === 1);
    sa.emit('typing-stopped', { to: b.id });
    await waitFor('stop relayed', () => events.length === 2);
    expect(events).toEqual([`typing ${a.id} ${conv}`, `stopped ${a.id} ${conv}`]);
  });

  it('a typing state expires by itself (server timer, default 5 s TTL)', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    await sendOverRest(t.url, a.token, b.id, 'typing goes only between people who share a conversation');
    const [sa, sb] = [await t.open(a.token), await t.open(b.token)];
    const events: string[] = [];
    sb.on('typing', () => events.push('typing'));
    sb.on('typing-stopped', () => events.push('stopped'));
    sa.emit('typing', { to: b.id });
    await waitFor('typing relayed', () => events.length === 1);
    // The client never sends typing-stopped; the server must end it on its own (within 5 s + slack).
    await waitFor('typing expired', () => events.length === 2, 9_000);
    expect(events).toEqual(['typing', 'stopped']);
  }, 20_000);

  it('typing to yourself or to an unknown user goes nowhere and breaks nothing', async () => {
    const a = await register(t.url);
    const sa = await t.open(a.token);
    const mine = record(sa, 'typing');
    // With an ack (clients send typing without one; the server answers when asked), so each ack
    // says the server is done with that event: a relay to `sa` would have come before it.
    const raw = sa as unknown as { timeout(ms: number): { emitWithAck(ev: string, p: unknown): Promise<unknown> } };
    const typing = (payload: unknown) => raw.timeout(5000).emitWithAck('typing', payload);
    expect(await typing({ to: a.id })).toEqual({ ok: true });
    expect(await typing({ to: 'no-such-user' })).toEqual({ ok: true });
    expect(await typing('garbage')).toMatchObject({ ok: false, code: 'VALIDATION' });
    expect(mine).toEqual([]);
    expect(await sa.timeout(5000).emitWithAck('user-status', { userId: a.id })).toMatchObject({ ok: true, online: true });
  });

  it('online while any socket is open; offline (with lastSeen) only after the last one closes', async () => {
    const watcher = await register(t.url, 'watch');
    const multi = await register(t.url, 'multi');
    await sendOverRest(t.url, watcher.token, multi.id, 'we share a conversation');
    const w = await t.open(watcher.token);
    const online = record(w, 'user-online');
    const offline = record(w, 'user-offline');
    const status = () => w.timeout(5000).emitWithAck('user-status', { userId: multi.id });

    expect(await status()).toEqual({ ok: true, online: false, lastSeen: null });
    const phone = await t.open(multi.token);
    await waitFor('user-online', () => online.some((e) => e.userId === multi.id));
    const laptop = await t.open(multi.token);
    expect(await status()).toMatchObject({ ok: true, online: true });

    const phoneId = phone.id!;
    phone.close();
    // The laptop closes only once the server has seen the phone go (else both could look like
    // the last socket). Its presence check then finishes within that turn, before this status.
    await log.waitFor('the server handled the phone’s disconnect', disconnectOf(phoneId));
    expect(await status()).toMatchObject({ ok: true, online: true });
    expect(offline).toEqual([]); // the laptop is still connected

    laptop.close();
    await waitFor('user-offline', () => offline.length === 1);
    expect(offline[0]).toEqual({ userId: multi.id, lastSeen: expect.any(String) });
    const after = await status();
    expect(after).toEqual({ ok: true, online: false, lastSeen: offline[0]!.lastSeen });
    expect(offline).toHaveLength(1);
    // REST shows the same presence in the conversation list (the directory search shows none).
    const list = await http(t.url, '/api/messages/conversations', { token: watcher.token });
    expect(list.body.conversations[0].peer).toMatchObject({ id: multi.id, online: false, lastSeen: offline[0]!.lastSeen });
  });

  it('presence goes only to users who share a conversation', async () => {
    const stranger = await register(t.url);
    const u = await register(t.url);
    // A peer who shares a conversation with u: its events show when the announcements went out.
    const peer = await register(t.url);
    await sendOverRest(t.url, peer.token, u.id, 'we share a conversation');
    const s = await t.open(stranger.token);
    const p = await t.open(peer.token);
    const seen = record(s, 'user-online');
    const seenOffline = record(s, 'user-offline');
    const peerOnline = record(p, 'user-online');
    const peerOffline = record(p, 'user-offline');
    const us = await t.open(u.token);
    await waitFor('user-online reaches the peer', () => peerOnline.length === 1);
    us.close();
    await waitFor('user-offline reaches the peer', () => peerOffline.length === 1);
    // Each announcement was one emit to the peers' rooms, so whatever the stranger was sent came
    // before this round trip's ack.
    await roundTrip(s);
    expect(seen).toEqual([]);
    expect(seenOffline).toEqual([]);
  });

  it('user-status: NOT_FOUND for an unknown user, VALIDATION for bad input, tolerant of a missing ack', async () => {
    const a = await register(t.url);
    const sa = await t.open(a.token);
    expect(await sa.timeout(5000).emitWithAck('user-status', { userId: 'nobody' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await sa.timeout(5000).emitWithAck('user-status', {} as never)).toMatchObject({ ok: false, code: 'VALIDATION' });
    (sa.emit as (ev: string, p: unknown) => void)('user-status', { userId: a.id }); // no ack callback
    expect(await sa.timeout(5000).emitWithAck('user-status', { userId: a.id })).toMatchObject({ ok: true, online: true });
  });
});

noteMongoSkip('presence and typing');
