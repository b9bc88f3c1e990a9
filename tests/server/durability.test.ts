import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Message, SendMessageAck } from '@pigeon/sync-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  fullHistory,
  http,
  newClientId,
  noteMongoSkip,
  record,
  register,
  sendOverRest,
  roundTrip,
  sendOverSocket,
  STORE_VARIANTS,
  startTestServer,
  trackSockets,
  waitFor,
  type TestServer,
} from './helpers.ts';

describe.each(STORE_VARIANTS)('durability and shutdown on $kind', (variant) => {
  const servers: TestServer[] = [];
  const sockets = trackSockets();
  const track = (t: TestServer) => (servers.push(t), t);
  afterEach(async () => {
    sockets.closeAll();
    // dispose() of the last incarnation removes the shared data; the earlier ones are already closed.
    const last = servers.splice(0).at(-1);
    await last?.dispose();
  });

  it('restart on the same DATA_DIR: every acknowledged message, status and token survives', async () => {
    // No JWT_SECRET: the generated one must be persisted (0600) and reused after the restart.
    let t = track(await startTestServer(variant, { jwtSecret: null }));
    const a = await register(t.url);
    const b = await register(t.url);
    const sa = await sockets.open(t.url, a.token);
    const acked: Message[] = [];
    for (let i = 0; i < 10; i++) {
      const ack = await sendOverSocket(sa, b.id, `socket ${i}`);
      if (ack.ok) acked.push(ack.message);
      acked.push((await sendOverRest(t.url, b.token, a.id, `rest ${i}`)).body.message);
    }
    const sb = await sockets.open(t.url, b.token);
    await sb.timeout(5000).emitWithAck('message-read', { conversationId: acked[0]!.conversationId, upToSeq: 5 });
    const secretMode = (await stat(join(t.dataDir, 'jwt-secret'))).mode & 0o777;
    expect(secretMode).toBe(0o600);
    sockets.closeAll();

    t = track(await t.restart());
    const history = await fullHistory(t.url, a.token, b.id); // the old token still works
    expect(history.map((m) => m.id)).toEqual(acked.map((m) => m.id));
    expect(history.map((m) => m.seq)).toEqual(acked.map((_, i) => i + 1));
    expect(history.filter((m) => m.status === 'read').map((m) => m.seq)).toEqual(
      acked.filter((m) => m.recipientId === b.id && m.seq <= 5).map((m) => m.seq),
    );
    expect((await http(t.url, '/api/auth/login', { json: { username: a.user.username, password: a.password } })).status).toBe(200);
    // seq continues where it stopped.
    expect((await sendOverRest(t.url, a.token, b.id, 'after restart')).body.message.seq).toBe(acked.length + 1);
  });

  it('kill (crash-like) under load: nothing acknowledged is lost', async () => {
    let t = track(await startTestServer(variant));
    const a = await register(t.url);
    const b = await register(t.url);
    const s = await sockets.open(t.url, a.token);
    const acked: Message[] = [];
    const disconnected = new Promise<void>((resolve) => s.once('disconnect', () => resolve()));
    for (let i = 0; i < 200; i++) {
      s.emit('send-message', { clientId: newClientId(), to: b.id, body: `load ${i}` }, (ack: SendMessageAck) => {
        if (ack.ok) acked.push(ack.message);
      });
    }
    await waitFor('some acks arrived', () => acked.length >= 20);
    await t.server.kill();
    await disconnected; // no ack can arrive after this
    expect(acked.length).toBeGreaterThan(0);

    t = track(await t.restart());
    const stored = new Map((await fullHistory(t.url, a.token, b.id)).map((m) => [m.id, m]));
    for (const m of acked) expect(stored.get(m.id), `acked ${m.body}`).toMatchObject({ seq: m.seq, body: m.body });
    expect([...stored.values()].map((m) => m.seq)).toEqual([...stored.keys()].map((_, i) => i + 1));
  });

  it('graceful close commits and acks every queued send, then refuses new work', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let commits = 0;
    let t = track(
      await startTestServer(variant, {
        testHooks: {
          // Hold every batch after the first, so in-flight batches stay in flight and later sends pile up.
          beforeCommit: async () => {
            if (++commits >= 2) await gate;
          },
        },
      }),
    );
    const a = await register(t.url);
    const b = await register(t.url);
    const s = await sockets.open(t.url, a.token);
    expect((await sendOverSocket(s, b.id, 'warm-up')).ok).toBe(true); // commit #1 passes the hook

    const inFlight = [sendOverSocket(s, b.id, 'in flight')]; // commit #2: held by the gate
    await waitFor('first batch is in flight', () => commits === 2);
    // The SQLite store takes a second batch while one commits (maxInFlight 2), MongoDB does not:
    // this send either starts a second held batch or waits in the queue.
    inFlight.push(sendOverSocket(s, b.id, 'in flight or queued'));
    await waitFor('second send held or queued', () => commits === 3 || t.server.queuedSends === 1);
    const alreadyQueued = t.server.queuedSends;
    const queued = Array.from({ length: 20 }, (_, i) => sendOverSocket(s, b.id, `queued ${i}`));
    const queuedRest = sendOverRest(t.url, a.token, b.id, 'queued over REST');
    await waitFor('21 more sends queued behind them', () => t.server.queuedSends === alreadyQueued + 21);

    // close() stops accepting before its first await, so the server is draining from here on.
    const closing = t.server.close();
    // While draining: no new work. A new connection is refused; a kept-alive one gets 503 from health.
    const health = await fetch(`${t.url}/api/health`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(health);
    await expect(connect(t.url, a.token)).rejects.toThrow();
    release();
    const acks = await Promise.all([...inFlight, ...queued]);
    expect(acks.every((x) => x.ok)).toBe(true);
    expect((await queuedRest).status).toBe(201);
    await closing;
    await expect(fetch(`${t.url}/api/health`)).rejects.toThrow();

    t = track(await t.restart({ testHooks: {} }));
    const history = await fullHistory(t.url, a.token, b.id);
    expect(history).toHaveLength(24);
    const byId = new Set(history.map((m) => m.id));
    for (const ack of acks) if (ack.ok) expect(byId.has(ack.message.id)).toBe(true);
  });

  it('ack lost (testHooks.afterStoreBeforeAck → drop): the resend of the same clientId returns the stored message', async () => {
    let dropped = 0;
    const t = track(
      await startTestServer(variant, {
        testHooks: {
          afterStoreBeforeAck: (_socketId, message) => {
            if (message.body === 'lose my ack' && dropped === 0) {
              dropped++;
              return 'drop';
            }
          },
        },
      }),
    );
    const a = await register(t.url);
    const b = await register(t.url);
    const rb = await sockets.open(t.url, b.token);
    const heard = record(rb, 'new-message');
    const s1 = await sockets.open(t.url, a.token);
    const clientId = newClientId();
    let acked = false;
    let reason = '';
    s1.on('disconnect', (r) => (reason = r));
    s1.emit('send-message', { clientId, to: b.id, body: 'lose my ack' }, () => (acked = true));
    await waitFor('the server dropped the connection', () => !s1.connected);
    expect(acked).toBe(false);
    expect(reason).toBe('transport close'); // looks like a network failure, so clients reconnect by themselves
    await waitFor('the recipient still got it', () => heard.length === 1);

    const s2 = await sockets.open(t.url, a.token);
    const again = await sendOverSocket(s2, b.id, 'lose my ack', clientId);
    expect(again).toEqual({ ok: true, message: heard[0]!.message });
    // A second announcement would have been written to rb right after that ack.
    await roundTrip(rb);
    expect(heard).toHaveLength(1);
    expect((await fullHistory(t.url, a.token, b.id)).map((m) => m.clientId)).toEqual([clientId]);
  });

  it('a failed start (port taken) throws and releases what it opened; the running server is unaffected', async () => {
    const t = track(await startTestServer(variant));
    await expect(t.startPeer({ port: t.server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect((await http(t.url, '/api/health')).status).toBe(200);
    const a = await register(t.url);
    const b = await register(t.url);
    expect((await sendOverRest(t.url, a.token, b.id, 'still fine')).status).toBe(201);
  });
});

noteMongoSkip('durability and shutdown');
