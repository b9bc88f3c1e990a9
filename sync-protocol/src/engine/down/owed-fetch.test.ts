import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { OwedFetch, type OwedFetchDeps } from './owed-fetch.ts';

const BACKOFF = { baseMs: 100, maxMs: 1_000 };

function setUp(results: Array<Error | null>, over: Partial<OwedFetchDeps> = {}) {
  const calls = { fetch: 0, retry: 0, errors: [] as unknown[] };
  const owed: OwedFetch = new OwedFetch({
    fetch: async () => {
      const r = results[calls.fetch++];
      if (r) throw r;
    },
    // As the engine: the retry is a catch-up, whose completion makes the fetch due.
    retry: () => {
      calls.retry++;
      void owed.due();
    },
    retryWhile: () => true,
    backoff: BACKOFF,
    random: () => 0.5,
    onError: (e) => calls.errors.push(e),
    ...over,
  });
  return { owed, calls };
}

describe('OwedFetch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fetches once per owed, not again until owed again', async () => {
    const { owed, calls } = setUp([null, null]);
    await owed.due();
    await owed.due();
    expect(calls.fetch).toBe(1);
    owed.owed = true; // a reconnect or a sync hint
    await owed.due();
    expect(calls.fetch).toBe(2);
  });

  it('retries a fetch lost to the network after the backoff, while connected, until it comes through', async () => {
    const lost = new PigeonError('UNAVAILABLE', 'network error: cut', { network: true });
    const { owed, calls } = setUp([lost, new PigeonError('RATE_LIMITED', 'slow down'), null]);
    await owed.due();
    expect(owed.owed).toBe(true);
    expect(calls).toMatchObject({ fetch: 1, retry: 0, errors: [] });
    await vi.advanceTimersByTimeAsync(75); // the first retry: 100 ms, half of it random (0.5)
    expect(calls).toMatchObject({ fetch: 2, retry: 1 });
    await vi.advanceTimersByTimeAsync(149); // the second: 200 ms step
    expect(calls.fetch).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toMatchObject({ fetch: 3, retry: 2, errors: [] });
    expect(owed.owed).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.fetch).toBe(3);
  });

  it('reports a failure that is no passing state, and leaves it owed to the next catch-up', async () => {
    const bug = new PigeonError('VALIDATION', 'bad answer');
    const { owed, calls } = setUp([bug, null]);
    await owed.due();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toMatchObject({ fetch: 1, retry: 0, errors: [bug] });
    expect(owed.owed).toBe(true);
    await owed.due();
    expect(calls.fetch).toBe(2);
  });

  it('leaves a lost fetch to the next connect when the socket is down, and stop() drops a pending retry', async () => {
    const lost = () => new PigeonError('UNAVAILABLE', 'network error: cut', { network: true });
    const offline = setUp([lost()], { retryWhile: () => false });
    await offline.owed.due();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(offline.calls).toMatchObject({ fetch: 1, retry: 0 });
    expect(offline.owed.owed).toBe(true);

    const stopped = setUp([lost()]);
    await stopped.owed.due();
    stopped.owed.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(stopped.calls).toMatchObject({ fetch: 1, retry: 0 });
  });
});
