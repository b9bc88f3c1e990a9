/**
 * Attachments carried by messages, and who may read them (contract v2, "Attachments"), over real
 * HTTP and Socket.io on both stores: sends with attachmentIds (REST and socket), a forged id of
 * another user, 11 attachments, authorization (uploader, 1:1 peer, stranger, group member whose
 * period holds the message vs one added later, unknown), Range/ETag/304/416, the inert headers,
 * thumbnails and image facts, delete for everyone, and the sweep of orphans.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { thumbHashToApproximateAspectRatio } from 'thumbhash';
import { fullHistory, http, noteMongoSkip, register, STORE_VARIANTS, useTestServer, waitFor, type TestUser } from './helpers.ts';
import { addMembers, createGroup } from './group-helpers.ts';
import { download, errorCode, pngOf, rotatedJpegOf, uploaded } from './attachments-helpers.ts';

const sendWith = (url: string, token: string, to: { to: string } | { conversationId: string }, attachmentIds: string[], body = '') =>
  http(url, '/api/messages', { token, json: { clientId: randomUUID(), ...to, body, attachmentIds } });
const bytesOf = (url: string, user: TestUser, id: string, headers: Record<string, string> = {}, method = 'GET') => download(url, user.token, `/api/attachments/${id}`, headers, method);

describe.each(STORE_VARIANTS)('attachments in messages on $kind', (variant) => {
  const t = useTestServer(variant);

  it('a send carries its attachments (REST and socket); the peer reads them, a stranger gets FORBIDDEN, an unknown id NOT_FOUND', async () => {
    const [alice, bob, eve] = [await register(t.url, 'alice'), await register(t.url, 'bob'), await register(t.url, 'eve')];
    const a1 = await uploaded(t.url, alice.token, randomBytes(100), { name: 'one.bin' });
    const a2 = await uploaded(t.url, alice.token, randomBytes(100), { name: 'two.bin' });
    const rest = await sendWith(t.url, alice.token, { to: bob.id }, [a2.id, a1.id]);
    expect(rest.status).toBe(201);
    expect(rest.body.message).toMatchObject({ body: '', attachments: [a2, a1] });
    const a3 = await uploaded(t.url, alice.token, randomBytes(100), { name: 'three.bin' });
    const socket = await t.open(alice.token);
    const ack = await socket.timeout(10_000).emitWithAck('send-message', { clientId: randomUUID(), to: bob.id, body: 'caption', attachmentIds: [a3.id] });
    expect(ack).toMatchObject({ ok: true, message: { body: 'caption', attachments: [a3] } });
    for (const a of [a1, a2, a3]) {
      expect((await bytesOf(t.url, alice, a.id)).status).toBe(200);
      expect((await bytesOf(t.url, bob, a.id)).status).toBe(200);
      expect(errorCode(await bytesOf(t.url, eve, a.id))).toBe('FORBIDDEN');
    }
    expect(errorCode(await bytesOf(t.url, bob, 'no-such-attachment'))).toBe('NOT_FOUND');
    // Before it is sent, only the uploader reads an upload.
    const unsent = await uploaded(t.url, alice.token, randomBytes(10));
    expect((await bytesOf(t.url, alice, unsent.id)).status).toBe(200);
    expect(errorCode(await bytesOf(t.url, bob, unsent.id))).toBe('FORBIDDEN');
  });

  it("refuses another user's id (forged), an id already carried, and 11 attachments: VALIDATION on REST and socket, nothing stored", async () => {
    const [alice, bob, eve] = [await register(t.url, 'alice'), await register(t.url, 'bob'), await register(t.url, 'eve')];
    const bobs = await uploaded(t.url, bob.token, randomBytes(50));
    const socket = await t.open(eve.token);
    expect((await sendWith(t.url, eve.token, { to: alice.id }, [bobs.id])).body).toMatchObject({ error: { code: 'VALIDATION' } });
    expect(await socket.timeout(10_000).emitWithAck('send-message', { clientId: randomUUID(), to: alice.id, body: '', attachmentIds: [bobs.id] })).toMatchObject({ ok: false, code: 'VALIDATION' });
    // The forged id says nothing more than an unknown one.
    const unknown = await sendWith(t.url, eve.token, { to: alice.id }, ['nonexistent-id']);
    expect(unknown.body.error.code).toBe('VALIDATION');
    const eves = await uploaded(t.url, eve.token, randomBytes(50));
    expect((await sendWith(t.url, eve.token, { to: alice.id }, [eves.id])).status).toBe(201);
    expect((await sendWith(t.url, eve.token, { to: bob.id }, [eves.id])).body).toMatchObject({ error: { code: 'VALIDATION' } });
    const eleven = [];
    // One after another: ATTACHMENT_UPLOADS_PER_USER (4) would refuse eleven at once.
    for (let i = 0; i < 11; i++) eleven.push(await uploaded(t.url, eve.token, randomBytes(20)));
    expect((await sendWith(t.url, eve.token, { to: alice.id }, eleven.map((a) => a.id))).body).toMatchObject({ error: { code: 'VALIDATION' } });
    expect(await socket.timeout(10_000).emitWithAck('send-message', { clientId: randomUUID(), to: alice.id, body: '', attachmentIds: eleven.map((a) => a.id) })).toMatchObject({ ok: false, code: 'VALIDATION' });
    // Nothing was stored by the refusals: Alice's conversation with Eve has the one message, Bob's none from Eve.
    expect(await fullHistory(t.url, alice.token, eve.id)).toHaveLength(1);
    expect(await fullHistory(t.url, bob.token, eve.id)).toHaveLength(0);
    expect(errorCode(await bytesOf(t.url, alice, eleven[0]!.id))).toBe('FORBIDDEN');
  });

  it('in a group: a member whose period holds the message reads it, one added later gets FORBIDDEN', async () => {
    const [alice, bob, carol] = [await register(t.url, 'alice'), await register(t.url, 'bob'), await register(t.url, 'carol')];
    const group = (await createGroup(t.url, alice.token, [bob.id])).body.conversation;
    const photo = await uploaded(t.url, alice.token, await pngOf(40, 20), { name: 'g.png', type: 'image/png' });
    expect((await sendWith(t.url, alice.token, { conversationId: group.id }, [photo.id])).status).toBe(201);
    expect((await addMembers(t.url, alice.token, group.id, [carol.id])).status).toBe(200);
    expect((await bytesOf(t.url, bob, photo.id)).status).toBe(200);
    expect(errorCode(await bytesOf(t.url, carol, photo.id))).toBe('FORBIDDEN');
    const later = await uploaded(t.url, alice.token, randomBytes(30));
    expect((await sendWith(t.url, alice.token, { conversationId: group.id }, [later.id])).status).toBe(201);
    expect((await bytesOf(t.url, carol, later.id)).status).toBe(200);
  });

  it('downloads: inert headers, ETag → 304, Range → 206, 416 past the end, HEAD without a body', async () => {
    const alice = await register(t.url, 'alice');
    const bytes = randomBytes(1000);
    const file = await uploaded(t.url, alice.token, bytes, { name: 'naïve "plan".txt' });
    const full = await bytesOf(t.url, alice, file.id);
    expect(Object.fromEntries(['content-type', 'content-length', 'x-content-type-options', 'content-security-policy', 'content-disposition', 'etag', 'cache-control', 'accept-ranges'].map((h) => [h, full.headers.get(h)]))).toEqual({
      'content-type': 'application/octet-stream',
      'content-length': '1000',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
      'content-disposition': `attachment; filename="na_ve _plan_.txt"; filename*=UTF-8''na%C3%AFve%20%22plan%22.txt`,
      etag: `"${file.sha256}"`,
      'cache-control': 'private, max-age=31536000, immutable',
      'accept-ranges': 'bytes',
    });
    expect((await bytesOf(t.url, alice, file.id, { 'if-none-match': `"${file.sha256}"` })).status).toBe(304);
    const part = await bytesOf(t.url, alice, file.id, { range: 'bytes=100-199' });
    expect([part.status, part.headers.get('content-range'), part.headers.get('content-length')]).toEqual([206, 'bytes 100-199/1000', '100']);
    expect(part.bytes.equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await bytesOf(t.url, alice, file.id, { range: 'bytes=-10' });
    expect(tail.bytes.equals(bytes.subarray(990))).toBe(true);
    const past = await bytesOf(t.url, alice, file.id, { range: 'bytes=1000-' });
    expect([past.status, past.headers.get('content-range')]).toEqual([416, 'bytes */1000']);
    const head = await bytesOf(t.url, alice, file.id, {}, 'HEAD');
    expect([head.status, head.headers.get('content-length'), head.bytes.length]).toEqual([200, '1000', 0]);
  });

  it('images: width/height as shown (EXIF applied), a ThumbHash preview, an inline disposition and a WebP thumbnail', async () => {
    const alice = await register(t.url, 'alice');
    const png = await uploaded(t.url, alice.token, await pngOf(960, 480), { name: 'wide.png', type: 'image/png' });
    expect(png).toMatchObject({ mime: 'image/png', width: 960, height: 480, preview: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
    expect(thumbHashToApproximateAspectRatio(Buffer.from(png.preview!, 'base64url'))).toBeCloseTo(2, 0);
    const inline = await bytesOf(t.url, alice, png.id);
    expect([inline.headers.get('content-type'), inline.headers.get('content-disposition')]).toEqual(['image/png', `inline; filename="wide.png"; filename*=UTF-8''wide.png`]);
    const thumb = await download(t.url, alice.token, `/api/attachments/${png.id}/thumbnail`);
    expect([thumb.status, thumb.headers.get('content-type'), thumb.headers.get('x-content-type-options')]).toEqual([200, 'image/webp', 'nosniff']);
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ format: 'webp', width: 480, height: 240 });
    const jpeg = await uploaded(t.url, alice.token, await rotatedJpegOf(60, 30), { name: 'phone.jpg', type: 'image/jpeg', preview: 'clientMadePreview' });
    expect(jpeg).toMatchObject({ mime: 'image/jpeg', width: 30, height: 60, preview: 'clientMadePreview' });
    const file = await uploaded(t.url, alice.token, randomBytes(10));
    expect(errorCode(await download(t.url, alice.token, `/api/attachments/${file.id}/thumbnail`))).toBe('NOT_FOUND');
  });

  it('delete for everyone: the attachment is NOT_FOUND for both and its bytes and thumbnail are gone', async () => {
    const [alice, bob] = [await register(t.url, 'alice'), await register(t.url, 'bob')];
    const photo = await uploaded(t.url, alice.token, await pngOf(50, 50), { name: 'p.png', type: 'image/png' });
    const sent = (await sendWith(t.url, alice.token, { to: bob.id }, [photo.id])).body.message;
    expect(await t.server.blobs.size(`${photo.id}.thumb`)).toBeGreaterThan(0);
    expect((await http(t.url, `/api/messages/${sent.id}?clientId=${randomUUID()}`, { method: 'DELETE', token: alice.token })).status).toBe(200);
    for (const user of [alice, bob]) expect(errorCode(await bytesOf(t.url, user, photo.id))).toBe('NOT_FOUND');
    // Deleted right after the commit, without waiting for the sweep.
    await waitFor('the bytes and the thumbnail are deleted', async () => (await t.server.blobs.size(photo.id)) === null && (await t.server.blobs.size(`${photo.id}.thumb`)) === null);
  });
});
noteMongoSkip('attachments in messages');

describe.each(STORE_VARIANTS)('the attachments sweep on $kind', (variant) => {
  const t = useTestServer(variant, { attachmentOrphanTtlMs: 1000 });

  it('removes uploads never sent within the TTL (record and bytes) and keeps sent ones', async () => {
    const [alice, bob] = [await register(t.url, 'alice'), await register(t.url, 'bob')];
    const orphan = await uploaded(t.url, alice.token, randomBytes(100));
    const kept = await uploaded(t.url, alice.token, randomBytes(100));
    expect((await sendWith(t.url, alice.token, { to: bob.id }, [kept.id])).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1200));
    const result = await t.server.attachmentSweep.runOnce();
    expect(result.removed).toBeGreaterThanOrEqual(1);
    expect(errorCode(await bytesOf(t.url, alice, orphan.id))).toBe('NOT_FOUND');
    expect(await t.server.blobs.size(orphan.id)).toBeNull();
    expect((await bytesOf(t.url, bob, kept.id)).status).toBe(200);
  });
});
