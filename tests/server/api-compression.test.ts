/**
 * The API's JSON goes out gzip-encoded to a client that accepts it (issue #20: a catch-up page is
 * hundreds of kilobytes of JSON, on a phone's network). Raw node:http, so the test sees the bytes on
 * the wire and the headers as sent (fetch would decode them out of sight).
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { http, newClientId, register, STORE_VARIANTS, useTestServer } from './helpers.ts';
import { uploaded } from './attachments-helpers.ts';

function get(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API compression', () => {
  const t = useTestServer(STORE_VARIANTS[0]!);

  it('a sync page is gzip-encoded for a client that accepts it, the same JSON once decoded, a fraction of the bytes; identity otherwise', async () => {
    const [a, b] = [await register(t.url), await register(t.url)];
    for (let i = 0; i < 60; i++) {
      const sent = await http(t.url, '/api/messages', { token: a.token, json: { clientId: newClientId(), to: b.id, body: `lunch at noon, message ${i}` } });
      expect(sent.status).toBe(201);
    }
    const auth = { authorization: `Bearer ${b.token}` };
    const plain = await get(t.url, '/api/sync?limit=1000', auth);
    const gzip = await get(t.url, '/api/sync?limit=1000', { ...auth, 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(String(gzip.headers.vary)).toMatch(/Accept-Encoding/i);
    const decoded = JSON.parse(gunzipSync(gzip.bytes).toString()) as { messages: unknown[] };
    expect(decoded).toEqual(JSON.parse(plain.bytes.toString()));
    expect(decoded.messages).toHaveLength(60);
    expect(gzip.bytes.length).toBeLessThan(plain.bytes.length / 4);
    // Errors are JSON too: encoded the same way, still the typed error once decoded.
    const refused = await get(t.url, '/api/sync?limit=5000', { ...auth, 'accept-encoding': 'gzip' });
    expect(refused.status).toBe(400);
    expect((JSON.parse(gunzipSync(refused.bytes).toString()) as { error: { code: string } }).error.code).toBe('VALIDATION');
    // A write's answer (a small ack) is left as it is.
    const ack = await fetch(`${t.url}/api/messages`, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json', 'accept-encoding': 'gzip' }, body: JSON.stringify({ clientId: newClientId(), to: b.id, body: 'one more' }) });
    expect(ack.status).toBe(201);
    expect(ack.headers.get('content-encoding')).toBeNull();
  });

  it('an attachment is never re-encoded, whatever its type: its bytes, length and ranges stay as stored', async () => {
    const a = await register(t.url);
    const bytes = Buffer.from(JSON.stringify({ notes: 'x'.repeat(4_000) }));
    const att = await uploaded(t.url, a.token, bytes, { type: 'application/json', name: 'notes.json' });
    const auth = { authorization: `Bearer ${a.token}`, 'accept-encoding': 'gzip' };
    const res = await get(t.url, `/api/attachments/${att.id}`, auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.bytes.equals(bytes)).toBe(true);
    const part = await get(t.url, `/api/attachments/${att.id}`, { ...auth, range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBeUndefined();
    expect(part.bytes.equals(bytes.subarray(10, 20))).toBe(true);
  });
});
