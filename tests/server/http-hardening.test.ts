import { Agent, request } from 'node:http';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMITS } from '@pigeon/sync-protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/src/index.ts';
import { http, newClientId, register, sendOverSocket, STORE_VARIANTS, TEST_JWT_SECRET, useTestServer } from './helpers.ts';

/** One request on a given agent: status and Connection header, or the socket error. */
function raw(agent: Agent, url: string, init: { method?: string; path: string; body?: Buffer; chunked?: boolean; headers?: Record<string, string> }) {
  return new Promise<{ status: number; connection: string | undefined } | { error: string }>((resolve) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body && !init.chunked) headers['content-length'] = init.body.length;
    if (init.body) headers['content-type'] = 'application/json';
    const req = request(`${url}${init.path}`, { method: init.method ?? 'GET', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    if (init.body && init.chunked) {
      // Several writes without Content-Length: chunked transfer encoding.
      for (let i = 0; i < init.body.length; i += 256 * 1024) req.write(init.body.subarray(i, i + 256 * 1024));
    } else if (init.body) req.write(init.body);
    req.end();
  });
}

describe('HTTP hardening (store-independent)', () => {
  const t = useTestServer(STORE_VARIANTS[0]!);

  it('every response carries the security headers: strict CSP, nosniff, no referrer, no framing, no HSTS over plain http', async () => {
    const a = await register(t.url);
    for (const [path, init] of [
      ['/', {}],
      ['/api/health', {}],
      ['/api/nope', {}],
      ['/api/users/me', {}], // 401
      ['/api/users/me', { headers: { authorization: `Bearer ${a.token}` } }],
    ] as const) {
      const res = await fetch(`${t.url}${path}`, init);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).not.toContain('unsafe-eval');
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('HSTS only when a trusted proxy says the request came over https', async () => {
    const viaProxy = await fetch(`${t.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
    // TRUST_PROXY is off in this server: a client cannot switch HSTS on by sending the header itself.
    expect(viaProxy.headers.get('strict-transport-security')).toBeNull();

    const dir = await mkdtemp(join(tmpdir(), 'pigeon-proxy-'));
    const proxied = await startServer({ port: 0, dataDir: dir, jwtSecret: TEST_JWT_SECRET, logLevel: 'silent', trustProxy: true });
    try {
      const https = await fetch(`${proxied.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      const plain = await fetch(`${proxied.url}/api/health`, { headers: { 'x-forwarded-proto': 'http' } });
      expect(plain.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await proxied.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The repro: a 2 MB POST, then three GETs on the same keep-alive connection; the
  // second request used to fail with a socket error.
  for (const variant of ['content-length', 'chunked'] as const) {
    it(`after a refused oversized body (${variant}) the next requests from that client still work`, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const big = Buffer.alloc(2 * 1024 * 1024, 'a');
        const refused = await raw(agent, t.url, { method: 'POST', path: '/api/auth/login', body: big, chunked: variant === 'chunked' });
        expect(refused).toMatchObject({ status: 413, connection: 'close' });
        for (let i = 0; i < 3; i++) expect(await raw(agent, t.url, { path: '/api/health' })).toMatchObject({ status: 200 });
      } finally {
        agent.destroy();
      }
    });
  }

  it('a large body answered before it is read (401, 404) closes that connection instead of poisoning it', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = Buffer.alloc(LIMITS.httpBodyMaxBytes - 1024, 'a');
      expect(await raw(agent, t.url, { method: 'POST', path: '/api/messages', body })).toMatchObject({ status: 401 });
      expect(await raw(agent, t.url, { method: 'POST', path: '/nowhere', body })).toMatchObject({ status: 404 });
      for (let i = 0; i < 3; i++) expect(await raw(agent, t.url, { path: '/api/health' })).toMatchObject({ status: 200 });
      // A small, fully read body keeps the connection alive as before.
      const small = await raw(agent, t.url, { method: 'POST', path: '/api/auth/login', body: Buffer.from('{"username":"x","password":"y"}') });
      expect(small).toMatchObject({ status: 401, connection: 'keep-alive' });
    } finally {
      agent.destroy();
    }
  });
});

describe('DATA_DIR and SQLite files are private to the server user', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
  /** What an entry of DATA_DIR must be: a file 0600, a directory (attachments/) 0700. */
  const privateMode = async (path: string) => ((await stat(path)).isDirectory() ? 0o700 : 0o600);

  it('a new DATA_DIR is 0700 and the database, its WAL and the secret are 0600 (attachments/ 0700); looser ones are tightened on start', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'pigeon-modes-'));
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    let server = await startServer({ port: 0, dataDir, logLevel: 'silent' });
    await register(server.url);
    expect(await modeOf(dataDir)).toBe(0o700);
    const files = await readdir(dataDir);
    expect(files).toEqual(expect.arrayContaining(['pigeon.sqlite', 'pigeon.sqlite-wal', 'jwt-secret']));
    expect(files).toContain('attachments');
    for (const file of files) expect(await modeOf(join(dataDir, file)), file).toBe(await privateMode(join(dataDir, file)));
    await server.close();

    // Files written by an older version (0644) in a 0755 directory.
    await chmod(dataDir, 0o755);
    for (const file of await readdir(dataDir)) {
      const path = join(dataDir, file);
      await chmod(path, (await privateMode(path)) === 0o700 ? 0o755 : 0o644);
    }
    server = await startServer({ port: 0, dataDir, logLevel: 'silent' });
    await register(server.url);
    expect(await modeOf(dataDir)).toBe(0o700);
    for (const file of await readdir(dataDir)) expect(await modeOf(join(dataDir, file)), file).toBe(await privateMode(join(dataDir, file)));
    await server.close();
  });
});

