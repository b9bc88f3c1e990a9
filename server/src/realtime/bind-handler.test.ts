import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bindHandler, NO_REPLY, type Handler } from './bind-handler.ts';

const silent = pino({ level: 'silent' });
const schema = z.object({ n: z.number() });
const flush = () => new Promise((r) => setImmediate(r));

function setup(handler: Handler<z.infer<typeof schema>>) {
  const socket = new EventEmitter();
  bindHandler(socket, 'ev', schema, handler, silent);
  return socket;
}

describe('bindHandler', () => {
  it('validates, runs the handler and acks its result (or { ok: true })', async () => {
    const acks: unknown[] = [];
    const socket = setup(({ n }) => (n > 1 ? { ok: true, double: n * 2 } : undefined));
    socket.emit('ev', { n: 2 }, (r: unknown) => acks.push(r));
    socket.emit('ev', { n: 1 }, (r: unknown) => acks.push(r));
    await flush();
    expect(acks).toEqual([{ ok: true, double: 4 }, { ok: true }]);
  });

  it('answers a malformed payload with a VALIDATION ack and never calls the handler', async () => {
    const acks: unknown[] = [];
    let calls = 0;
    const socket = setup(() => void calls++);
    socket.emit('ev', 'garbage', (r: unknown) => acks.push(r));
    socket.emit('ev', (r: unknown) => acks.push(r)); // only an ack, no payload
    await flush();
    expect(calls).toBe(0);
    expect(acks).toMatchObject([
      { ok: false, code: 'VALIDATION' },
      { ok: false, code: 'VALIDATION' },
    ]);
  });

  it('turns an unexpected throw into INTERNAL without leaking its message', async () => {
    const acks: unknown[] = [];
    const socket = setup(() => {
      throw new Error('db password is hunter2');
    });
    socket.emit('ev', { n: 1 }, (r: unknown) => acks.push(r));
    await flush();
    expect(acks).toEqual([{ ok: false, code: 'INTERNAL', message: 'internal error' }]);
  });

  it('survives a missing ack, a throwing ack, a double reply and NO_REPLY', async () => {
    const acks: unknown[] = [];
    const socket = setup((_p, reply) => {
      reply({ first: true });
      reply({ second: true });
      return NO_REPLY;
    });
    socket.emit('ev', { n: 1 });
    socket.emit('ev', { n: 1 }, () => {
      throw new Error('client ack exploded');
    });
    socket.emit('ev', { n: 1 }, (r: unknown) => acks.push(r));
    await flush();
    expect(acks).toEqual([{ first: true }]);
    const rejecting = setup(async () => {
      throw new Error('async boom');
    });
    rejecting.emit('ev', { n: 1 }); // no ack: must not become an unhandled rejection
    await flush();
  });
});
