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

async function proxyTo(port: number, seed = 1, events: ProxyEvent[] = []): Promise<FaultProxy> {
  const proxy = new FaultProxy({ name: 'p', targetPort: port, rng: createRng(seed), onEvent: (_, e) => events.push(e) });
  await proxy.listen();
  closers.push(() => proxy.close());
  return proxy;
}

/** Writes `chunks` one by one and collects what comes back until the socket closes or `expectBytes` arrive. */
function exchange(port: number, chunks: string[], expectBytes: number): Promise<{ data: string; closed: boolean; error?: string }> {
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
    s.on('data', (d) => {
      data += d.toString();
      if (data.length >= expectBytes) finish(false);
    });
    s.on('error', (e) => finish(true, (e as NodeJS.ErrnoException).code));
    s.on('close', () => finish(true));
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
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
    const res = await exchange(proxy.port, chunks, chunks.join('').length);
    expect(res.closed).toBe(true);
    // Whatever arrived is a prefix: a cut loses the tail, never reorders or invents bytes.
    expect(chunks.join('').startsWith(res.data)).toBe(true);
    expect(events.some((e) => e.kind === 'cut')).toBe(true);
  });

  it('refuses connections while offline and for a while after refuseFor', async () => {
    const proxy = await proxyTo(await echoServer());
    proxy.setOffline(true);
    expect((await exchange(proxy.port, ['x'], 1)).closed).toBe(true);
    proxy.setOffline(false);
    expect((await exchange(proxy.port, ['x'], 1)).data).toBe('x');
    proxy.refuseFor(300);
    expect((await exchange(proxy.port, ['x'], 1)).closed).toBe(true);
    await new Promise((r) => setTimeout(r, 350));
    expect((await exchange(proxy.port, ['x'], 1)).data).toBe('x');
    expect(proxy.stats.refused).toBe(2);
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
    await new Promise((r) => setTimeout(r, 50));
    proxy.cutAll('test');
    expect((await pending).closed).toBe(true);
  });
});