describe.each(STORE_VARIANTS)('text is stored exactly as sent, on $kind', (variant) => {
  const t = useTestServer(variant);

  it('ill-formed UTF-16 (a lone surrogate) is refused with VALIDATION on REST and on the socket', async () => {
    const [a, b] = [await register(t.url), await register(t.url)];
    for (const body of ['x\uD800y', 'x\uDC00', '\uDE00\uD83D']) {
      const res = await http(t.url, '/api/messages', { token: a.token, json: { clientId: newClientId(), to: b.id, body } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
    const socket = await t.open(a.token);
    expect(await sendOverSocket(socket, b.id, 'x\uD800y')).toMatchObject({ ok: false, code: 'VALIDATION' });
    const name = await http(t.url, '/api/auth/register', { json: { username: `s${Date.now()}`, password: 'password1', displayName: 'x\uD800' } });
    expect(name.body.error?.code).toBe('VALIDATION');
  });

  it('lengths count code points: 4,096 emoji are one full message and read back identical', async () => {
    const [a, b] = [await register(t.url), await register(t.url)];
    const body = '😀'.repeat(LIMITS.bodyMaxChars);
    const sent = await http(t.url, '/api/messages', { token: a.token, json: { clientId: newClientId(), to: b.id, body } });
    expect(sent.status).toBe(201);
    const history = await http(t.url, `/api/messages/conversation?with=${a.id}`, { token: b.token });
    expect(history.body.messages.at(-1).body).toBe(body);
    const over = await http(t.url, '/api/messages', { token: a.token, json: { clientId: newClientId(), to: b.id, body: `${body}😀` } });
    expect(over.body.error?.code).toBe('VALIDATION');
  });

  it('display names with bidi overrides or isolates are refused', async () => {
    for (const displayName of ['Ann\u202Egpj.exe', 'a\u2066b\u2069']) {
      const res = await http(t.url, '/api/auth/register', { json: { username: `b${Date.now()}${displayName.length}`, password: 'password1', displayName } });
      expect(res.status, JSON.stringify(displayName)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
  });
});
