/**
 * Profiles over real HTTP and Socket.io (#19 item 12; docs/api.md "Profile"): PATCH /api/users/me
 * validates with the shared schema (400 VALIDATION, bidi controls refused, only the caller's own
 * image uploads as a photo), GET /api/users/:id/avatar serves the photo's WebP thumbnail with the
 * attachment safety headers, ETag = avatar id and 304, and `user-updated` reaches the user's
 * other socket and a contact (nobody else), and every list of users carries the new profile.
 */
import sharp from 'sharp';
import type { User } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { download, uploaded } from './attachments-helpers.ts';
import { http, record, register, roundTrip, sendOverRest, STORE_VARIANTS, useTestServer, waitFor } from './helpers.ts';

const png = (r: number) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g: 80, b: 40 } } }).png().toBuffer();

describe.each(STORE_VARIANTS)('profile on $kind', (variant) => {
  const t = useTestServer(variant);
  const patch = (token: string | undefined, json: unknown) => http<{ user: User }>(t.url, '/api/users/me', { method: 'PATCH', ...(token ? { token } : {}), json });
  const code = (r: { status: number; body: any }) => [r.status, r.body?.error?.code];

  it('changes the fields present and answers the user; every list of users shows it', async () => {
    const [alice, bob] = await Promise.all([register(t.url, 'alice'), register(t.url, 'bob')]);
    await sendOverRest(t.url, alice.token, bob.id, 'hi');
    const named = await patch(alice.token, { displayName: '  Alice Liddell ', about: 'Down the rabbit hole' });
    expect(named.status).toBe(200);
    expect(named.body.user).toMatchObject({ id: alice.id, displayName: 'Alice Liddell', about: 'Down the rabbit hole', avatar: null });
    expect((await patch(alice.token, { about: '' })).body.user).toMatchObject({ displayName: 'Alice Liddell', about: '' });
    expect((await http(t.url, '/api/users/me', { token: alice.token })).body.user).toMatchObject({ displayName: 'Alice Liddell', about: '' });
    const looked = (await http(t.url, `/api/users?ids=${alice.id}`, { token: bob.token })).body.users as User[];
    expect(looked[0]).toMatchObject({ displayName: 'Alice Liddell', about: '', avatar: null });
    const list = (await http(t.url, '/api/messages/conversations', { token: bob.token })).body.conversations as { peer?: User; title: string }[];
    expect(list[0]?.peer).toMatchObject({ displayName: 'Alice Liddell', about: '' });
  });

  it('refuses bad input with 400 VALIDATION and anonymous callers with 401; nothing changes', async () => {
    const alice = await register(t.url, 'alice');
    for (const body of [
      {},
      { displayName: '' },
      { displayName: '   ' },
      { displayName: 'x'.repeat(65) },
      { about: 'x'.repeat(141) },
      { displayName: 'evil\u202Eeman' }, // a bidi override
      { about: 'a\u2066b' }, // a bidi isolate
      { avatarId: '' },
      { avatarId: 7 },
      { nickname: 'x' },
      'not an object',
    ]) {
      expect([JSON.stringify(body), ...code(await patch(alice.token, body))]).toEqual([JSON.stringify(body), 400, 'VALIDATION']);
    }
    expect(code(await patch(undefined, { about: 'x' }))).toEqual([401, 'UNAUTHENTICATED']);
    const raw = await fetch(`${t.url}/api/users/me`, { method: 'PATCH', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body: '{' });
    expect(raw.status).toBe(400);
    expect((await patch(alice.token, { about: 'x'.repeat(140) })).status).toBe(200);
    expect((await http(t.url, '/api/users/me', { token: alice.token })).body.user.displayName).toBe(alice.user.displayName);
  });

  it('a photo: only the caller’s own raster image; the avatar is its WebP thumbnail, immutable, 304 on its ETag', async () => {
    const [alice, bob] = await Promise.all([register(t.url, 'alice'), register(t.url, 'bob')]);
    const bobsPhoto = await uploaded(t.url, bob.token, await png(10), { name: 'bob.png', type: 'image/png' });
    const text = await uploaded(t.url, alice.token, Buffer.from('not a photo'), { name: 'notes.txt', type: 'text/plain' });
    expect(code(await patch(alice.token, { avatarId: bobsPhoto.id }))).toEqual([404, 'NOT_FOUND']);
    expect(code(await patch(alice.token, { avatarId: 'no-such-upload' }))).toEqual([404, 'NOT_FOUND']);
    expect(code(await patch(alice.token, { avatarId: text.id }))).toEqual([400, 'VALIDATION']);
    expect((await download(t.url, bob.token, `/api/users/${alice.id}/avatar`)).status).toBe(404);

    const photo = await uploaded(t.url, alice.token, await png(200), { name: 'me.png', type: 'image/png' });
    const set = await patch(alice.token, { avatarId: photo.id });
    expect(set.status).toBe(200);
    expect(set.body.user.avatar).toEqual({ id: photo.id, preview: photo.preview });
    const got = await download(t.url, bob.token, `/api/users/${alice.id}/avatar`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/webp');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    expect(got.headers.get('etag')).toBe(`"${photo.id}"`);
    expect(got.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect((await sharp(got.bytes).metadata()).format).toBe('webp');
    expect((await download(t.url, bob.token, `/api/users/${alice.id}/avatar`, { 'if-none-match': `"${photo.id}"` })).status).toBe(304);
    expect((await download(t.url, bob.token, `/api/users/${alice.id}/avatar`, { 'if-none-match': '"other"' })).status).toBe(200);
    expect((await download(t.url, bob.token, '/api/users/no-such-user/avatar')).status).toBe(404);
    expect((await download(t.url, bob.token, `/api/users/${'x'.repeat(65)}/avatar`)).status).toBe(400);

    // In use, it cannot be sent in a message.
    const carrying = await http(t.url, '/api/messages', { method: 'POST', token: alice.token, json: { to: bob.id, clientId: crypto.randomUUID(), body: 'look', attachmentIds: [photo.id] } });
    expect(code(carrying)).toEqual([400, 'VALIDATION']);

    expect((await patch(alice.token, { avatarId: null })).body.user.avatar).toBeNull();
    expect((await download(t.url, bob.token, `/api/users/${alice.id}/avatar`)).status).toBe(404);
  });

  it('user-updated reaches the user’s other socket and a contact, not a stranger', async () => {
    const [alice, bob, stranger] = await Promise.all([register(t.url, 'alice'), register(t.url, 'bob'), register(t.url, 'stranger')]);
    await sendOverRest(t.url, bob.token, alice.id, 'hello');
    const [laptop, bobs, strangers] = [await t.open(alice.token), await t.open(bob.token), await t.open(stranger.token)];
    const heard = { laptop: record(laptop, 'user-updated'), bob: record(bobs, 'user-updated'), stranger: record(strangers, 'user-updated') };
    const res = await patch(alice.token, { displayName: 'Alice in Wonderland' });
    expect(res.status).toBe(200);
    await waitFor('both hear it', () => heard.laptop.length === 1 && heard.bob.length === 1);
    expect(heard.bob[0]!.user).toMatchObject({ id: alice.id, displayName: 'Alice in Wonderland', about: '', avatar: null });
    expect(heard.laptop[0]!.user).toEqual(res.body.user);
    await roundTrip(strangers);
    expect(heard.stranger).toEqual([]);
  });
});
