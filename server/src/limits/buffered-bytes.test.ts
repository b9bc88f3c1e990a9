import { describe, expect, it } from 'vitest';
import { bufferedBytes, cutConnection } from './buffered-bytes.ts';

describe('bufferedBytes', () => {
  it('adds engine.io’s write buffer (UTF-8 bytes of string packets, binary lengths) and ws’s bufferedAmount', () => {
    const conn = {
      transport: { name: 'websocket', socket: { bufferedAmount: 1000 } },
      writeBuffer: [{ data: 'abc' }, { data: 'é' }, { data: Buffer.alloc(10) }, { type: 'ping' }],
    };
    expect(bufferedBytes(conn)).toBe(1000 + 3 + 2 + 10);
  });

  it('long-polling has no ws; an unexpected shape reads as 0, never throws', () => {
    expect(bufferedBytes({ transport: { name: 'polling' }, writeBuffer: [{ data: 'xy' }] })).toBe(2);
    expect(bufferedBytes({})).toBe(0);
    expect(bufferedBytes({ transport: { name: 'websocket', socket: null }, writeBuffer: 'nonsense' })).toBe(0);
  });

  it('stops counting once past the bound', () => {
    const conn = { writeBuffer: Array.from({ length: 1000 }, () => ({ data: 'x'.repeat(100) })) };
    expect(bufferedBytes(conn, 250)).toBe(300);
  });

  it('cutConnection terminates the WebSocket and makes engine.io discard its buffer', () => {
    const calls: string[] = [];
    const conn = {
      transport: { name: 'websocket', socket: { terminate: () => calls.push('terminate') } },
      close: (discard?: boolean) => calls.push(`close(${discard})`),
    };
    cutConnection(conn);
    expect(calls).toEqual(['terminate', 'close(true)']);
  });
});
