import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientSocket } from './helpers.ts';
import { noteMongoSkip, register, roundTrip, sendOverSocket, STORE_VARIANTS, useTestServer } from './helpers.ts';
import { PRODUCTION_SOCKET_LIMITS, randomAddress, socketsFrom } from './abuse-helpers.ts';
import { captureServerLog, disconnectOf, type LogRecord } from './server-log.ts';

/** Another user's send ack while one socket floods (before #13: 14.5 s on MongoDB); generous for a loaded CI machine. */
const SEND_ACK_BOUND_MS = 1_500;

type AnyAck = { ok: boolean; code?: string };
/** Emits an event the typings do not allow (an ack on `typing`, an unknown name). */
const emitRaw = (socket: ClientSocket, event: string, payload: unknown, ack?: (res: AnyAck) => void) =>
  (socket.emit as (e: string, ...args: unknown[]) => void)(event, payload, ...(ack ? [ack] : []));

const randomUserId = () => randomBytes(12).toString('hex');
const disconnected = (socket: ClientSocket) => new Promise<string>((resolve) => socket.once('disconnect', resolve));

describe.each(STORE_VARIANTS)('socket limits on $kind', (variant) => {
  const t = useTestServer(variant, {
    ...PRODUCTION_SOCKET_LIMITS,
    maxSocketsPerUser: 3,
    handshakeLimitPerUser: 5,
    handshakeLimitPerIp: 5,
    handshakeWindowMs: 60_000,
    trustProxy: true,
  });
  // Every socket of this suite comes "from" its own address, so the per-address handshake limit
  // only bites where a test means it to.
  const sockets = socketsFrom();
  afterAll(() => sockets.closeAll());
  const open = (token: string) => sockets.open(t.url, token, randomAddress());

  it(`a typing flood with random ids: the flooder gets RATE_LIMITED acks, then is disconnected; another user's send acks within ${SEND_ACK_BOUND_MS} ms`, async () => {
    const [flooder, a, b] = await Promise.all([register(t.url), register(t.url), register(t.url)]);
    const [fs, as, bs] = await Promise.all([open(flooder.token), open(a.token), open(b.token)]);
    // The conversation exists before the flood, so the sends measured below cost what any later send does.
    expect((await sendOverSocket(as, b.id, 'before the flood')).ok).toBe(true);
    const kicked = disconnected(fs);
    const acks: AnyAck[] = [];
    for (let i = 0; i < 1_000; i++) emitRaw(fs, 'typing', { to: randomUserId() }, (res) => acks.push(res));

    const ackTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      expect((await sendOverSocket(as, b.id, `during the flood ${i}`)).ok).toBe(true);
      ackTimes.push(performance.now() - start);
    }
    expect(await kicked).toBe('io server disconnect');
    expect(Math.max(...ackTimes)).toBeLessThan(SEND_ACK_BOUND_MS);
    // 200 events per socket per 10 s; the rest until 3× that were refused at once, and the 601st ended the
    // socket (before some of the 200 allowed had finished, so not all of their acks were sent).
    expect(acks.filter((r) => r.ok).length).toBeLessThanOrEqual(PRODUCTION_SOCKET_LIMITS.socketEventLimit);
    expect(acks.filter((r) => r.code === 'RATE_LIMITED')).toHaveLength(2 * PRODUCTION_SOCKET_LIMITS.socketEventLimit);
    expect(bs.connected && as.connected).toBe(true);
  });

  it('over the budget, an acked event gets RATE_LIMITED and its handler does not run; unknown events are dropped', async () => {
    const [u, peer] = await Promise.all([register(t.url), register(t.url)]);
    const s = await open(u.token);
    const limit = PRODUCTION_SOCKET_LIMITS.socketEventLimit;
    const answers = await Promise.all(
      Array.from({ length: limit + 5 }, () => s.timeout(10_000).emitWithAck('user-status', { userId: peer.id }) as Promise<AnyAck>),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(limit);
    expect(answers.slice(limit).every((a) => a.code === 'RATE_LIMITED')).toBe(true);

    // An unknown event with an ack is never answered: the next round trip's ack arrives, its doesn't.
    let unknownAcked = false;
    emitRaw(s, 'no-such-event', {}, () => (unknownAcked = true));
    expect(await s.timeout(10_000).emitWithAck('user-status', { userId: peer.id })).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(unknownAcked).toBe(false);
  });

  it('sockets per user: the 4th socket of a user disconnects the oldest one, not the newest', async () => {
    const u = await register(t.url);
    const first = await open(u.token);
    const kicked = disconnected(first);
    const rest = [await open(u.token), await open(u.token), await open(u.token)];
    expect(await kicked).toBe('io server disconnect');
    await Promise.all(rest.map((s) => roundTrip(s)));
    expect(rest.every((s) => s.connected)).toBe(true);
  });

  it('handshakes: per user and per address, over the limit the handshake fails with connect_error RATE_LIMITED', async () => {
    const u = await register(t.url);
    for (let i = 0; i < 5; i++) (await open(u.token)).close();
    expect((await sockets.refusal(t.url, u.token, randomAddress())).message).toBe('RATE_LIMITED');

    // Per address, counted before the token is checked: garbage tokens use it up too.
    const address = randomAddress();
    for (let i = 0; i < 5; i++) expect((await sockets.refusal(t.url, 'garbage', address)).message).toBe('UNAUTHENTICATED');
    const fresh = await register(t.url);
    expect((await sockets.refusal(t.url, fresh.token, address)).message).toBe('RATE_LIMITED');
  });
});
noteMongoSkip('socket limits');

