import { afterEach, describe, expect, it, vi } from 'vitest';
import { InFlight } from './realtime/in-flight.ts';
import { createShutdown, type ShutdownParts } from './shutdown.ts';

/** The parts a close touches, each doing nothing; the store's close and the log recorded. */
function parts(handlers: InFlight, events: string[]): ShutdownParts {
  const none = async () => {};
  return {
    log: { info: () => {}, warn: (fields: object, msg: string) => events.push(`warn ${msg} ${JSON.stringify(fields)}`) },
    httpServer: { close: () => {}, closeAllConnections: () => {} },
    io: { local: { disconnectSockets: () => {} }, close: none },
    batcher: { close: () => {}, drain: none, abort: () => {} },
    typing: { clear: () => {} },
    presence: { settled: none, stop: () => {} },
    handlers,
    cluster: null,
    redis: null,
    limits: { close: none },
    sessionPurge: { close: none },
    ownedStore: { close: async () => void events.push('store closed') },
    markClosing: () => {},
  } as unknown as ShutdownParts;
}

describe('graceful close', () => {
  afterEach(() => vi.useRealTimers());

  it('closes the store once the socket handlers already running have answered, with nothing to report', async () => {
    const handlers = new InFlight();
    const events: string[] = [];
    let answer!: () => void;
    handlers.track(new Promise<void>((resolve) => (answer = resolve)));
    const closing = createShutdown(parts(handlers, events)).close();
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([]);
    answer();
    await closing;
    expect(events).toEqual(['store closed']);
  });

  it('past its grace, says how many handlers the store closes under before closing it', async () => {
    vi.useFakeTimers();
    const handlers = new InFlight();
    const events: string[] = [];
    handlers.track(new Promise(() => {})); // a store call that never answers
    const closing = createShutdown(parts(handlers, events)).close();
    await vi.advanceTimersByTimeAsync(15_000);
    await closing;
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(/^warn shutting down: socket handlers still running after the grace.*"running":1/);
    expect(events[1]).toBe('store closed');
  });
});
