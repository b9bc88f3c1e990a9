/**
 * Message search and per-chat mute over real HTTP and Socket.io (issue #18):
 * GET /api/messages/search only in the caller's conversations (and with a conversationId of
 * theirs), newest first, limit bounds, queries without words; PUT /api/conversations/:id/mute and
 * GET /api/conversations/mutes, `conversation-muted` to the user's sockets (not anyone else's),
 * `muted: true` in conversation summaries (GET /api/messages/conversations and /api/conversations/:id).
 */
import { directConversationId, type ConversationMute, type Message } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { createGroup, sendToGroup } from './group-helpers.ts';
import { http, noteMongoSkip, record, register, roundTrip, sendOverRest, STORE_VARIANTS, useTestServer, waitFor } from './helpers.ts';

describe.each(STORE_VARIANTS)('message search and mute on $kind', (variant) => {
  const t = useTestServer(variant);
  const search = (token: string | undefined, query: string) => http<{ messages: Message[] }>(t.url, `/api/messages/search?${query}`, token ? { token } : {});

  it('finds the caller’s messages by word prefixes, newest first, only in their conversations; conversationId and limit narrow it', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((p) => register(t.url, p)));
    const word = `zq${Math.random().toString(36).slice(2, 8)}`; // unique to this test's messages
    const m1 = (await sendOverRest(t.url, alice!.token, bob!.id, `${word}alpha first Café`)).body.message;
    const m2 = (await sendOverRest(t.url, bob!.token, alice!.id, `second ${word}beta cafe`)).body.message;
    const group = (await createGroup(t.url, alice!.token, [carol!.id], 'G')).body.conversation;
    const m3 = (await sendToGroup(t.url, carol!.token, group.id, `${word}gamma in the group`)).body.message;
    const m4 = (await sendOverRest(t.url, carol!.token, bob!.id, `${word} between bob and carol`)).body.message;

    const all = await search(alice!.token, `q=${word}`);
    expect(all.status).toBe(200);
    expect(all.body.messages.map((m) => m.id)).toEqual([m3.id, m2.id, m1.id]);
    expect(all.body.messages[0]).toMatchObject({ type: 'text', reactions: [], attachments: [] });
    // Every word must match the start of a word; case and accents do not matter.
    expect((await search(alice!.token, `q=${encodeURIComponent(`CAFÉ ${word}`)}`)).body.messages.map((m) => m.id)).toEqual([m2.id, m1.id]);
    expect((await search(alice!.token, `q=${word}alpha%20nothinglikethis`)).body.messages).toEqual([]);
    expect((await search(alice!.token, `q=${word}&limit=1`)).body.messages.map((m) => m.id)).toEqual([m3.id]);
    const dm = directConversationId(alice!.id, bob!.id);
    expect((await search(alice!.token, `q=${word}&conversationId=${dm}`)).body.messages.map((m) => m.id)).toEqual([m2.id, m1.id]);
    expect((await search(bob!.token, `q=${word}`)).body.messages.map((m) => m.id)).toEqual([m4.id, m2.id, m1.id]);
    expect((await search(carol!.token, `q=${word}`)).body.messages.map((m) => m.id)).toEqual([m4.id, m3.id]);
  });

  it('refuses others’ conversations, bad limits, empty queries and anonymous callers; a query of no words finds nothing', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((p) => register(t.url, p)));
    const group = (await createGroup(t.url, bob!.token, [carol!.id], 'Not Alice’s')).body.conversation;
    await sendToGroup(t.url, bob!.token, group.id, 'secret plans');
    const code = (r: { status: number; body: any }) => [r.status, r.body?.error?.code];
    expect(code(await search(undefined, 'q=secret'))).toEqual([401, 'UNAUTHENTICATED']);
    expect(code(await search(alice!.token, `q=secret&conversationId=${directConversationId(bob!.id, carol!.id)}`))).toEqual([403, 'FORBIDDEN']);
    expect(code(await search(alice!.token, `q=secret&conversationId=${group.id}`))).toEqual([403, 'FORBIDDEN']);
    expect(code(await search(alice!.token, 'q=secret&conversationId=g:00000000-0000-7000-8000-000000000000'))).toEqual([404, 'NOT_FOUND']);
    expect((await search(alice!.token, 'q=secret')).body.messages).toEqual([]);
    for (const q of ['q=', 'q=%20%20', 'q=secret&limit=0', 'q=secret&limit=51', 'q=secret&limit=x', '', `q=${'a'.repeat(201)}`]) {
      expect([q, ...code(await search(alice!.token, q))]).toEqual([q, 400, 'VALIDATION']);
    }
    expect((await search(alice!.token, 'q=secret&limit=50')).status).toBe(200);
    expect(await search(carol!.token, 'q=%21%3F%20...')).toEqual({ status: 200, body: { messages: [] } });
    expect((await search(carol!.token, 'q=secr')).body.messages.map((m) => m.body)).toEqual(['secret plans']);
  });

  it('mute: 200 { mute }, the user’s sockets hear conversation-muted (nobody else’s), GET /mutes and the summaries show it; unmute stays a record', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((p) => register(t.url, p)));
    await sendOverRest(t.url, bob!.token, alice!.id, 'hi');
    const dm = directConversationId(alice!.id, bob!.id);
    const group = (await createGroup(t.url, carol!.token, [alice!.id], 'Loud')).body.conversation;
    const [phone, laptop, bobs] = [await t.open(alice!.token), await t.open(alice!.token), await t.open(bob!.token)];
    const heard = { phone: record(phone, 'conversation-muted'), laptop: record(laptop, 'conversation-muted'), bob: record(bobs, 'conversation-muted') };

    const put = (token: string, id: string, muted: unknown) => http<{ mute: ConversationMute }>(t.url, `/api/conversations/${id}/mute`, { method: 'PUT', token, json: { muted } });
    const muted = await put(alice!.token, group.id, true);
    expect(muted.status).toBe(200);
    expect(muted.body.mute).toEqual({ conversationId: group.id, muted: true, changedAt: expect.any(String) });
    await waitFor('alice’s sockets hear it', () => heard.phone.length === 1 && heard.laptop.length === 1);
    expect(heard.laptop[0]).toEqual({ mute: muted.body.mute });
    await roundTrip(bobs);
    expect(heard.bob).toEqual([]);

    const list = (await http(t.url, '/api/messages/conversations', { token: alice!.token })).body.conversations as { id: string; muted?: boolean }[];
    expect(list.find((c) => c.id === group.id)?.muted).toBe(true);
    expect(list.find((c) => c.id === dm)).not.toHaveProperty('muted');
    expect((await http(t.url, `/api/conversations/${group.id}`, { token: alice!.token })).body.conversation.muted).toBe(true);
    expect((await http(t.url, `/api/conversations/${group.id}`, { token: carol!.token })).body.conversation).not.toHaveProperty('muted');

    // The same again is the same state (a new changedAt); a direct chat can be muted by either person.
    expect((await put(alice!.token, group.id, true)).body.mute.muted).toBe(true);
    expect((await put(alice!.token, dm, true)).status).toBe(200);
    const unmuted = await put(alice!.token, group.id, false);
    expect(unmuted.body.mute).toMatchObject({ conversationId: group.id, muted: false });
    const mutes = (await http<{ mutes: ConversationMute[] }>(t.url, '/api/conversations/mutes', { token: alice!.token })).body.mutes;
    expect(mutes.map(({ conversationId, muted: m }) => [conversationId, m]).sort()).toEqual([[dm, true], [group.id, false]].sort());
    expect((await http(t.url, `/api/conversations/${dm}`, { token: alice!.token })).body.conversation.muted).toBe(true);
    expect((await http(t.url, `/api/conversations/${group.id}`, { token: alice!.token })).body.conversation).not.toHaveProperty('muted');
    expect((await http(t.url, '/api/conversations/mutes', { token: bob!.token })).body).toEqual({ mutes: [] });
  });

  it('mute: members and participants only; unknown group NOT_FOUND; bad bodies VALIDATION; auth required', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((p) => register(t.url, p)));
    const group = (await createGroup(t.url, bob!.token, [carol!.id], 'Private')).body.conversation;
    const put = (token: string | undefined, id: string, json: unknown) => http(t.url, `/api/conversations/${id}/mute`, { method: 'PUT', ...(token ? { token } : {}), json });
    const code = (r: { status: number; body: any }) => [r.status, r.body?.error?.code];
    expect(code(await put(alice!.token, group.id, { muted: true }))).toEqual([403, 'FORBIDDEN']);
    expect(code(await put(alice!.token, directConversationId(bob!.id, carol!.id), { muted: true }))).toEqual([403, 'FORBIDDEN']);
    expect(code(await put(alice!.token, 'g:00000000-0000-7000-8000-000000000000', { muted: true }))).toEqual([404, 'NOT_FOUND']);
    expect(code(await put(alice!.token, group.id, { muted: 'yes' }))).toEqual([400, 'VALIDATION']);
    expect(code(await put(carol!.token, group.id, {}))).toEqual([400, 'VALIDATION']);
    expect(code(await put(undefined, group.id, { muted: true }))).toEqual([401, 'UNAUTHENTICATED']);
    expect(code(await http(t.url, '/api/conversations/mutes'))).toEqual([401, 'UNAUTHENTICATED']);
    expect((await http(t.url, '/api/conversations/mutes', { token: alice!.token })).body).toEqual({ mutes: [] });
  });
});
describe('SEARCH_RATE_LIMIT', () => {
  const t = useTestServer(STORE_VARIANTS[0]!, { searchRateLimit: 3, sendRateWindowMs: 2_000 });

  it('the 4th search of a user within the window is 429 RATE_LIMITED with Retry-After; others still search, the user sends, and searches again after it', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((p) => register(t.url, p)));
    await sendOverRest(t.url, alice!.token, bob!.id, 'limits apply');
    const search = (token: string) => fetch(`${t.url}/api/messages/search?q=limits`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) expect((await search(alice!.token)).status).toBe(200);
    const refused = await search(alice!.token);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    // A budget per user, and not the sends' one.
    expect((await search(bob!.token)).status).toBe(200);
    expect((await sendOverRest(t.url, alice!.token, bob!.id, 'still sending')).status).toBe(201);
    // Validation comes first: a malformed query is 400 VALIDATION even over the limit (and is not counted).
    expect((await fetch(`${t.url}/api/messages/search?q=`, { headers: { authorization: `Bearer ${alice!.token}` } })).status).toBe(400);
    await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000 + 100));
    const again = await search(alice!.token);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { messages: Message[] }).messages.map((m) => m.body)).toEqual(['limits apply']);
  });
});

noteMongoSkip('message search and mute');
