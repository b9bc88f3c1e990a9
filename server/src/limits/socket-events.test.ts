import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Limiter, Verdict } from './limiter.ts';
import { limitSocketEvents } from './socket-events.ts';

const silent = pino({ level: 'silent' });

/** A socket stub: `deliver` runs a packet through the middleware; `ran` lists the events that reached handlers. */
function stubSocket() {
  let middleware!: (packet: unknown[], next: (err?: Error) => void) => void;
  const s = {
    ran: [] as string[],
    disconnected: 0,
    use(fn: typeof middleware) {
      middleware = fn;
    },
    disconnect() {
      s.disconnected++;
    },
    deliver(event: string, payload: unknown = {}, ack?: (res: unknown) => void) {
      middleware(ack ? [event, payload, ack] : [event, payload], () => s.ran.push(event));
    },
  };
  return s;
}

/** A user limiter whose answers arrive when the test says (like a Redis round trip). */
function slowLimiter(allowedPoints: number) {
  const pending: (() => void)[] = [];
  let used = 0;
  const limiter: Limiter = {
    consume: () =>
      new Promise<Verdict>((resolve) => {
        const verdict: Verdict = ++used <= allowedPoints ? { allowed: true } : { allowed: false, retryAfterMs: 1000 };
        pending.push(() => resolve(verdict));
      }),
    check: async () => ({ allowed: true }),
    reward: async () => {},
    reset: async () => {},
  };
  /** Lets queued decisions ask, answers every question asked so far, and lets the answers land. */
  const answerAll = async () => {
    await flush();
    pending.splice(0).forEach((f) => f());
    await flush();
  };
  return { limiter, answerAll };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('limitSocketEvents', () => {
  it('events reach their handlers in arrival order even when the shared budget answers late; send-message is not counted', async () => {
    const socket = stubSocket();
    const user = slowLimiter(10);
    limitSocketEvents(socket, { userId: 'u', socketEventLimit: 100, userLimiter: user.limiter, log: silent });
    socket.deliver('typing');
    socket.deliver('send-message');
    socket.deliver('typing-stopped');
    expect(socket.ran).toEqual(['send-message']);
    await user.answerAll();
    expect(socket.ran).toEqual(['send-message', 'typing']);
    await user.answerAll();
    expect(socket.ran).toEqual(['send-message', 'typing', 'typing-stopped']);
  });

  it('over the user budget: RATE_LIMITED ack, handler skipped; without an ack the event is just dropped', async () => {
    const socket = stubSocket();
    const user = slowLimiter(1);
    limitSocketEvents(socket, { userId: 'u', socketEventLimit: 100, userLimiter: user.limiter, log: silent });
    const acks: unknown[] = [];
    socket.deliver('user-status', { userId: 'x' }, (r) => acks.push(r));
    socket.deliver('user-status', { userId: 'x' }, (r) => acks.push(r));
    socket.deliver('typing');
    for (let i = 0; i < 3; i++) await user.answerAll();
    expect(socket.ran).toEqual(['user-status']);
    expect(acks).toEqual([{ ok: false, code: 'RATE_LIMITED', message: 'too many events from this user' }]);
  });

  it('over the socket budget: refused at once; unknown events dropped but counted; 3× the budget disconnects, once', async () => {
    const socket = stubSocket();
    const user = slowLimiter(Infinity);
    limitSocketEvents(socket, { userId: 'u', socketEventLimit: 2, userLimiter: user.limiter, log: silent });
    const acks: unknown[] = [];
    socket.deliver('no-such-event', {}, (r) => acks.push(r));
    socket.deliver('typing');
    socket.deliver('message-read', {}, (r) => acks.push(r));
    expect(acks).toEqual([{ ok: false, code: 'RATE_LIMITED', message: 'too many events on this connection' }]);
    for (let i = 0; i < 5; i++) socket.deliver('typing');
    expect(socket.disconnected).toBe(1);
    await user.answerAll();
    expect(socket.ran).toEqual(['typing']);
  });

  it('message actions are contract events: counted by both budgets (they also take the send budget, in ActionService), refused over them', async () => {
    const socket = stubSocket();
    const user = slowLimiter(Infinity);
    limitSocketEvents(socket, { userId: 'u', socketEventLimit: 4, userLimiter: user.limiter, log: silent });
    const acks: unknown[] = [];
    for (const event of ['react', 'edit-message', 'delete-message', 'hide-message', 'react']) socket.deliver(event, {}, (r) => acks.push(r));
    for (let i = 0; i < 5; i++) await user.answerAll();
    expect(socket.ran).toEqual(['react', 'edit-message', 'delete-message', 'hide-message']);
    expect(acks).toEqual([{ ok: false, code: 'RATE_LIMITED', message: 'too many events on this connection' }]);
  });
});
