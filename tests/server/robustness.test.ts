import { LIMITS } from '@pigeon/sync-protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/src/store/store.ts';
import {
  http,
  newClientId,
  noteMongoSkip,
  register,
  sendOverRest,
  sendOverSocket,
  STORE_VARIANTS,
  startTestServer,
  useTestServer,
  waitFor,
} from './helpers.ts';

describe.each(STORE_VARIANTS)('robustness on $kind', (variant) => {
  const t = useTestServer(variant);

  const stillServing = async () => {
    expect((await http(t.url, '/api/health')).status).toBe(200);
  };

  it('malformed JSON is 400 VALIDATION, not 500', async () => {
    const a = await register(t.url);
    for (const body of ['{bad', '', 'null', '[]', '"string"']) {
      const res = await http(t.url, '/api/messages', { token: a.token, body, headers: { 'content-type': 'application/json' } });
      expect(res.status, body).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
    await stillServing();
  });

  it('a body over the limit is 413 PAYLOAD_TOO_LARGE, with or without Content-Length', async () => {
    const a = await register(t.url);
    const big = JSON.stringify({ clientId: newClientId(), to: a.id, body: 'x'.repeat(LIMITS.httpBodyMaxBytes) });
    const sized = await http(t.url, '/api/messages', { token: a.token, body: big, headers: { 'content-type': 'application/json' } });
    expect(sized).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });

    const chunks = [big.slice(0, 40_000), big.slice(40_000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    await stillServing();
  });

  it('unknown /api routes are 404 NOT_FOUND JSON; /socket.io and /api never fall back to the PWA', async () => {
    for (const [method, path] of [['GET', '/api/nope'], ['POST', '/api/users'], ['GET', '/api'], ['DELETE', '/api/messages']] as const) {
      const res = await http(t.url, path, { method });
      expect(res.status, `${method} ${path}`).toBe(path === '/api/users' || path === '/api/messages' ? 401 : 404);
    }
    const a = await register(t.url);
    expect(await http(t.url, '/api/users/nope/deeper', { token: a.token })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('malformed socket payloads get VALIDATION acks; no ack, odd args and unknown events break nothing', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const s = await t.open(a.token);
    const raw = s as unknown as { emit(...args: unknown[]): void; timeout(ms: number): { emitWithAck(...args: unknown[]): Promise<unknown> } };
    for (const payload of [null, 42, 'text', [], { clientId: 5 }, { to: b.id }]) {
      expect(await raw.timeout(5000).emitWithAck('send-message', payload), JSON.stringify(payload)).toMatchObject({ ok: false, code: 'VALIDATION' });
    }
    raw.emit('send-message', { clientId: newClientId(), to: b.id, body: 'no ack callback' });
    raw.emit('send-message');
    raw.emit('message-read', { conversationId: 'dm:x:y', upToSeq: 1 });
    raw.emit('message-received', 'junk', 'more junk', () => {});
    raw.emit('no-such-event', { x: 1 });
    raw.emit('typing');
    // The socket is still alive and the fire-and-forget send was stored.
    const ok = await sendOverSocket(s, b.id, 'after the noise');
    expect(ok.ok).toBe(true);
    const history = await http(t.url, `/api/messages/conversation?with=${b.id}`, { token: a.token });
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual(['no ack callback', 'after the noise']);
  });

  it('a socket frame over maxHttpBufferSize closes only that connection', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const s = await t.open(a.token);
    let reason = '';
    s.on('disconnect', (r) => (reason = r));
    s.emit('send-message', { clientId: newClientId(), to: b.id, body: 'z'.repeat(LIMITS.socketFrameMaxBytes + 1024) }, () => {});
    await waitFor('oversized frame drops the connection', () => !s.connected);
    expect(reason).toMatch(/transport/);
    await stillServing();
    const fresh = await t.open(a.token);
    expect((await sendOverSocket(fresh, b.id, 'still works')).ok).toBe(true);
  });
});

describe.each(STORE_VARIANTS)('rate limit and internal errors on $kind', (variant) => {
  // A window of an hour: no token can refill while the test runs, however slow the machine.
  const t = useTestServer(variant, { sendRateLimit: 5, sendRateWindowMs: 3_600_000 });
  let store: Store;
  beforeAll(() => {
    store = t.server.store;
  });

  it('over SEND_RATE_LIMIT: 429 RATE_LIMITED on REST, RATE_LIMITED ack on the socket, one budget for both', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const s = await t.open(a.token);
    const results: string[] = [];
    for (let i = 0; i < 3; i++) results.push(String((await sendOverRest(t.url, a.token, b.id, `r${i}`)).status));
    for (let i = 0; i < 3; i++) {
      const ack = await sendOverSocket(s, b.id, `s${i}`);
      results.push(ack.ok ? 'ok' : ack.code);
    }
    const over = await sendOverRest(t.url, a.token, b.id, 'one too many');
    expect(results).toEqual(['201', '201', '201', 'ok', 'ok', 'RATE_LIMITED']);
    expect(over).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
    // Another user is not affected.
    expect((await sendOverRest(t.url, b.token, a.id, 'hi')).status).toBe(201);
  });

  it('an unexpected error is 500 INTERNAL without internals, and the server keeps serving', async () => {
    // The same store, except that search blows up with internals in its message.
    const broken = new Proxy(store, {
      get(target, prop) {
        if (prop === 'searchUsers') {
          return async () => {
            throw new Error('SQLITE_CORRUPT at /secret/path/pigeon.sqlite');
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const t2 = await startTestServer(variant, { store: broken });
    try {
      const a = await register(t2.url);
      const res = await http(t2.url, '/api/users?q=xy', { token: a.token });
      expect(res).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
      expect((await http(t2.url, '/api/users/me', { token: a.token })).status).toBe(200);
    } finally {
      await t2.dispose(); // an injected store stays open: it belongs to `t`
    }
  });
});

noteMongoSkip('robustness');
