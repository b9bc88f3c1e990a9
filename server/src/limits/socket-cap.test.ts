import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SocketCap, type CappedSocket } from './socket-cap.ts';

const silent = pino({ level: 'silent' });

function stub(id: string) {
  const s = { id, closed: false, disconnect: () => (s.closed = true) };
  return s satisfies CappedSocket;
}

describe('SocketCap', () => {
  it('keeps at most `max` sockets per user, disconnecting the oldest; other users are untouched', () => {
    const cap = new SocketCap(2, silent);
    const [a1, a2, a3, b1] = ['a1', 'a2', 'a3', 'b1'].map(stub) as [ReturnType<typeof stub>, ReturnType<typeof stub>, ReturnType<typeof stub>, ReturnType<typeof stub>];
    cap.add('a', a1);
    cap.add('a', a2);
    cap.add('b', b1);
    expect(cap.add('a', a3)).toEqual([a1]);
    expect([a1.closed, a2.closed, a3.closed, b1.closed]).toEqual([true, false, false, false]);
    expect(cap.count('a')).toBe(2);
  });

  it('a closed socket frees its place; the map forgets users with no socket', () => {
    const cap = new SocketCap(1, silent);
    const s1 = stub('1');
    cap.add('a', s1);
    cap.remove('a', s1);
    expect(cap.count('a')).toBe(0);
    const s2 = stub('2');
    expect(cap.add('a', s2)).toEqual([]);
    cap.remove('a', s1); // a late second removal changes nothing
    expect(cap.count('a')).toBe(1);
  });
});