/** The client's TCP socket under socket.io-client → engine.io-client → ws (Node only). */
function tcpOf(socket: ClientSocket): import('node:net').Socket {
  const transport = socket.io.engine?.transport as unknown as { name?: string; ws?: { _socket?: import('node:net').Socket } };
  const tcp = transport?.name === 'websocket' ? transport.ws?._socket : undefined;
  if (!tcp) throw new Error('no TCP socket under this socket.io-client (transport or library changed)');
  return tcp;
}

// The sweep and the cut do not involve the store; SQLite commits the flood of sends fastest.
describe('slow readers (sqlite)', () => {
  const log = captureServerLog();
  const t = useTestServer({ kind: 'sqlite' }, { ...PRODUCTION_SOCKET_LIMITS, logger: log.logger });

  it(`a client that stops reading is disconnected once over ${PRODUCTION_SOCKET_LIMITS.socketBufferMaxBytes} buffered bytes, and the server holds no more than the cap plus half a second of traffic`, async () => {
    const [stalled, sender] = await Promise.all([register(t.url), register(t.url)]);
    const reader = await t.open(stalled.token);
    const writer = await t.open(sender.token);
    const readerId = reader.id!;
    tcpOf(reader).pause(); // the kernel's buffers fill, then the server's

    // ~4 KiB per new-message, 25 per wave, a wave per 50 ms: ~2 MiB/s, so a 500 ms sweep lets at most ~1 MiB more pile up.
    const body = 'x'.repeat(4_000);
    let sentBytes = 0;
    const cut = (r: LogRecord) => r.msg?.startsWith('socket disconnected: slow reader') === true && r.socketId === readerId;
    while (!log.records.some(cut)) {
      if (sentBytes > 64 * 1024 * 1024) throw new Error('never cut off after 64 MiB');
      const acks = await Promise.all(Array.from({ length: 25 }, () => sendOverSocket(writer, stalled.id, body)));
      expect(acks.every((a) => a.ok)).toBe(true);
      sentBytes += 25 * body.length;
      await new Promise((r) => setTimeout(r, 50));
    }
    const record = log.records.find(cut)!;
    expect(record.level).toBe(40);
    expect(record.bufferedBytes as number).toBeGreaterThan(PRODUCTION_SOCKET_LIMITS.socketBufferMaxBytes);
    expect(record.bufferedBytes as number).toBeLessThan(PRODUCTION_SOCKET_LIMITS.socketBufferMaxBytes + 2 * 1024 * 1024);
    await log.waitFor('the server handled the disconnect', disconnectOf(readerId));
    // The rest of the server carries on.
    expect((await sendOverSocket(writer, stalled.id, 'after the cut')).ok).toBe(true);
  });
});
