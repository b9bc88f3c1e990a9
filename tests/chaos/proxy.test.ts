import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLEAN, FaultProxy, type ProxyEvent } from './proxy.ts';
import { createRng } from './rng.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function echoServer(): Promise<number> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

async function proxyTo(port: number, seed = 1, events: ProxyEvent[] = [], now?: () => number): Promise<FaultProxy> {
  const proxy = new FaultProxy({ name: 'p', targetPort: port, rng: createRng(seed), onEvent: (_, e) => events.push(e), now });
  await proxy.listen();
  closers.push(() => proxy.close());
  return proxy;
}

/**
 * Writes `chunks` one by one and collects what comes back until the socket closes or `expectBytes` arrive.
 * `lockstep`: each chunk is written once the previous one is back, so TCP cannot merge chunks and the
 * proxy sees exactly one read per chunk in each direction, however loaded the machine is.
 */
function exchange(port: number, chunks: string[], expectBytes: number, lockstep = false): Promise<{ data: string; closed: boolean; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (closed: boolean, error?: string) => {
      if (done) return;
      done = true;
      s.destroy();
      resolve({ data, closed, error });
    };
    let next = 0;
    let sent = 0;
    const writeNext = () => {
      const c = chunks[next++];
      if (c === undefined) return;
      sent += c.length;
      s.write(c);
    };
    s.on('data', (d) => {
      data += d.toString();
      if (data.length >= expectBytes) finish(false);
      else if (lockstep && data.length >= sent) writeNext();
    });
    s.on('error', (e) => finish(true, (e as NodeJS.ErrnoException).code));
    s.on('close', () => finish(true));
    s.on('connect', async () => {
      if (lockstep) return writeNext();
      while (next < chunks.length && !done) {
        writeNext();
        await new Promise((r) => setTimeout(r, 2));
      }
    });
  });
}

describe('FaultProxy', () => {
  it('passes bytes through unchanged when clean', async () => {
    const proxy = await proxyTo(await echoServer());
    const chunks = Array.from({ length: 20 }, (_, i) => `chunk-${i};`);
    const res = await exchange(proxy.port, chunks, chunks.join('').length);
    expect(res.data).toBe(chunks.join(''));
  });

  it('keeps byte order under latency and jitter', async () => {
    const proxy = await proxyTo(await echoServer());
    proxy.setProfile({ ...CLEAN, latencyMs: 5, jitterMs: 40 });
    const chunks = Array.from({ length: 40 }, (_, i) => `${i},`);
    const res = await exchange(proxy.port, chunks, chunks.join('').length);
    expect(res.data).toBe(chunks.join(''));
  });

  it('cuts connections at random points and reports where', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyTo(await echoServer(), 5, events);
    proxy.setProfile({ ...CLEAN, dropPerChunk: 0.3 });
    const chunks = Array.from({ length: 40 }, (_, i) => `${i},`);
    const all = chunks.join('');
    // Lockstep: with seed 5 the fifth chunk draws the cut, on every machine.
    const res = await exchange(proxy.port, chunks, all.length, true);
    expect(res.closed).toBe(true);
    // Whatever arrived is a prefix: a cut loses the tail, never reorders or invents bytes.
    expect(all.startsWith(res.data)).toBe(true);
    expect(events.some((e) => e.kind === 'cut')).toBe(true);
  });

  it('refuses connections while offline and for a while after refuseFor', async () => {
    // The refusal window's clock is pinned: a slow machine cannot make the connection late for it.
    let now = 1_000_000;
    const proxy = await proxyTo(await echoServer(), 1, [], () => now);
    proxy.setOffline(true);
    expect((await exchange(proxy.port, ['x'], 1)).closed).toBe(true);
    proxy.setOffline(false);
    expect((await exchange(proxy.port, ['x'], 1)).data).toBe('x');
    proxy.refuseFor(300);
    now += 299;
    expect((await exchange(proxy.port, ['x'], 1)).closed).toBe(true);
    now += 1;
    expect((await exchange(proxy.port, ['x'], 1)).data).toBe('x');
    expect(proxy.stats.refused).toBe(2);
  });

  it('heal() ends a refusal window, the offline state and the faults of the profile', async () => {
    const now = 1_000_000;
    const proxy = await proxyTo(await echoServer(), 1, [], () => now);
    proxy.setProfile({ ...CLEAN, dropPerChunk: 1 });
    proxy.setOffline(true);
    proxy.refuseFor(60_000);
    proxy.heal();
    expect(proxy.isOffline()).toBe(false);
    expect((await exchange(proxy.port, ['x'], 1)).data).toBe('x');
    expect(proxy.stats).toMatchObject({ refused: 0, cuts: 0 });
  });

  it('counts the refresh requests that pass through it', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyTo(await echoServer(), 1, events);
    const request = 'POST /api/auth/refresh HTTP/1.1\r\nhost: x\r\n\r\n';
    expect((await exchange(proxy.port, [request], request.length)).data).toBe(request);
    expect(proxy.stats.refreshes).toBe(1);
    expect(events).toContainEqual({ kind: 'auth', conn: 0, request: 'POST /api/auth/refresh' });
  });

  it('stalls a direction and then resumes it', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyTo(await echoServer(), 11, events);
    proxy.setProfile({ ...CLEAN, stallPerChunk: 1, stallMs: [150, 150] });
    const t0 = Date.now();
    const res = await exchange(proxy.port, ['a'], 1);
    expect(res.data).toBe('a');
    // One stall up, one stall down.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(events.filter((e) => e.kind === 'stall')).toHaveLength(2);
  });

  it('cutAll drops every open connection', async () => {
    const proxy = await proxyTo(await echoServer());
    const pending = exchange(proxy.port, [], 1);
    // The proxy has taken the connection: cutAll has something to cut.
    for (const deadline = Date.now() + 10_000; proxy.stats.connections < 1; await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > deadline) throw new Error('the proxy never accepted the connection');
    }
    proxy.cutAll('test');
    expect((await pending).closed).toBe(true);
  });

  it('fails over to the next node when the first refuses, and taps what each node is handed', async () => {
    const up = await echoServer();
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const events: ProxyEvent[] = [];
    const tapped: string[] = [];
    const proxy = new FaultProxy({
      name: 'lb',
      targetPort: closed,
      route: () => [
        { port: closed, node: 0 },
        { port: up, node: 1 },
      ],
      tap: (node) => ({ up: (d) => tapped.push(`${node}>${d}`), down: (d) => tapped.push(`${node}<${d}`), close: () => tapped.push(`${node} closed`) }),
      rng: createRng(1),
      onEvent: (_, e) => events.push(e),
    });
    await proxy.listen();
    closers.push(() => proxy.close());
    const res = await exchange(proxy.port, ['hello'], 5);
    expect(res.data).toBe('hello');
    expect(events).toContainEqual({ kind: 'failover', conn: 0, node: 1 });
    expect(proxy.stats.failovers).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(tapped.join('')).toMatch(/^(1>hello|1>h.*)1<hello.*1 closed$/);
  });
});
