import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../client/build/precompress.ts';
import { securityHeaders } from './http/middleware/security-headers.ts';
import { cacheControlFor, isReservedPath, serveClient, toRelativeFile } from './static.ts';

describe('static helpers', () => {
  it('picks the cache policy per file', () => {
    expect(cacheControlFor('index.html')).toBe('no-cache');
    expect(cacheControlFor('sw.js')).toBe('no-cache');
    expect(cacheControlFor('manifest.webmanifest')).toBe('no-cache');
    expect(cacheControlFor('assets/index-B3xk9aQz.js')).toContain('immutable');
    expect(cacheControlFor('workbox-1a2b3c4d.js')).toContain('immutable');
    expect(cacheControlFor('icons/icon-192.png')).toBe('public, max-age=3600');
  });

  it('never serves /api or /socket.io', () => {
    expect(isReservedPath('/api')).toBe(true);
    expect(isReservedPath('/api/users')).toBe(true);
    expect(isReservedPath('/socket.io/')).toBe(true);
    expect(isReservedPath('/apis')).toBe(false);
  });

  it('keeps paths inside the dist folder', () => {
    expect(toRelativeFile('/')).toBe('index.html');
    expect(toRelativeFile('/assets/a.js')).toBe('assets/a.js');
    expect(toRelativeFile('/../etc/passwd')).toBe('etc/passwd');
    expect(toRelativeFile('/a/%2e%2e/%2e%2e/secret')).toBe('secret'); // clamped at the root, never above it
    expect(toRelativeFile('/%00')).toBeNull();
    expect(toRelativeFile('/%E0%A4%A')).toBeNull();
  });
});

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A raw HTTP/1.1 request (node:http, not fetch): fetch would add its own Accept-Encoding and
 * decode the body, hiding what went over the wire.
 */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveClient over HTTP', () => {
  let dir: string;
  let server: ServerType;
  let base: string;
  // Large enough to be compressed (precompress skips files under 1 KiB), and compressible.
  const js = `console.log(${JSON.stringify('pigeon '.repeat(400))});\n`;
  const html = `<!doctype html><title>Pigeon</title>${'<p>offline-first</p>'.repeat(100)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pigeon-dist-'));
    await mkdir(join(dir, 'assets'));
    await mkdir(join(dir, 'icons'));
    await writeFile(join(dir, 'index.html'), html);
    await writeFile(join(dir, 'assets', 'app-abcdef12.js'), js);
    await writeFile(join(dir, 'sw.js'), js);
    await writeFile(join(dir, 'manifest.webmanifest'), JSON.stringify({ name: 'Pigeon', pad: 'x'.repeat(2000) }));
    await writeFile(join(dir, 'icons', 'icon-192.png'), Buffer.alloc(64, 7));
    await writeFile(join(dir, 'assets', 'tiny-abcdef12.js'), 'console.log(1)');
    await precompressDir(dir);

    const app = new Hono();
    app.use('*', securityHeaders({ trustProxy: false }));
    app.use('*', serveClient(dir));
    app.notFound((c) => c.text('nope', 404));
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the brotli file to a client that accepts br', async () => {
    const res = await get(base, '/assets/app-abcdef12.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.body.length).toBeLessThan(js.length / 4);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(brotliDecompressSync(res.body).toString()).toBe(js);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
  });

  it('sends the gzip file to a client that accepts gzip only', async () => {
    const res = await get(base, '/assets/app-abcdef12.js', { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString()).toBe(js);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
  });

  it('sends the file itself without Accept-Encoding, still with Vary', async () => {
    const res = await get(base, '/assets/app-abcdef12.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe(js);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    const tiny = await get(base, '/assets/tiny-abcdef12.js', { 'accept-encoding': 'br' });
    expect(tiny.headers['content-encoding']).toBeUndefined(); // too small to have variants
    expect(tiny.body.toString()).toBe('console.log(1)');
  });

  it('never sends compressed bytes for images', async () => {
    const res = await get(base, '/icons/icon-192.png', { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('keeps the cache policy whatever the encoding', async () => {
    for (const ae of ['br', 'gzip', '']) {
      const h = ae ? { 'accept-encoding': ae } : undefined;
      expect((await get(base, '/assets/app-abcdef12.js', h)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect((await get(base, '/', h)).headers['cache-control']).toBe('no-cache');
      expect((await get(base, '/sw.js', h)).headers['cache-control']).toBe('no-cache');
      expect((await get(base, '/manifest.webmanifest', h)).headers['cache-control']).toBe('no-cache');
    }
    const sw = await get(base, '/sw.js', { 'accept-encoding': 'br' });
    expect(sw.headers['content-encoding']).toBe('br');
    const manifest = await get(base, '/manifest.webmanifest', { 'accept-encoding': 'gzip' });
    expect(manifest.headers['content-type']).toContain('application/manifest+json');
    expect(JSON.parse(gunzipSync(manifest.body).toString()).name).toBe('Pigeon');
  });

  it('serves index.html (compressed too) for app routes, with the CSP', async () => {
    const route = await get(base, '/chat/someone', { 'accept-encoding': 'br' });
    expect(route.status).toBe(200);
    expect(route.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(route.body).toString()).toBe(html);
    expect(route.headers['cache-control']).toBe('no-cache');
    expect(route.headers['content-security-policy']).toContain("script-src 'self'");
    const plain = await get(base, '/');
    expect(plain.body.toString()).toBe(html);
  });

  it('falls back to index.html for app routes, not for missing files, /api or other methods', async () => {
    expect((await get(base, '/assets/missing.js')).status).toBe(404);
    expect((await get(base, '/api/nothing')).status).toBe(404);
    expect((await get(base, '/socket.io/x.js')).status).toBe(404);
    expect((await get(base, '/chat', {}, 'POST')).status).toBe(404);
  });

  it('refuses paths outside the root', async () => {
    const outside = join(dir, '..', 'pigeon-secret.txt');
    await writeFile(outside, 'secret');
    try {
      for (const path of ['/../pigeon-secret.txt', '/%2e%2e/pigeon-secret.txt', '/assets/..%2f..%2fpigeon-secret.txt', '/%2e%2e%2fpigeon-secret.txt']) {
        const res = await get(base, path);
        expect(res.body.toString()).not.toContain('secret');
      }
    } finally {
      await rm(outside, { force: true });
    }
  });

  it('answers HEAD with the length of what GET would send', async () => {
    const head = await get(base, '/assets/app-abcdef12.js', { 'accept-encoding': 'br' }, 'HEAD');
    const full = await get(base, '/assets/app-abcdef12.js', { 'accept-encoding': 'br' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(full.body.length));
  });

  it('answers a matching ETag with 304, one ETag per encoding', async () => {
    const br = await get(base, '/', { 'accept-encoding': 'br' });
    const plain = await get(base, '/');
    expect(br.headers.etag).toBeTruthy();
    expect(br.headers.etag).not.toBe(plain.headers.etag);
    const again = await get(base, '/', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['cache-control']).toBe('no-cache');
    // The identity ETag does not validate the brotli copy.
    expect((await get(base, '/', { 'accept-encoding': 'br', 'if-none-match': plain.headers.etag! })).status).toBe(200);
  });
});
