import { createServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWebSocketFlushes } from './coalesce-writes.ts';

/**
 * Real engine.io + ws over loopback: the wrapper depends on their internals
 * (transport.socket._socket), so only a real connection proves it still applies.
 */
describe('coalesceWebSocketFlushes', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function burst(coalesce: boolean, packets: number) {
    const http = createServer();
    const io = new Server(http, { transports: ['websocket'] });
    cleanups.push(() => new Promise((r) => io.close(() => r(undefined))));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;

    const serverSide = new Promise<{ raw: NetSocket; emit: (i: number) => void }>((resolve) => {
      io.on('connection', (socket) => {
        if (coalesce) coalesceWebSocketFlushes(socket.conn);
        const raw = (socket.conn.transport as unknown as { socket: { _socket: NetSocket } }).socket._socket;
        resolve({ raw, emit: (i) => socket.emit('tick', i) });
      });
    });
    const client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
    cleanups.push(() => client.close());
    const received: number[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('tick', (i: number) => {
        received.push(i);
        if (received.length === packets) resolve();
      }),
    );
    const { raw, emit } = await serverSide;

    let syscalls = 0;
    const count = <K extends '_write' | '_writev'>(key: K) => {
      const original = raw[key] as (...args: unknown[]) => unknown;
      (raw as unknown as Record<K, unknown>)[key] = (...args: unknown[]) => {
        syscalls++;
        return original.apply(raw, args);
      };
    };
    count('_write');
    count('_writev');

    // One synchronous burst, like the acks of a group commit.
    for (let i = 0; i < packets; i++) emit(i);
    await all;
    return { syscalls, received };
  }

  it('sends a burst of packets in two socket writes instead of one per packet', async () => {
    const { syscalls, received } = await burst(true, 50);
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // The first packet leaves at once; the rest queue behind it and leave in one flush.
    expect(syscalls).toBeLessThanOrEqual(2);
  });

  it('is what makes the difference: unwrapped, each packet is its own write', async () => {
    const { syscalls, received } = await burst(false, 50);
    expect(received).toHaveLength(50);
    expect(syscalls).toBeGreaterThanOrEqual(25);
  });
});
