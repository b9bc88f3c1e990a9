import { describe, expect, it } from 'vitest';
import { shouldRenewTyping, Typing, typingTimings, type Clock, type TypingEventPayload } from './typing.ts';

/** Time moves only when the test says so; timers fire in deadline order. */
function manualClock() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock & { advance(ms: number): void; set(t: number): void } = {
    now: () => now,
    setTimeout: (fn, ms) => (timers.set(++nextId, { at: now + ms, fn }), nextId),
    clearTimeout: (id) => void timers.delete(id as number),
    set: (t) => void (now = t),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
  return clock;
}

function typingWith(options: { renewMs?: number; connected?: () => boolean } = {}) {
  const clock = manualClock();
  const emitted: string[] = [];
  const surfaced: TypingEventPayload[] = [];
  const typing = new Typing({
    emit: (to, on) => emitted.push(`${to}:${on}`),
    canEmit: options.connected ?? (() => true),
    surface: (e) => surfaced.push(e),
    timings: typingTimings(5_000, options.renewMs),
    clock,
  });
  return { clock, typing, emitted, surfaced, shown: () => surfaced.map((e) => e.typing) };
}

describe('typing', () => {
  it('renews at most once per renewMs', () => {
    expect(shouldRenewTyping(undefined, 0, 3000)).toBe(true);
    expect(shouldRenewTyping(1000, 3999, 3000)).toBe(false);
    expect(shouldRenewTyping(1000, 4000, 3000)).toBe(true);
  });

  it('derives every duration from the server TTL: renew before it lapses, idle after 4 s, expire at the TTL', () => {
    expect(typingTimings(5_000)).toEqual({ renewMs: 3_000, idleMs: 4_000, expireMs: 5_000 });
    expect(typingTimings(5_000, 200)).toEqual({ renewMs: 200, idleMs: 4_000, expireMs: 5_000 });
  });

  it('throttles typing, sends typing-stopped only after a typing, and expires incoming states', () => {
    const { clock, typing: t, emitted, shown } = typingWith({ renewMs: 3000 });
    t.input('bob', false); // never typed: nothing to stop
    t.input('bob', true);
    clock.set(1000);
    t.input('bob', true);
    clock.set(3000);
    t.input('bob', true);
    t.input('bob', false);
    expect(emitted).toEqual(['bob:true', 'bob:true', 'bob:false']);

    t.received({ from: 'bob', conversationId: 'c' }, true);
    clock.advance(4000);
    t.received({ from: 'bob', conversationId: 'c' }, true); // renewal pushes the expiry back
    clock.advance(4000);
    expect(shown()).toEqual([true, true]);
    clock.advance(1000);
    expect(shown()).toEqual([true, true, false]);
    t.received({ from: 'bob', conversationId: 'c' }, true);
    t.received({ from: 'bob', conversationId: 'c' }, false);
    clock.advance(10_000);
    expect(shown()).toEqual([true, true, false, true, false]);
  });

  it('goes idle after idleMs without input, and keeps the state alive while input continues', () => {
    const { clock, typing: t, emitted } = typingWith();
    t.input('bob', true);
    for (let i = 0; i < 5; i++) {
      clock.advance(1_500); // a key press every 1.5 s: renewed every 3 s, never idle
      t.input('bob', true);
    }
    expect(emitted).toEqual(['bob:true', 'bob:true', 'bob:true']);
    clock.advance(3_999);
    expect(emitted).toHaveLength(3);
    clock.advance(1);
    expect(emitted).toEqual(['bob:true', 'bob:true', 'bob:true', 'bob:false']);
    t.input('bob', false); // already stopped: nothing more
    expect(emitted).toHaveLength(4);
  });

  it('sends nothing while it cannot reach the server; the first input after that does', () => {
    let connected = false;
    const { typing: t, emitted } = typingWith({ connected: () => connected });
    t.input('bob', true);
    t.input('bob', false);
    expect(emitted).toEqual([]);
    connected = true;
    t.input('bob', true);
    expect(emitted).toEqual(['bob:true']);
  });

  it("ends a typist's state once when their message arrives, and every state when the connection is lost", () => {
    const { clock, typing: t, emitted, surfaced } = typingWith();
    t.received({ from: 'bob', conversationId: 'c1' }, true);
    t.messageFrom('bob');
    t.messageFrom('bob');
    t.received({ from: 'bob', conversationId: 'c1' }, false); // the server's stop, after the message
    expect(surfaced).toEqual([
      { from: 'bob', conversationId: 'c1', typing: true },
      { from: 'bob', conversationId: 'c1', typing: false },
    ]);

    t.received({ from: 'ann', conversationId: 'c2' }, true);
    t.input('ann', true);
    t.connectionLost();
    expect(surfaced.at(-1)).toEqual({ from: 'ann', conversationId: 'c2', typing: false });
    clock.advance(60_000); // no expiry, no idle stop left behind
    expect(surfaced).toHaveLength(4);
    expect(emitted).toEqual(['ann:true']);
    t.input('ann', true); // the server forgot it with our socket: say it again
    expect(emitted).toEqual(['ann:true', 'ann:true']);
  });
});
