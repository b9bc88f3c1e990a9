import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('serveClient', () => {
  let dir: string;
  const app = new Hono();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pigeon-dist-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Pigeon</title>');
    await writeFile(join(dir, 'assets', 'app-abcdef12.js'), 'console.log(1)');
    app.use('*', serveClient(dir));
    app.notFound((c) => c.text('nope', 404));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves files with their type and cache policy', async () => {
    const js = await app.request('/assets/app-abcdef12.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    const index = await app.request('/');
    expect(await index.text()).toContain('Pigeon');
    expect(index.headers.get('cache-control')).toBe('no-cache');
  });

  it('falls back to index.html for app routes, not for missing files or /api', async () => {
    const route = await app.request('/chat/someone');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('Pigeon');
    expect((await app.request('/assets/missing.js')).status).toBe(404);
    expect((await app.request('/api/nothing')).status).toBe(404);
    expect((await app.request('/chat', { method: 'POST' })).status).toBe(404);
  });

  it('answers a matching ETag with 304', async () => {
    const first = await app.request('/');
    const etag = first.headers.get('etag')!;
    const again = await app.request('/', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });
});
