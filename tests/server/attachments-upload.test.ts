/**
 * Uploads (contract v2, "Attachments"; the resumable protocol in docs/api.md) over real HTTP on
 * both stores: whole and chunked, resumed after a really cut connection, idempotent by clientId,
 * the limits and refusals (0 bytes, 16 MiB + 1 before reading it, active content, a declared image
 * that is not one, sha256), nothing stored half-way, and the server serving others meanwhile.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '@pigeon/sync-protocol';
import { http, noteMongoSkip, register, STORE_VARIANTS, useTestServer, waitFor } from './helpers.ts';
import { download, rawPost, sha256, upload, uploaded, uploadPath } from './attachments-helpers.ts';

describe.each(STORE_VARIANTS)('attachment uploads on $kind', (variant) => {
  const t = useTestServer(variant);

  it('a whole file: 201 with the server-made fields, the same clientId again 200 with the same attachment, the bytes downloadable', async () => {
    const alice = await register(t.url, 'alice');
    // Random bytes after a prefix no content sniffer knows: bare random bytes are sometimes a file
    // signature (an MP3 frame header once: `audio/mpeg`, not the octet-stream this test expects).
    const bytes = Buffer.concat([Buffer.from('pigeon test bytes\0'), randomBytes(3000 - 18)]);
    const clientId = randomUUID();
    const first = await upload(t.url, alice.token, bytes, { clientId, name: 'data.bin', type: 'application/pdf' });
    expect(first.status).toBe(201);
    expect(first.body.attachment).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]+$/), name: 'data.bin', mime: 'application/octet-stream', size: 3000, sha256: sha256(bytes) });
    const again = await upload(t.url, alice.token, randomBytes(10), { clientId, name: 'other.bin' });
    expect(again).toMatchObject({ status: 200, body: { attachment: first.body.attachment } });
    const got = await download(t.url, alice.token, `/api/attachments/${first.body.attachment!.id}`);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it('in Content-Range chunks: 202 with the offset, a status query, 409 at the wrong offset with where it stands, 201 at the end', async () => {
    const alice = await register(t.url, 'alice');
    const bytes = randomBytes(10_000);
    const o = { clientId: randomUUID(), name: 'notes.txt', type: 'text/plain' };
    const text = Buffer.from('a'.repeat(10_000));
    expect(await upload(t.url, alice.token, text.subarray(0, 4000), { ...o, range: [0, 3999, 10_000] })).toMatchObject({ status: 202, body: { upload: { offset: 4000, size: 10_000 } } });
    expect(await upload(t.url, alice.token, Buffer.alloc(0), { ...o, range: [null, 10_000] })).toMatchObject({ status: 202, body: { upload: { offset: 4000, size: 10_000 } } });
    const conflict = await upload(t.url, alice.token, text.subarray(6000), { ...o, range: [6000, 9999, 10_000] });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' }, upload: { offset: 4000, size: 10_000 } } });
    const done = await upload(t.url, alice.token, text.subarray(4000), { ...o, range: [4000, 9999, 10_000] });
    expect(done).toMatchObject({ status: 201, body: { attachment: { size: 10_000, mime: 'text/plain', sha256: sha256(text) } } });
    expect(await upload(t.url, alice.token, Buffer.alloc(0), { ...o, range: [null, 10_000] })).toMatchObject({ status: 200, body: { attachment: done.body.attachment } });
    expect(bytes.length).toBe(10_000);
  });

  it('a connection cut mid-body keeps the bytes that arrived; the upload continues from the server offset to the right file', async () => {
    const alice = await register(t.url, 'alice');
    const bytes = randomBytes(200_000);
    const clientId = randomUUID();
    const path = uploadPath({ clientId, name: 'big.bin', sha256: sha256(bytes) });
    // Content-Length says the whole file, 120 000 bytes are sent, then the socket is destroyed.
    const headers = { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream', 'content-length': '200000' };
    expect(await rawPost(t.url, path, headers, bytes.subarray(0, 120_000), { afterMs: 300 })).toBeNull();
    let offset = -1;
    await waitFor('the cut upload settles', async () => {
      const status = await upload(t.url, alice.token, Buffer.alloc(0), { clientId, name: 'big.bin', range: [null, 200_000] });
      if (status.status !== 202) return false;
      const settled = status.body.upload!.offset === offset;
      offset = status.body.upload!.offset;
      return settled && offset > 0;
    });
    expect(offset).toBeLessThanOrEqual(120_000);
    // Nothing is recorded yet: the truncated upload is not an attachment.
    expect((await http(t.url, '/api/attachments/x', { token: alice.token })).status).toBe(404);
    const rest = await upload(t.url, alice.token, bytes.subarray(offset), { clientId, name: 'big.bin', sha256: sha256(bytes), range: [offset, 199_999, 200_000] });
    expect(rest).toMatchObject({ status: 201, body: { attachment: { size: 200_000, sha256: sha256(bytes) } } });
    const got = await download(t.url, alice.token, `/api/attachments/${rest.body.attachment!.id}`);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it('refuses 0 bytes (VALIDATION) and 16 MiB + 1 (413) before reading the body; nothing is stored', async () => {
    const alice = await register(t.url, 'alice');
    expect(await upload(t.url, alice.token, Buffer.alloc(0))).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    const clientId = randomUUID();
    const headers = { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream', 'content-length': String(LIMITS.attachmentMaxBytesDefault + 1) };
    // Only 64 KiB of the announced 16 MiB + 1 are ever sent: the answer comes anyway.
    const answer = await rawPost(t.url, uploadPath({ clientId, name: 'huge.bin' }), headers, randomBytes(64 * 1024), { afterMs: 5000 });
    expect(answer?.status).toBe(413);
    expect(JSON.parse(answer!.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const chunk = await upload(t.url, alice.token, randomBytes(100), { clientId, range: [0, 99, LIMITS.attachmentMaxBytesDefault + 1] });
    expect(chunk).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(await upload(t.url, alice.token, Buffer.alloc(0), { clientId, range: [null, 1000] })).toMatchObject({ status: 202, body: { upload: { offset: 0 } } });
  });

  it('refuses active content with 415: a .png that is HTML, an SVG with script, a declared image that is text; nothing stays staged', async () => {
    const alice = await register(t.url, 'alice');
    const cases = [
      { bytes: Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script>'), name: 'cat.png', type: 'image/png' },
      { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'), name: 'logo.svg', type: 'image/svg+xml' },
      { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(2)</script></svg>'), name: 'innocent.bin', type: 'application/octet-stream' },
      { bytes: Buffer.from('just some words, not pixels'), name: 'photo', type: 'image/jpeg' },
    ];
    for (const c of cases) {
      const clientId = randomUUID();
      const res = await upload(t.url, alice.token, c.bytes, { clientId, name: c.name, type: c.type });
      expect(res, c.name).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
      expect(await upload(t.url, alice.token, Buffer.alloc(0), { clientId, name: c.name, range: [null, c.bytes.length] })).toMatchObject({ status: 202, body: { upload: { offset: 0 } } });
    }
  });

  it('sha256 given and not matching: 400 VALIDATION, nothing stored (the same clientId can upload the right bytes)', async () => {
    const alice = await register(t.url, 'alice');
    const clientId = randomUUID();
    const bytes = randomBytes(500);
    expect(await upload(t.url, alice.token, bytes, { clientId, sha256: sha256(randomBytes(5)) })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    expect(await upload(t.url, alice.token, bytes, { clientId, sha256: sha256(bytes) })).toMatchObject({ status: 201 });
  });

  it('keeps serving another user during a flood of bad uploads (each refused with a typed error)', async () => {
    const [mallory, bob] = [await register(t.url, 'mallory'), await register(t.url, 'bob')];
    const html = Buffer.from(`<html>${'x'.repeat(50_000)}</html>`);
    const flood = Array.from({ length: 30 }, () => upload(t.url, mallory.token, html, { name: 'a.png', type: 'image/png' }));
    const bobs = await uploaded(t.url, bob.token, randomBytes(2000), { name: 'fine.bin' });
    expect((await http(t.url, '/api/health')).status).toBe(200);
    const codes = (await Promise.all(flood)).map((r) => r.body.error?.code);
    expect(new Set(codes)).toEqual(new Set(codes.filter((c) => c === 'UNSUPPORTED_MEDIA_TYPE' || c === 'RATE_LIMITED')));
    expect(codes).toContain('UNSUPPORTED_MEDIA_TYPE');
    expect((await download(t.url, bob.token, `/api/attachments/${bobs.id}`)).status).toBe(200);
  });

  it('refuses a bad query or Content-Range with VALIDATION and an anonymous upload with 401', async () => {
    const alice = await register(t.url, 'alice');
    const post = (path: string, headers: Record<string, string> = {}) => fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, ...headers }, body: 'abc' });
    expect((await post('/api/attachments?name=a')).status).toBe(400);
    expect((await post(`/api/attachments?clientId=${randomUUID()}&name=..%2Fetc%2Fpasswd`)).status).toBe(400);
    expect((await post(uploadPath({ clientId: randomUUID(), name: 'a' }), { 'content-range': 'bytes 0-1/0' })).status).toBe(400);
    expect((await fetch(`${t.url}${uploadPath({ clientId: randomUUID(), name: 'a' })}`, { method: 'POST', body: 'abc' })).status).toBe(401);
  });
});
noteMongoSkip('attachment uploads');
