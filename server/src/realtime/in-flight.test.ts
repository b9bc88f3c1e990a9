import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { bindHandler, trackHandlers } from './bind-handler.ts';
import { InFlight } from './in-flight.ts';
import { deferred } from '../util/deferred.ts';

const silent = pino({ level: 'silent' });

describe('InFlight', () => {
  it('settles once every tracked run has ended, runs started meanwhile included', async () => {
    const inFlight = new InFlight();
    const a = deferred();
    const b = deferred();
    inFlight.track(a.promise);
    let settled = false;
    const waiting = inFlight.settled(5_000).then(() => (settled = true));
    inFlight.track(b.promise); // started while the close waits
    a.resolve();
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    b.resolve();
    await waiting;
    expect(inFlight.size).toBe(0);
  });

  it('counts a failed run as ended, and never waits longer than asked', async () => {
    vi.useFakeTimers();
    try {
      const inFlight = new InFlight();
      inFlight.track(Promise.reject(new Error('boom')));
      inFlight.track(new Promise(() => {})); // never ends
      let released = false;
      void inFlight.settled(50).then(() => (released = true));
      await vi.advanceTimersByTimeAsync(49);
      expect(released).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(released).toBe(true);
      expect(inFlight.size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("tracks a socket's handler runs from the event until the handler has answered", async () => {
    const socket = new EventEmitter();
    const inFlight = new InFlight();
    trackHandlers(socket, inFlight);
    const store = deferred();
    bindHandler(socket, 'ev', z.object({}), async () => store.promise, silent);
    const acks: unknown[] = [];
    socket.emit('ev', {}, (r: unknown) => acks.push(r));
    expect(inFlight.size).toBe(1);
    const closing = inFlight.settled(5_000);
    store.resolve();
    await closing;
    expect(acks).toEqual([{ ok: true }]);
    expect(inFlight.size).toBe(0);
  });
});
