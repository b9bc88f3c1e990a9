import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import {
  http,
  noteMongoSkip,
  record,
  register,
  sendOverRest,
  settle,
  STORE_VARIANTS,
  useTestServer,
  waitFor,
} from './helpers.ts';

describe.each(STORE_VARIANTS)('presence and typing on $kind', (variant) => {
  const t = useTestServer(variant);

  it('typing is relayed with the conversation id and stops when told', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
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
    sa.emit('typing', { to: a.id });
    sa.emit('typing', { to: 'no-such-user' });
    sa.emit('typing', 'garbage' as never);
    await settle();
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

    phone.close();
    await settle(500);
    expect(offline).toEqual([]); // the laptop is still connected
    expect(await status()).toMatchObject({ ok: true, online: true });

    laptop.close();
    await waitFor('user-offline', () => offline.length === 1);
    expect(offline[0]).toEqual({ userId: multi.id, lastSeen: expect.any(String) });
    const after = await status();
    expect(after).toEqual({ ok: true, online: false, lastSeen: offline[0]!.lastSeen });
    // REST shows the same presence.
    const search = await http(t.url, `/api/users?q=${multi.user.username}`, { token: watcher.token });
    expect(search.body.users[0]).toMatchObject({ id: multi.id, online: false, lastSeen: offline[0]!.lastSeen });
  });

  it('presence goes only to users who share a conversation', async () => {
    const stranger = await register(t.url);
    const u = await register(t.url);
    const s = await t.open(stranger.token);
    const seen = record(s, 'user-online');
    const us = await t.open(u.token);
    us.close();
    await settle();
    expect(seen).toEqual([]);
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
